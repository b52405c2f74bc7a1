//! The `SIMPLE_JWT` names simplejwt knows that are not settings of ours: the ones it removed
//! and the Python hooks.

use super::JwtSettings;
use crate::settings::catalogue::{self, SIMPLE_JWT};
use crate::settings::values::{self, Parsed};
use config::ValueKind;

/// simplejwt refuses to start when one of these is present; so do we, so that a configuration
/// accepted here is accepted by the reference app too.
const REMOVED: &[&str] = &[
    "AUTH_HEADER_TYPE",
    "AUTH_TOKEN_CLASS",
    "SECRET_KEY",
    "TOKEN_BACKEND_CLASS",
];

const SETTINGS_DOC: &str =
    "https://django-rest-framework-simplejwt.readthedocs.io/en/latest/settings.html";

/// Settings that name Python code. Only simplejwt's own default is accepted: its behaviour is
/// what we implement, while anything else would be silently different.
const PYTHON_HOOKS: &[(&str, Option<&str>)] = &[
    ("JSON_ENCODER", None),
    (
        "TOKEN_USER_CLASS",
        Some("rest_framework_simplejwt.models.TokenUser"),
    ),
    (
        "USER_AUTHENTICATION_RULE",
        Some("rest_framework_simplejwt.authentication.default_user_authentication_rule"),
    ),
    (
        "ON_LOGIN_SUCCESS",
        Some("rest_framework_simplejwt.serializers.default_on_login_success"),
    ),
    (
        "ON_LOGIN_FAILED",
        Some("rest_framework_simplejwt.serializers.default_on_login_failed"),
    ),
    (
        "TOKEN_OBTAIN_SERIALIZER",
        Some("rest_framework_simplejwt.serializers.TokenObtainPairSerializer"),
    ),
    (
        "TOKEN_REFRESH_SERIALIZER",
        Some("rest_framework_simplejwt.serializers.TokenRefreshSerializer"),
    ),
    (
        "TOKEN_VERIFY_SERIALIZER",
        Some("rest_framework_simplejwt.serializers.TokenVerifySerializer"),
    ),
    (
        "TOKEN_BLACKLIST_SERIALIZER",
        Some("rest_framework_simplejwt.serializers.TokenBlacklistSerializer"),
    ),
    (
        "SLIDING_TOKEN_OBTAIN_SERIALIZER",
        Some("rest_framework_simplejwt.serializers.TokenObtainSlidingSerializer"),
    ),
    (
        "SLIDING_TOKEN_REFRESH_SERIALIZER",
        Some("rest_framework_simplejwt.serializers.TokenRefreshSlidingSerializer"),
    ),
];

/// Every name simplejwt reads (5.5.1 and master), for "did you mean" hints.
pub(in crate::settings) fn names() -> Vec<&'static str> {
    catalogue::names::<JwtSettings>(SIMPLE_JWT)
        .chain(PYTHON_HOOKS.iter().map(|(hook, _)| *hook))
        .collect()
}

/// The `SIMPLE_JWT` names simplejwt knows that are not settings of ours: a removed name fails
/// as in simplejwt, a Python hook is accepted at its default only. `None`: a name simplejwt
/// does not know either, which it ignores (the caller warns).
pub(in crate::settings) fn apply_other(name: &str, raw: &ValueKind) -> Option<Parsed<()>> {
    if REMOVED.contains(&name) {
        return Some(Err(format!(
            "The '{name}' setting has been removed. Please refer to '{SETTINGS_DOC}' for \
             available settings."
        )));
    }
    let (_, default) = PYTHON_HOOKS.iter().find(|(hook, _)| *hook == name)?;
    Some(python_hook(raw, *default))
}

fn python_hook(raw: &ValueKind, default: Option<&str>) -> Parsed<()> {
    let value = values::optional(raw, values::string)?;
    if value.is_none() || value.as_deref() == default {
        return Ok(());
    }
    Err(match default {
        Some(default) => format!(
            "Python hooks are not supported: only simplejwt's default {default:?} (or none) \
             can be set"
        ),
        None => "Python hooks are not supported: only none can be set".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_name_is_handled() {
        let mut jwt = JwtSettings::with_signing_key("k");
        let none = ValueKind::String("none".into());
        for name in names() {
            let known = catalogue::apply(&mut jwt, SIMPLE_JWT, name, &none).is_some()
                || apply_other(name, &none).is_some();
            assert!(known, "{name}");
        }
        for name in REMOVED {
            assert!(!names().contains(name));
            let x = ValueKind::String("x".into());
            assert!(matches!(apply_other(name, &x), Some(Err(_))));
        }
    }
}
