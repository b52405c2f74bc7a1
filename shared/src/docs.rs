//! `GET /api/docs/`: Swagger UI rendering the service's own OpenAPI document, served
//! from the binary. The page, its script and styles come from this listener only (no
//! CDN): Swagger UI's files are compiled in from the `swagger-ui-redist` crate, which
//! holds them as plain bytes (`utoipa-swagger-ui` would add utoipa, rust-embed and a
//! zip-extracting build script for the same files).

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};
use swagger_ui_redist::{SwaggerUi, SwaggerUiStaticFile};

/// Where the page is served; its assets are beside it.
pub const PATH: &str = "/api/docs/";

/// The page's description in both services' OpenAPI documents.
pub const DESCRIPTION: &str = "Swagger UI for `/api/schema/`, from the binary (no CDN). With \
     TOKENPAIR__ADMIN_BIND set, it is served there with `/api/schema/` and `/metrics`, and the \
     main port answers 404 for all three.";

/// The page's own script: it would otherwise be an inline `<script>`, which a
/// `script-src 'self'` policy forbids. The document's URL is relative (`/api/docs/` →
/// `/api/schema/`), so the page works behind any proxy prefix and on either listener.
/// `validatorUrl: null`: Swagger UI's default sends the document's URL to
/// validator.swagger.io for a badge.
const INITIALIZER: &str = r##"window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "../schema/",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null
  });
};
"##;

const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API documentation</title>
<link rel="stylesheet" type="text/css" href="swagger-ui.css">
<link rel="stylesheet" type="text/css" href="index.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="swagger-ui-bundle.js" charset="UTF-8"></script>
<script src="swagger-initializer.js" charset="UTF-8"></script>
</body>
</html>
"#;

/// Only this origin, for scripts, styles, the document fetch and the "Try it out"
/// requests. Swagger UI writes `style` attributes and ships its icons as `data:`
/// images in its CSS, hence `'unsafe-inline'` for styles (never for scripts) and `data:`.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
                   form-action 'none'; frame-ancestors 'none'";

pub const JS: &str = "text/javascript; charset=utf-8";
pub const CSS: &str = "text/css; charset=utf-8";

/// The page and its assets (each a named resource: the metrics' route label).
pub fn routes(cfg: &mut web::ServiceConfig) {
    let page = || async {
        HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CSP),
            ))
            .body(PAGE)
    };
    cfg.service(web::resource(PATH).name(PATH).route(web::get().to(page)));
    let asset = |cfg: &mut web::ServiceConfig, name: &str, content_type, bytes| {
        static_file(cfg, &format!("{PATH}{name}"), content_type, bytes);
    };
    asset(cfg, "swagger-initializer.js", JS, INITIALIZER.as_bytes());
    // The standalone preset (a top bar to load other documents) and the favicons are left out.
    for (file, content_type) in [
        (SwaggerUiStaticFile::Js, JS),
        (SwaggerUiStaticFile::Css, CSS),
        (SwaggerUiStaticFile::IndexCss, CSS),
    ] {
        // The crate lists every file it has; were one of these gone, the page's
        // e2e test (every asset it names loads) would say so.
        if let Some((_, bytes)) = SwaggerUi::static_files().iter().find(|(f, _)| *f == file) {
            asset(cfg, file.file_name(), content_type, bytes);
        }
    }
}

/// A file compiled into the binary, served at `path` (a named resource: the metrics' route
/// label); the docs UI's assets, the demo page's.
pub fn static_file(
    cfg: &mut web::ServiceConfig,
    path: &str,
    content_type: &'static str,
    bytes: &'static [u8],
) {
    cfg.service(
        web::resource(path)
            .name(path)
            .route(web::get().to(move || async move {
                HttpResponse::Ok()
                    .content_type(content_type)
                    // Compiled in: they change only with the binary.
                    .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
                    .body(bytes)
            })),
    );
}
