//! The answers tests expect, written once: the JSON bodies DRF and simplejwt send
//! (byte for byte, as the wire shows them) and the paths of the token views.

/// `POST /api/token/`
pub const OBTAIN: &str = "/api/token/";
/// `POST /api/token/refresh/`
pub const REFRESH: &str = "/api/token/refresh/";
/// `POST /api/token/verify/`
pub const VERIFY: &str = "/api/token/verify/";
/// `POST /api/token/blacklist/`
pub const BLACKLIST: &str = "/api/token/blacklist/";
/// `POST /api/token/sliding/`
pub const SLIDING: &str = "/api/token/sliding/";
/// `POST /api/token/sliding/refresh/`
pub const SLIDING_REFRESH: &str = "/api/token/sliding/refresh/";
/// `POST /api/token/logout-all/` (ours)
pub const LOGOUT_ALL: &str = "/api/token/logout-all/";

/// A 401 `token_not_valid` with simplejwt's `detail`.
pub fn not_valid(message: &str) -> String {
    serde_json::json!({"detail": message, "code": "token_not_valid"}).to_string()
}

pub const BLACKLISTED: &str = r#"{"detail":"Token is blacklisted","code":"token_not_valid"}"#;
pub const REVOKED: &str = r#"{"detail":"Token has been revoked","code":"token_not_valid"}"#;
pub const INVALID: &str = r#"{"detail":"Token is invalid","code":"token_not_valid"}"#;
/// A failed login, whatever the reason (no such user, wrong password, inactive, unusable).
pub const NO_ACCOUNT: &str = r#"{"detail":"No active account found with the given credentials"}"#;
/// A refresh token whose user is gone or inactive.
pub const NO_ACTIVE_ACCOUNT: &str = r#"{"detail":"No active account found for the given token."}"#;
pub const NOT_PROVIDED: &str = r#"{"detail":"Authentication credentials were not provided."}"#;
/// protected-service's answer to a valid access token.
pub const PROTECTED: &str = r#"{"content":"This view is protected"}"#;
pub const UNAVAILABLE: &str = r#"{"detail":"Service temporarily unavailable, try again later."}"#;
pub const HEADER_TOO_LARGE: &str = r#"{"detail":"Request header field too large."}"#;
