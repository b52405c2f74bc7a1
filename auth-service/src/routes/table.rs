//! The route table's data: every URL of the auth service and the views behind
//! them, read by the routing (`config`), the OpenAPI document and the
//! APPEND_SLASH redirect, none of which depend on each other.

/// A token view as the routing, its OPTIONS metadata, its browsable page and the OpenAPI
/// document describe it (routing and metadata are `impl`s in `view`).
pub struct TokenView {
    pub path: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    /// Writable serializer fields: (name, label).
    pub fields: &'static [(&'static str, &'static str)],
    /// Read-only fields DRF lists in the metadata.
    pub read_only: &'static [(&'static str, &'static str)],
    /// String fields of the 200 body (the optional ones are marked `?`).
    pub returns: &'static [&'static str],
}

/// simplejwt's views at the URLs of its documentation (sliding ones beside them).
pub const OBTAIN_PAIR: TokenView = TokenView {
    path: "/api/token/",
    name: "Token Obtain Pair",
    description: "Takes a set of user credentials and returns an access and refresh JSON web\ntoken pair to prove the authentication of those credentials.",
    fields: &[("username", "Username"), ("password", "Password")],
    read_only: &[],
    returns: &["refresh", "access"],
};

pub const REFRESH: TokenView = TokenView {
    path: "/api/token/refresh/",
    name: "Token Refresh",
    description: "Takes a refresh type JSON web token and returns an access type JSON web\ntoken if the refresh token is valid.",
    fields: &[("refresh", "Refresh")],
    read_only: &[("access", "Access")],
    returns: &["access", "refresh?"],
};

pub const VERIFY: TokenView = TokenView {
    path: "/api/token/verify/",
    name: "Token Verify",
    description: "Takes a token and indicates if it is valid.  This view provides no\ninformation about a token's fitness for a particular use.",
    fields: &[("token", "Token")],
    read_only: &[],
    returns: &[],
};

pub const BLACKLIST: TokenView = TokenView {
    path: "/api/token/blacklist/",
    name: "Token Blacklist",
    description: "Takes a token and blacklists it. Must be used with the\n`rest_framework_simplejwt.token_blacklist` app installed.",
    fields: &[("refresh", "Refresh")],
    read_only: &[],
    returns: &[],
};

pub const OBTAIN_SLIDING: TokenView = TokenView {
    path: "/api/token/sliding/",
    name: "Token Obtain Sliding",
    description: "Takes a set of user credentials and returns a sliding JSON web token to\nprove the authentication of those credentials.",
    fields: &[("username", "Username"), ("password", "Password")],
    read_only: &[],
    returns: &["token"],
};

pub const REFRESH_SLIDING: TokenView = TokenView {
    path: "/api/token/sliding/refresh/",
    name: "Token Refresh Sliding",
    description: "Takes a sliding JSON web token and returns a new, refreshed version if the\ntoken's refresh period has not expired.",
    fields: &[("token", "Token")],
    read_only: &[],
    returns: &["token"],
};

pub const LOGOUT_ALL: &str = "/api/token/logout-all/";

/// The revocation feed (served with `TOKENPAIR__REVOCATION_SECRET`).
pub const REVOCATIONS: &str = shared::revocation::wire::PATH;

/// The public keys tokens verify with (`jwks.rs`).
pub const JWKS: &str = "/.well-known/jwks.json";

/// Ours: the authenticated user's password change (routes/password_change.rs).
pub const PASSWORD_CHANGE: &str = "/api/password/change/";

/// Ours: the staff-only user administration API (routes/admin).
pub const ADMIN_USERS: &str = "/api/admin/users/";
pub const ADMIN_USER: &str = "/api/admin/users/{id}/";
pub const ADMIN_USER_PASSWORD: &str = "/api/admin/users/{id}/password/";

/// The OpenAPI document of this service.
pub const SCHEMA: &str = "/api/schema/";

/// Every token view, for the OpenAPI document.
pub const TOKEN_VIEWS: [&TokenView; 6] = [
    &OBTAIN_PAIR,
    &REFRESH,
    &VERIFY,
    &BLACKLIST,
    &OBTAIN_SLIDING,
    &REFRESH_SLIDING,
];

/// The internal endpoints among them: with `TOKENPAIR__ADMIN_BIND` they are not on the
/// main port, which then does not redirect to them either.
pub const INTERNAL_PATHS: &[&str] = &[SCHEMA, shared::docs::PATH];

/// Paths that exist with a trailing slash, for Django's APPEND_SLASH redirect.
pub const SLASHED_PATHS: &[&str] = &[
    OBTAIN_PAIR.path,
    REFRESH.path,
    VERIFY.path,
    BLACKLIST.path,
    OBTAIN_SLIDING.path,
    REFRESH_SLIDING.path,
    LOGOUT_ALL,
    REVOCATIONS,
    PASSWORD_CHANGE,
    SCHEMA,
    shared::docs::PATH,
];
