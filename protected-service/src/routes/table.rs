//! The route table's data: the protected service's views, read by the routing
//! (`config`) and by the OpenAPI document, which do not depend on each other.

/// A view of the route table: its path, and its name in OPTIONS metadata and
/// the OpenAPI document.
pub struct View {
    pub path: &'static str,
    pub name: &'static str,
}

/// The tutorial's view.
pub const PROTECTED: View = View {
    path: "/protected/",
    name: "Protected",
};

/// The OpenAPI document of this service.
pub const SCHEMA: &str = "/api/schema/";
