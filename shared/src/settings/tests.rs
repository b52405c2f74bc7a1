//! The loader's unit tests: the shared sections and simplejwt's table (auth-service's own
//! sections are tested there).

use super::catalogue::{self, did_you_mean};
use super::*;
use jsonwebtoken::Algorithm;
use std::time::Duration;

const FILE: &str = "tokenpair.toml";

fn pairs(env: &[(&str, &str)]) -> Vec<(String, String)> {
    env.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// With a SECRET_KEY, which HS256 (the default) needs.
fn env(extra: &[(&str, &str)]) -> Result<Settings, SettingsError> {
    let mut all = pairs(&[("SECRET_KEY", "k")]);
    all.extend(pairs(extra));
    Settings::from_sources(None, all)
}

fn file(toml: &str) -> Result<Settings, SettingsError> {
    file_env(toml, &[])
}

fn file_env(toml: &str, extra: &[(&str, &str)]) -> Result<Settings, SettingsError> {
    let mut all = pairs(&[("SECRET_KEY", "k")]);
    all.extend(pairs(extra));
    Settings::from_sources(Some((FILE, toml)), all)
}

/// The error text, checked to be one line.
fn error(result: Result<Settings, SettingsError>) -> String {
    let message = result.expect_err("expected an error").to_string();
    assert!(!message.contains('\n'), "not one line: {message}");
    message
}

fn jwt_env(name: &str, value: &str) -> JwtSettings {
    env(&[(&format!("SIMPLE_JWT__{name}"), value)])
        .unwrap_or_else(|e| panic!("{name}={value}: {e}"))
        .jwt
}

fn jwt_file(line: &str) -> JwtSettings {
    file(&format!("[SIMPLE_JWT]\n{line}\n"))
        .unwrap_or_else(|e| panic!("{line}: {e}"))
        .jwt
}

fn assert_simplejwt_defaults(jwt: &JwtSettings) {
    assert_eq!(jwt.access_token_lifetime, Duration::from_secs(300));
    assert_eq!(jwt.refresh_token_lifetime, Duration::from_secs(86_400));
    assert!(!jwt.rotate_refresh_tokens);
    assert!(!jwt.blacklist_after_rotation);
    assert!(!jwt.update_last_login);
    assert_eq!(jwt.algorithm, Algorithm::HS256);
    assert_eq!(jwt.verifying_key, None);
    assert_eq!(jwt.audience, None);
    assert_eq!(jwt.issuer, None);
    assert_eq!(jwt.jwk_url, None);
    assert_eq!(jwt.leeway, 0.0);
    assert_eq!(jwt.auth_header_types, ["Bearer"]);
    assert_eq!(jwt.auth_header_name, "authorization");
    assert_eq!(jwt.user_id_field, "id");
    assert_eq!(jwt.user_id_claim, "user_id");
    assert_eq!(jwt.auth_token_classes, [TokenClass::Access]);
    assert_eq!(jwt.token_type_claim.as_deref(), Some("token_type"));
    assert_eq!(jwt.jti_claim.as_deref(), Some("jti"));
    assert_eq!(jwt.sliding_token_refresh_exp_claim, "refresh_exp");
    assert_eq!(jwt.sliding_token_lifetime, Duration::from_secs(300));
    assert_eq!(
        jwt.sliding_token_refresh_lifetime,
        Duration::from_secs(86_400)
    );
    assert!(!jwt.check_revoke_token);
    assert_eq!(jwt.revoke_token_claim, "hash_password");
    assert!(jwt.check_user_is_active);
}

#[test]
fn defaults_are_simplejwts_and_ours() {
    let settings = env(&[]).unwrap();
    assert_simplejwt_defaults(&settings.jwt);
    assert_eq!(settings.jwt.signing_key.expose(), "k");
    assert_eq!(
        settings.keys.secret_key.as_ref().map(Secret::expose),
        Some("k")
    );
    assert!(settings.warnings.is_empty());

    let with_key = JwtSettings::with_signing_key("abc");
    assert_simplejwt_defaults(&with_key);
    assert_eq!(with_key.signing_key.expose(), "abc");

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    for server in [settings.server, ServerSettings::default()] {
        assert_eq!(server.workers, cores);
        assert_eq!(server.max_header_bytes, 8190);
        assert_eq!(server.client_head_timeout, Duration::from_secs(5));
        assert_eq!(server.client_body_timeout, Duration::from_secs(10));
        assert_eq!(server.shutdown_grace, Duration::from_secs(8));
    }
    for log in [settings.log, LogSettings::default()] {
        assert_eq!(log.format, LogFormat::Text);
        assert_eq!(log.level, "info");
    }
    assert!(!settings.keys.allow_weak_key);
}

#[test]
fn durations_from_env_and_file() {
    let five_min = Duration::from_secs(300);
    for value in ["300", "5m", "300s", " 5m ", "300.0"] {
        assert_eq!(
            jwt_env("ACCESS_TOKEN_LIFETIME", value).access_token_lifetime,
            five_min
        );
    }
    for line in [
        "ACCESS_TOKEN_LIFETIME = 300",
        "ACCESS_TOKEN_LIFETIME = 300.0",
        "ACCESS_TOKEN_LIFETIME = \"5m\"",
        "ACCESS_TOKEN_LIFETIME = \"300\"",
    ] {
        assert_eq!(jwt_file(line).access_token_lifetime, five_min);
    }
    let jwt = jwt_env("REFRESH_TOKEN_LIFETIME", "1d");
    assert_eq!(jwt.refresh_token_lifetime, Duration::from_secs(86_400));
    let jwt = jwt_env("SLIDING_TOKEN_LIFETIME", "1h 30m");
    assert_eq!(jwt.sliding_token_lifetime, Duration::from_secs(5_400));
    let jwt = jwt_file("SLIDING_TOKEN_REFRESH_LIFETIME = 0.5");
    assert_eq!(
        jwt.sliding_token_refresh_lifetime,
        Duration::from_millis(500)
    );
    let server = env(&[("TOKENPAIR__CLIENT_HEAD_TIMEOUT", "500ms")])
        .unwrap()
        .server;
    assert_eq!(server.client_head_timeout, Duration::from_millis(500));
}

#[test]
fn errors_name_the_setting_as_written() {
    assert_eq!(
        error(env(&[("SIMPLE_JWT__ACCESS_TOKEN_LIFETIME", "abc")])),
        r#"SIMPLE_JWT__ACCESS_TOKEN_LIFETIME: invalid duration "abc" (use seconds, or e.g. 5m, 1h, 1d)"#
    );
    assert_eq!(
        error(file("[SIMPLE_JWT]\nACCESS_TOKEN_LIFETIME = \"abc\"")),
        r#"SIMPLE_JWT.ACCESS_TOKEN_LIFETIME (in tokenpair.toml): invalid duration "abc" (use seconds, or e.g. 5m, 1h, 1d)"#
    );
    assert_eq!(
        error(file("[SIMPLE_JWT]\nACCESS_TOKEN_LIFETIME = -5")),
        "SIMPLE_JWT.ACCESS_TOKEN_LIFETIME (in tokenpair.toml): invalid duration -5 (must not be negative)"
    );
    assert_eq!(
        error(env(&[("SIMPLE_JWT__LEEWAY", "-1")])),
        r#"SIMPLE_JWT__LEEWAY: invalid duration "-1" (must not be negative)"#
    );
    assert_eq!(
        error(env(&[("SIMPLE_JWT__ROTATE_REFRESH_TOKENS", "maybe")])),
        r#"SIMPLE_JWT__ROTATE_REFRESH_TOKENS: invalid boolean "maybe" (use true or false)"#
    );
    assert_eq!(
        error(file("[TOKENPAIR]\nALLOW_WEAK_KEY = \"sometimes\"")),
        r#"TOKENPAIR.ALLOW_WEAK_KEY (in tokenpair.toml): invalid boolean "sometimes" (use true or false)"#
    );
    assert_eq!(
        error(Settings::from_sources(
            Some((FILE, "SECRET_KEY = 5")),
            Vec::new()
        )),
        "SECRET_KEY (in tokenpair.toml): expected a string"
    );
    // A value with a newline stays on one line.
    let message = error(env(&[("SIMPLE_JWT__ALGORITHM", "HS\n256")]));
    assert_eq!(
        message,
        r"SIMPLE_JWT__ALGORITHM: Unrecognized algorithm type 'HS\n256'"
    );
}

#[test]
fn booleans_from_env_and_file() {
    for (value, want) in [
        ("true", true),
        ("True", true),
        ("1", true),
        ("yes", true),
        ("on", true),
        ("false", false),
        ("FALSE", false),
        ("0", false),
        ("no", false),
        ("off", false),
    ] {
        assert_eq!(
            jwt_env("ROTATE_REFRESH_TOKENS", value).rotate_refresh_tokens,
            want
        );
        assert_eq!(
            jwt_env("CHECK_USER_IS_ACTIVE", value).check_user_is_active,
            want
        );
    }
    assert!(jwt_file("BLACKLIST_AFTER_ROTATION = true").blacklist_after_rotation);
    assert!(jwt_file("UPDATE_LAST_LOGIN = \"yes\"").update_last_login);
    assert!(jwt_file("CHECK_REVOKE_TOKEN = 1").check_revoke_token);
    assert!(!jwt_file("CHECK_USER_IS_ACTIVE = false").check_user_is_active);
}

#[test]
fn lists_json_comma_and_toml() {
    let want = ["Bearer", "JWT"];
    assert_eq!(
        jwt_env("AUTH_HEADER_TYPES", r#"["Bearer","JWT"]"#).auth_header_types,
        want
    );
    assert_eq!(
        jwt_env("AUTH_HEADER_TYPES", "Bearer, JWT,").auth_header_types,
        want
    );
    assert_eq!(
        jwt_file(r#"AUTH_HEADER_TYPES = ["Bearer", "JWT"]"#).auth_header_types,
        want
    );
    assert_eq!(
        jwt_file(r#"AUTH_HEADER_TYPES = "Bearer,JWT""#).auth_header_types,
        want
    );
    assert_eq!(
        error(env(&[("SIMPLE_JWT__AUTH_HEADER_TYPES", "[]")])),
        "SIMPLE_JWT__AUTH_HEADER_TYPES: must list at least one header type, e.g. Bearer"
    );
    assert!(
        error(env(&[("SIMPLE_JWT__AUTH_HEADER_TYPES", "[\"Bearer\"")]))
            .starts_with("SIMPLE_JWT__AUTH_HEADER_TYPES: invalid JSON list")
    );
    assert!(
        error(file("[SIMPLE_JWT]\nAUTH_HEADER_TYPES = [\"Bearer token\"]"))
            .contains("invalid header type \"Bearer token\"")
    );
}

#[test]
fn none_null_and_empty_unset_optional_settings() {
    for value in ["none", "None", "NULL", "null", ""] {
        let jwt = env(&[
            ("SIMPLE_JWT__AUDIENCE", value),
            ("SIMPLE_JWT__ISSUER", value),
            ("SIMPLE_JWT__JWK_URL", value),
            ("SIMPLE_JWT__TOKEN_TYPE_CLAIM", value),
            ("SIMPLE_JWT__JTI_CLAIM", value),
            ("SIMPLE_JWT__VERIFYING_KEY", value),
        ])
        .unwrap()
        .jwt;
        assert_eq!(jwt.audience, None);
        assert_eq!(jwt.issuer, None);
        assert_eq!(jwt.jwk_url, None);
        assert_eq!(jwt.token_type_claim, None);
        assert_eq!(jwt.jti_claim, None);
        assert_eq!(jwt.verifying_key, None);
    }
    assert_eq!(jwt_file("JTI_CLAIM = \"none\"").jti_claim, None);
    // The environment can unset what the file set.
    let jwt = file_env(
        "[SIMPLE_JWT]\nISSUER = \"me\"",
        &[("SIMPLE_JWT__ISSUER", "")],
    )
    .unwrap()
    .jwt;
    assert_eq!(jwt.issuer, None);
    assert!(
        error(env(&[("SIMPLE_JWT__USER_ID_CLAIM", "none")]))
            .starts_with("SIMPLE_JWT__USER_ID_CLAIM: cannot be unset")
    );
    // an empty value for a setting that cannot be unset keeps the default
    let jwt = env(&[("SIMPLE_JWT__ACCESS_TOKEN_LIFETIME", "")])
        .unwrap()
        .jwt;
    assert_eq!(jwt.access_token_lifetime, Duration::from_secs(300));
    let log = env(&[("TOKENPAIR__LOG_LEVEL", " ")]).unwrap().log;
    assert_eq!(log.level, "info");
    assert!(
        error(env(&[("SIMPLE_JWT__ACCESS_TOKEN_LIFETIME", "none")]))
            .starts_with("SIMPLE_JWT__ACCESS_TOKEN_LIFETIME: cannot be unset")
    );
}

#[test]
fn audience_one_or_many() {
    let one = |s: &str| Some(Audience::One(s.to_owned()));
    let many = |v: &[&str]| Some(Audience::Many(v.iter().map(|s| (*s).to_owned()).collect()));
    assert_eq!(jwt_env("AUDIENCE", "api").audience, one("api"));
    assert_eq!(jwt_env("AUDIENCE", "a,b").audience, one("a,b"));
    assert_eq!(
        jwt_env("AUDIENCE", r#"["a","b"]"#).audience,
        many(&["a", "b"])
    );
    assert_eq!(
        jwt_file(r#"AUDIENCE = ["a", "b"]"#).audience,
        many(&["a", "b"])
    );
    assert_eq!(jwt_file(r#"AUDIENCE = "a,b""#).audience, one("a,b"));
    assert!(error(env(&[("SIMPLE_JWT__AUDIENCE", "[]")])).contains("empty audience list"));
    assert_eq!(
        jwt_env("ISSUER", "https://issuer").issuer.as_deref(),
        Some("https://issuer")
    );
}

#[test]
fn leeway_in_seconds() {
    assert_eq!(jwt_env("LEEWAY", "2").leeway, 2.0);
    assert_eq!(jwt_env("LEEWAY", "1.5").leeway, 1.5);
    assert_eq!(jwt_env("LEEWAY", "1m").leeway, 60.0);
    assert_eq!(jwt_file("LEEWAY = 3").leeway, 3.0);
    assert_eq!(jwt_file("LEEWAY = 0.25").leeway, 0.25);
}

#[test]
fn auth_header_name_meta_or_plain() {
    assert_eq!(
        jwt_env("AUTH_HEADER_NAME", "HTTP_X_AUTH").auth_header_name,
        "x-auth"
    );
    assert_eq!(
        jwt_env("AUTH_HEADER_NAME", "HTTP_AUTHORIZATION").auth_header_name,
        "authorization"
    );
    assert_eq!(
        jwt_env("AUTH_HEADER_NAME", "X-Api-Token").auth_header_name,
        "x-api-token"
    );
    assert_eq!(
        jwt_file("AUTH_HEADER_NAME = \"Authorization\"").auth_header_name,
        "authorization"
    );
    for bad in ["HTTP_", "X Auth", "X-Auth:", "Autho\u{e9}rization"] {
        assert!(
            error(env(&[("SIMPLE_JWT__AUTH_HEADER_NAME", bad)]))
                .starts_with("SIMPLE_JWT__AUTH_HEADER_NAME: invalid header name"),
            "{bad}"
        );
    }
}

#[test]
fn auth_token_classes_dotted_or_short() {
    assert_eq!(
        jwt_env(
            "AUTH_TOKEN_CLASSES",
            "rest_framework_simplejwt.tokens.AccessToken"
        )
        .auth_token_classes,
        [TokenClass::Access]
    );
    assert_eq!(
        jwt_env("AUTH_TOKEN_CLASSES", "AccessToken,SlidingToken").auth_token_classes,
        [TokenClass::Access, TokenClass::Sliding]
    );
    assert_eq!(
        jwt_file(
            r#"AUTH_TOKEN_CLASSES = ["rest_framework_simplejwt.tokens.RefreshToken", "UntypedToken"]"#
        )
        .auth_token_classes,
        [TokenClass::Refresh, TokenClass::Untyped]
    );
    assert_eq!(
        jwt_env(
            "AUTH_TOKEN_CLASSES",
            r#"["rest_framework_simplejwt.tokens.SlidingToken"]"#
        )
        .auth_token_classes,
        [TokenClass::Sliding]
    );
    for bad in ["myapp.tokens.AccessToken", "Access", "none"] {
        assert!(
            error(env(&[("SIMPLE_JWT__AUTH_TOKEN_CLASSES", bad)]))
                .starts_with("SIMPLE_JWT__AUTH_TOKEN_CLASSES: ")
        );
    }
}

#[test]
fn algorithms() {
    for (name, want) in [
        ("HS256", Algorithm::HS256),
        ("HS384", Algorithm::HS384),
        ("HS512", Algorithm::HS512),
        ("RS256", Algorithm::RS256),
        ("RS384", Algorithm::RS384),
        ("RS512", Algorithm::RS512),
        ("ES256", Algorithm::ES256),
        ("ES384", Algorithm::ES384),
        ("PS256", Algorithm::PS256),
        ("PS384", Algorithm::PS384),
        ("PS512", Algorithm::PS512),
        ("EdDSA", Algorithm::EdDSA),
    ] {
        assert_eq!(jwt_env("ALGORITHM", name).algorithm, want);
    }
    assert_eq!(
        error(env(&[("SIMPLE_JWT__ALGORITHM", "XYZ")])),
        "SIMPLE_JWT__ALGORITHM: Unrecognized algorithm type 'XYZ'"
    );
    assert_eq!(
        error(file("[SIMPLE_JWT]\nALGORITHM = \"hs256\"")),
        "SIMPLE_JWT.ALGORITHM (in tokenpair.toml): Unrecognized algorithm type 'hs256'"
    );
    for name in ["ES512", "ES256K"] {
        assert!(
            error(env(&[("SIMPLE_JWT__ALGORITHM", name)])).starts_with(&format!(
                "SIMPLE_JWT__ALGORITHM: algorithm '{name}' is not supported by tokenpair"
            ))
        );
    }
}

#[test]
fn removed_settings_fail_like_simplejwt() {
    assert_eq!(
        error(env(&[("SIMPLE_JWT__SECRET_KEY", "x")])),
        "SIMPLE_JWT__SECRET_KEY: The 'SECRET_KEY' setting has been removed. Please refer to \
         'https://django-rest-framework-simplejwt.readthedocs.io/en/latest/settings.html' \
         for available settings."
    );
    for name in [
        "AUTH_HEADER_TYPE",
        "AUTH_TOKEN_CLASS",
        "TOKEN_BACKEND_CLASS",
    ] {
        let message = error(file(&format!("[SIMPLE_JWT]\n{name} = \"x\"")));
        assert!(message.starts_with(&format!(
            "SIMPLE_JWT.{name} (in tokenpair.toml): The '{name}' setting has been removed."
        )));
    }
}

#[test]
fn python_hooks_only_at_their_defaults() {
    let settings = env(&[
        (
            "SIMPLE_JWT__TOKEN_USER_CLASS",
            "rest_framework_simplejwt.models.TokenUser",
        ),
        (
            "SIMPLE_JWT__USER_AUTHENTICATION_RULE",
            "rest_framework_simplejwt.authentication.default_user_authentication_rule",
        ),
        ("SIMPLE_JWT__JSON_ENCODER", "none"),
        ("SIMPLE_JWT__ON_LOGIN_FAILED", ""),
    ])
    .unwrap();
    assert!(settings.warnings.is_empty());
    assert_eq!(
        error(env(&[(
            "SIMPLE_JWT__TOKEN_OBTAIN_SERIALIZER",
            "myapp.MySerializer"
        )])),
        "SIMPLE_JWT__TOKEN_OBTAIN_SERIALIZER: Python hooks are not supported: only \
         simplejwt's default \"rest_framework_simplejwt.serializers.TokenObtainPairSerializer\" \
         (or none) can be set"
    );
    assert_eq!(
        error(file("[SIMPLE_JWT]\nJSON_ENCODER = \"myapp.Encoder\"")),
        "SIMPLE_JWT.JSON_ENCODER (in tokenpair.toml): Python hooks are not supported: only \
         none can be set"
    );
}

#[test]
fn unknown_names() {
    let settings = env(&[("SIMPLE_JWT__ACCES_TOKEN_LIFETIME", "1")]).unwrap();
    assert_eq!(
        settings.warnings,
        [
            "SIMPLE_JWT__ACCES_TOKEN_LIFETIME: unknown simplejwt setting, ignored \
          (did you mean ACCESS_TOKEN_LIFETIME?)"
        ]
    );
    assert!(!settings.is_explicit("SIMPLE_JWT.ACCES_TOKEN_LIFETIME"));
    let settings = file("[SIMPLE_JWT]\nSOMETHING_ELSE = 1").unwrap();
    assert_eq!(
        settings.warnings,
        ["SIMPLE_JWT.SOMETHING_ELSE (in tokenpair.toml): unknown simplejwt setting, ignored"]
    );
    assert_eq!(
        error(env(&[("TOKENPAIR__WORKER", "1")])),
        "TOKENPAIR__WORKER: unknown tokenpair setting (did you mean WORKERS?)"
    );
    assert_eq!(
        error(file("[TOKENPAIR]\nworkers = 4")),
        "TOKENPAIR.workers (in tokenpair.toml): unknown tokenpair setting (did you mean WORKERS?)"
    );
    assert_eq!(
        error(file("[SIMPLEJWT]\nLEEWAY = 1")),
        "\"SIMPLEJWT\" (in tokenpair.toml): unknown setting (did you mean SIMPLE_JWT?)"
    );
    assert_eq!(
        error(file("\"SIMPLE_JWT[0]\" = 1\n[SIMPLE_JWT]\nLEEWAY = 1")),
        "\"SIMPLE_JWT[0]\" (in tokenpair.toml): unknown setting"
    );
    // Only the documented variables are read, exactly as spelled.
    let settings = env(&[
        ("PATH", "/bin"),
        ("simple_jwt__LEEWAY", "x"),
        ("SIMPLE_JWT_LEEWAY", "x"),
        ("TOKENPAIR_CONFIG", "/nonexistent"),
        ("SIMPLE_JWTX__LEEWAY", "x"),
    ])
    .unwrap();
    assert!(settings.warnings.is_empty());
    assert_eq!(settings.jwt.leeway, 0.0);
}

#[test]
fn signing_key_sources() {
    // loading works without a key (migrate needs none); signing or verifying does not
    for sources in [Vec::new(), pairs(&[("SECRET_KEY", "")])] {
        let jwt = Settings::from_sources(None, sources).unwrap().jwt;
        for missing in [jwt.require_signing_key(), jwt.require_verifying_key()] {
            assert_eq!(
                missing.unwrap_err().to_string(),
                "SIMPLE_JWT.SIGNING_KEY: no signing key: set SECRET_KEY or SIMPLE_JWT__SIGNING_KEY"
            );
        }
    }
    let jwt = env(&[("SIMPLE_JWT__SIGNING_KEY", "s")]).unwrap().jwt;
    assert_eq!(jwt.signing_key.expose(), "s");
    let jwt = env(&[("SIMPLE_JWT__SIGNING_KEY", "none")]).unwrap().jwt;
    assert_eq!(jwt.signing_key.expose(), "k");
    let only_signing =
        Settings::from_sources(None, pairs(&[("SIMPLE_JWT__SIGNING_KEY", "s")])).unwrap();
    assert!(only_signing.keys.secret_key.is_none());
    assert!(only_signing.jwt.require_verifying_key().is_ok());

    // Asymmetric: no key is fine until a caller needs one.
    let verify_only = Settings::from_sources(
        None,
        pairs(&[
            ("SIMPLE_JWT__ALGORITHM", "RS256"),
            ("SIMPLE_JWT__VERIFYING_KEY", "-----BEGIN PUBLIC KEY-----"),
        ]),
    )
    .unwrap()
    .jwt;
    assert!(verify_only.require_verifying_key().is_ok());
    let message = verify_only.require_signing_key().unwrap_err().to_string();
    assert!(
        message.starts_with("SIMPLE_JWT.SIGNING_KEY: no signing key: RS256"),
        "{message}"
    );
    let sign_only = Settings::from_sources(
        None,
        pairs(&[
            ("SIMPLE_JWT__ALGORITHM", "EdDSA"),
            ("SIMPLE_JWT__SIGNING_KEY", "-----BEGIN PRIVATE KEY-----"),
        ]),
    )
    .unwrap()
    .jwt;
    assert!(sign_only.require_signing_key().is_ok());
    let message = sign_only.require_verifying_key().unwrap_err().to_string();
    assert!(
        message.starts_with("SIMPLE_JWT.VERIFYING_KEY: no verifying key: EdDSA"),
        "{message}"
    );
    assert!(!message.contains('\n'));

    let hmac = JwtSettings::with_signing_key("");
    assert!(hmac.require_signing_key().is_err());
    assert!(hmac.require_verifying_key().is_err());
    assert!(
        JwtSettings::with_signing_key("x")
            .require_verifying_key()
            .is_ok()
    );

    let settings = env(&[("SIMPLE_JWT__VERIFYING_KEY", "pem")]).unwrap();
    assert_eq!(
        settings.warnings,
        [
            "SIMPLE_JWT.VERIFYING_KEY: ignored with HS256: HMAC tokens are verified with the \
          signing key"
        ]
    );
}

#[test]
fn file_problems() {
    let message = error(file("[SIMPLE_JWT]\nSIGNING_KEY = \"hunter2\nLEEWAY = 1"));
    assert!(
        message.starts_with("tokenpair.toml: TOML parse error at line 2"),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");
    assert_eq!(
        error(file_env(
            "SIMPLE_JWT = \"x\"",
            &[("SIMPLE_JWT__LEEWAY", "1")]
        )),
        "SIMPLE_JWT (in tokenpair.toml): expected a [SIMPLE_JWT] table"
    );
    assert!(file("").is_ok());
}

#[test]
fn suggestions() {
    assert_eq!(catalogue::edit_distance("LEEWAY", "LEEWAY"), 0);
    assert_eq!(catalogue::edit_distance("LEWAY", "LEEWAY"), 1);
    assert_eq!(catalogue::edit_distance("", "ABC"), 3);
    assert_eq!(
        did_you_mean("leeway", &simplejwt::names()),
        " (did you mean LEEWAY?)"
    );
    assert_eq!(did_you_mean("SOMETHING", &simplejwt::names()), "");
}
#[test]
fn other_services_settings_are_ignored_unless_a_typo() {
    // What a config file or environment shared with auth-service brings.
    let settings = file_env(
        "DATABASE_URL = \"postgres://u:pw@db/app\"\n[TOKENPAIR]\nPBKDF2_ITERATIONS = 1000000\n",
        &[("TOKENPAIR__DB_POOL_SIZE", "4"), ("DATABASE_URL", "")],
    )
    .unwrap();
    assert!(settings.warnings.is_empty());
    assert!(!settings.is_explicit("TOKENPAIR.PBKDF2_ITERATIONS"));
    assert!(!settings.is_explicit("DATABASE_URL"));
    // Close to one of this service's names: most likely a typo of it.
    assert_eq!(
        error(file("[TOKENPAIR]\nLOG_LEVELS = \"debug\"")),
        "TOKENPAIR.LOG_LEVELS (in tokenpair.toml): unknown tokenpair setting (did you mean LOG_LEVEL?)"
    );
}

#[test]
fn admin_bind_is_an_ip_and_port_or_none() {
    assert_eq!(env(&[]).unwrap().server.admin_bind, None);
    for unset in ["none", ""] {
        let settings = env(&[("TOKENPAIR__ADMIN_BIND", unset)]).unwrap();
        assert_eq!(settings.server.admin_bind, None, "{unset:?}");
    }
    let settings = env(&[("TOKENPAIR__ADMIN_BIND", "0.0.0.0:9000")]).unwrap();
    assert_eq!(
        settings.server.admin_bind,
        Some("0.0.0.0:9000".parse().unwrap())
    );
    let settings = file("[TOKENPAIR]\nADMIN_BIND = \"[::1]:9001\"").unwrap();
    assert_eq!(
        settings.server.admin_bind,
        Some("[::1]:9001".parse().unwrap())
    );
    for bad in ["localhost:9000", "9000", "0.0.0.0", "0.0.0.0:70000"] {
        let message = error(env(&[("TOKENPAIR__ADMIN_BIND", bad)]));
        assert!(
            message.contains("TOKENPAIR__ADMIN_BIND") && message.contains("IP:PORT"),
            "{bad}: {message}"
        );
    }
}

#[test]
fn jwk_url_is_an_http_url_and_needs_no_key_with_an_asymmetric_algorithm() {
    let only_url = |url: &str| {
        Settings::from_sources(
            None,
            pairs(&[
                ("SECRET_KEY", ""),
                ("SIMPLE_JWT__ALGORITHM", "RS256"),
                ("SIMPLE_JWT__JWK_URL", url),
            ]),
        )
    };
    let settings = only_url("http://auth:8000/.well-known/jwks.json").unwrap();
    assert!(settings.warnings.is_empty(), "{:?}", settings.warnings);
    assert_eq!(
        settings.jwt.jwk_url_verifies(),
        Some("http://auth:8000/.well-known/jwks.json")
    );
    assert!(settings.jwt.signing_key.is_empty());
    let message = crate::tokens::TokenBackend::for_verifying(settings.jwt.clone())
        .unwrap_err()
        .0;
    assert!(
        message.contains("Authenticator::from_settings"),
        "{message}"
    );
    assert!(
        error(only_url("https://auth/.well-known/jwks.json"))
            .starts_with("SIMPLE_JWT__JWK_URL: https:// is not supported")
    );
    assert!(error(only_url("auth:8000/jwks")).starts_with("SIMPLE_JWT__JWK_URL: "));
    assert!(error(only_url("file:///etc/passwd")).contains("unsupported scheme \"file\""));

    // HMAC verifies with the shared secret: the URL is ignored, with a warning.
    let hmac = env(&[("SIMPLE_JWT__JWK_URL", "http://auth/jwks")]).unwrap();
    assert_eq!(hmac.jwt.jwk_url_verifies(), None);
    assert!(hmac.warnings[0].starts_with("SIMPLE_JWT.JWK_URL: ignored with HS256"));
}

#[test]
fn jwks_timings_are_positive_durations() {
    let settings = env(&[]).unwrap();
    assert_eq!(settings.jwks.cooldown, Duration::from_secs(30));
    assert_eq!(settings.jwks.refresh, Duration::from_secs(300));
    let set = env(&[
        ("TOKENPAIR__JWKS_COOLDOWN", "2s"),
        ("TOKENPAIR__JWKS_REFRESH", "1h"),
    ])
    .unwrap();
    assert_eq!(set.jwks.cooldown, Duration::from_secs(2));
    assert_eq!(set.jwks.refresh, Duration::from_secs(3600));
    assert!(error(env(&[("TOKENPAIR__JWKS_COOLDOWN", "0")])).contains("more than 0 seconds"));
}
