//! The typed settings of both services.
//!
//! Three layers, later ones winning: the defaults (simplejwt's, docs/simplejwt.md §3, and ours), an optional
//! TOML file, and the environment:
//!
//! ```toml
//! DATABASE_URL = "postgres://..."        # env: DATABASE_URL
//! SECRET_KEY = "..."                     # env: SECRET_KEY (simplejwt's default SIGNING_KEY)
//! [SIMPLE_JWT]                           # env: SIMPLE_JWT__<NAME>
//! ACCESS_TOKEN_LIFETIME = "5m"
//! [TOKENPAIR]                            # env: TOKENPAIR__<NAME>
//! PBKDF2_ITERATIONS = 1500000
//! ```
//!
//! Names are case-sensitive everywhere, as they are in Django. The value syntax is in
//! `values.rs`; unknown `SIMPLE_JWT` names only warn (simplejwt ignores them), unknown names
//! anywhere else are errors.

mod keys;
mod secret;
mod security;
mod simplejwt;
mod tokenpair;
mod values;

pub use ipnet::IpNet;
pub use keys::{KeyRules, MIN_RSA_BITS, ShortKey, min_hmac_key_bytes, require_rsa_bits};
pub use secret::Secret;
pub use security::Rate;

use config::{Config, ConfigError, File, FileFormat, Map, Source, Value, ValueKind};
use simplejwt::Outcome;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where `load` looks for the file when the caller names none.
const CONFIG_PATH_VAR: &str = "TOKENPAIR_CONFIG";
const JWT_TABLE: &str = "SIMPLE_JWT";
const OUR_TABLE: &str = "TOKENPAIR";
const TOP_LEVEL: &[&str] = &["DATABASE_URL", "SECRET_KEY", JWT_TABLE, OUR_TABLE];

/// A settings problem, as one line naming the setting the way the user wrote it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SettingsError(pub String);

#[derive(Debug, Clone)]
pub struct Settings {
    /// May contain a password; log [`Settings::database_url_redacted`] instead.
    pub database_url: Option<Secret>,
    pub secret_key: Option<Secret>,
    pub jwt: JwtSettings,
    pub tokenpair: TokenpairSettings,
    /// To be logged at start-up.
    pub warnings: Vec<String>,
    /// Keys set by the file or the environment, e.g. `SIMPLE_JWT.CHECK_USER_IS_ACTIVE`.
    explicit: BTreeSet<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenClass {
    Access,
    Refresh,
    Sliding,
    Untyped,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

/// simplejwt's settings under their own names; defaults as in simplejwt 5.5.1 (docs/simplejwt.md §3).
#[derive(Debug, Clone)]
pub struct JwtSettings {
    pub access_token_lifetime: Duration,
    pub refresh_token_lifetime: Duration,
    pub rotate_refresh_tokens: bool,
    pub blacklist_after_rotation: bool,
    pub update_last_login: bool,
    pub algorithm: jsonwebtoken::Algorithm,
    /// SIGNING_KEY, else SECRET_KEY. Never empty for HS*; for asymmetric algorithms it may be
    /// empty in a service that only verifies (see [`JwtSettings::require_signing_key`]).
    pub signing_key: Secret,
    /// PEM public key; `None` is simplejwt's `""`.
    pub verifying_key: Option<String>,
    pub audience: Option<Audience>,
    pub issuer: Option<String>,
    pub jwk_url: Option<String>,
    /// Seconds.
    pub leeway: f64,
    /// Never empty.
    pub auth_header_types: Vec<String>,
    /// A lowercase header name, already converted from Django's `HTTP_X_...` form.
    pub auth_header_name: String,
    pub user_id_field: String,
    pub user_id_claim: String,
    /// Never empty.
    pub auth_token_classes: Vec<TokenClass>,
    /// `None`: token types are not checked.
    pub token_type_claim: Option<String>,
    /// `None`: tokens need no id.
    pub jti_claim: Option<String>,
    pub sliding_token_refresh_exp_claim: String,
    pub sliding_token_lifetime: Duration,
    pub sliding_token_refresh_lifetime: Duration,
    pub check_revoke_token: bool,
    pub revoke_token_claim: String,
    pub check_user_is_active: bool,
    /// Not simplejwt's: where the HMAC key came from and whether a short one is allowed.
    pub key_rules: KeyRules,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordHasherKind {
    Pbkdf2Sha256,
    Argon2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Our own settings (`TOKENPAIR__<NAME>`), with the defaults of `TokenpairSettings::default`.
#[derive(Debug, Clone)]
pub struct TokenpairSettings {
    /// For new hashes; 1_500_000 as Django 6.1 (Django 5.2: 1_000_000).
    pub pbkdf2_iterations: u32,
    pub password_hasher: PasswordHasherKind,
    /// Re-hash on login when the stored hash is outdated, as Django does.
    pub hash_upgrade: bool,
    pub hash_threads: usize,
    /// Hash jobs allowed to wait beyond the running ones.
    pub hash_queue: usize,
    pub db_pool_size: u32,
    pub db_pool_timeout: Duration,
    pub max_body_bytes: usize,
    pub workers: usize,
    pub log_format: LogFormat,
    /// A tracing `EnvFilter` directive.
    pub log_level: String,
    pub reuse_detection: bool,
    pub reuse_grace: Duration,
    /// Whether simplejwt's `token_blacklist` app is "installed": outstanding rows
    /// are written and the blacklist is consulted (docs/simplejwt.md §4.5).
    pub token_blacklist: bool,
    /// Largest request header field (name, `: ` and value), as gunicorn's
    /// `limit_request_field_size`: larger ones get 431 before anything parses them.
    pub max_header_bytes: usize,
    /// Time a client has to send the request head (actix's `client_request_timeout`).
    pub client_head_timeout: Duration,
    /// Time a client has to send the whole body once the head is in.
    pub client_body_timeout: Duration,
    /// Failed logins per (username, client IP); `None` is off.
    pub login_throttle_user: Option<Rate>,
    /// Login attempts per client IP; `None` is off.
    pub login_throttle_ip: Option<Rate>,
    /// Proxies whose `X-Forwarded-For` is believed; empty: the socket peer is the client.
    pub trusted_proxies: Vec<IpNet>,
    /// Accept an HMAC key shorter than the hash output (a Django site's short `SECRET_KEY`).
    pub allow_weak_key: bool,
    /// Longest a database statement may run (or wait for a lock) before the request gets 503.
    pub db_statement_timeout: Duration,
    /// On SIGTERM, time in-flight requests get to finish before the process exits.
    pub shutdown_grace: Duration,
}

impl Settings {
    /// Read the optional file (`config_path`, else `$TOKENPAIR_CONFIG`) and the process
    /// environment.
    pub fn load(config_path: Option<&Path>) -> Result<Settings, SettingsError> {
        let path = config_path.map(Path::to_path_buf).or_else(|| {
            std::env::var_os(CONFIG_PATH_VAR)
                .filter(|path| !path.is_empty())
                .map(PathBuf::from)
        });
        let file = match &path {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| SettingsError(format!("config file {}: {e}", path.display())))?;
                Some((path.display().to_string(), text))
            }
            None => None,
        };
        let file = file
            .as_ref()
            .map(|(name, text)| (name.as_str(), text.as_str()));
        Self::from_sources(file, process_env()?)
    }

    /// The same from given parts (tests): TOML text and env pairs.
    pub fn from_sources(
        file: Option<(&str, &str)>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, SettingsError> {
        let mut layers = Config::builder();
        if let Some((name, text)) = file {
            let table = File::from_str(text, FileFormat::Toml)
                .collect()
                .map_err(|e| SettingsError(format!("{name}: {}", one_line(&e.to_string()))))?;
            check_file_layout(&table, name)?;
            layers = layers.add_source(Layer(table));
        }
        let merged = layers
            .add_source(Layer(env_layer(env)))
            .build()
            .and_then(|merged| merged.collect())
            .map_err(|e| SettingsError(one_line(&e.to_string())))?;
        Self::from_merged(merged, file.map(|(name, _)| name))
    }

    fn from_merged(
        merged: Map<String, Value>,
        file_name: Option<&str>,
    ) -> Result<Settings, SettingsError> {
        let mut explicit = BTreeSet::new();
        let mut warnings = Vec::new();
        let mut database_url = None;
        let mut secret_key = None;
        let mut jwt_entries = BTreeMap::new();
        let mut our_entries = BTreeMap::new();

        // Sorted, so that with several mistakes the same one is reported every time.
        let merged: BTreeMap<String, Value> = merged.into_iter().collect();
        for (key, value) in merged {
            let at = place(None, &key, &value, file_name);
            let fail = |msg: String| SettingsError(format!("{at}: {msg}"));
            match key.as_str() {
                "DATABASE_URL" => {
                    database_url = top_level_secret(&value.kind).map_err(fail)?;
                    explicit.insert(key);
                }
                "SECRET_KEY" => {
                    secret_key = top_level_secret(&value.kind).map_err(fail)?;
                    explicit.insert(key);
                }
                JWT_TABLE => jwt_entries = table_entries(value),
                OUR_TABLE => our_entries = table_entries(value),
                // The file's keys were checked before the merge; the environment only brings
                // the keys above.
                _ => {}
            }
        }

        let mut jwt = JwtSettings::with_signing_key("");
        for (name, value) in &jwt_entries {
            let at = place(Some(JWT_TABLE), name, value, file_name);
            if values::is_empty(&value.kind) && jwt.clone().apply(name, &value.kind).is_err() {
                // `SIMPLE_JWT__X=` (e.g. compose's `${X:-}`) for a setting that cannot
                // be unset: the default stands.
                continue;
            }
            match jwt.apply(name, &value.kind) {
                Ok(Outcome::Known) => {
                    explicit.insert(format!("{JWT_TABLE}.{name}"));
                }
                Ok(Outcome::Unknown) => warnings.push(format!(
                    "{at}: unknown simplejwt setting, ignored{}",
                    did_you_mean(name, simplejwt::NAMES)
                )),
                Err(msg) => return Err(SettingsError(format!("{at}: {msg}"))),
            }
        }
        jwt.finish(secret_key.as_ref(), &mut warnings)?;

        let mut tokenpair = TokenpairSettings::default();
        for (name, value) in &our_entries {
            let at = place(Some(OUR_TABLE), name, value, file_name);
            if values::is_empty(&value.kind) && tokenpair.clone().apply(name, &value.kind).is_err()
            {
                continue;
            }
            match tokenpair.apply(name, &value.kind) {
                Ok(true) => {
                    explicit.insert(format!("{OUR_TABLE}.{name}"));
                }
                Ok(false) => {
                    return Err(SettingsError(format!(
                        "{at}: unknown tokenpair setting{}",
                        did_you_mean(name, tokenpair::NAMES)
                    )));
                }
                Err(msg) => return Err(SettingsError(format!("{at}: {msg}"))),
            }
        }
        // Refused (unless allowed) where the keys are decoded, for `check` and `serve` alike.
        jwt.key_rules.allow_weak_key = tokenpair.allow_weak_key;
        warnings.extend(jwt.weak_key_warning());

        Ok(Settings {
            database_url,
            secret_key,
            jwt,
            tokenpair,
            warnings,
            explicit,
        })
    }

    /// Whether the file or the environment set `key` (e.g. `SIMPLE_JWT.CHECK_USER_IS_ACTIVE`,
    /// `TOKENPAIR.WORKERS`, `SECRET_KEY`), even if to its default value.
    pub fn is_explicit(&self, key: &str) -> bool {
        self.explicit.contains(key)
    }

    /// The database URL with any password replaced by "***" (for logs).
    pub fn database_url_redacted(&self) -> Option<String> {
        self.database_url
            .as_ref()
            .map(|url| redact_password(url.expose()))
    }
}

/// An already collected layer for the `config` builder, which then does the deep merge (a file
/// table and `SIMPLE_JWT__*` variables combine key by key).
#[derive(Debug, Clone)]
struct Layer(Map<String, Value>);

impl Source for Layer {
    fn clone_into_box(&self) -> Box<dyn Source + Send + Sync> {
        Box::new(self.clone())
    }

    fn collect(&self) -> Result<Map<String, Value>, ConfigError> {
        Ok(self.0.clone())
    }
}

/// The environment as a layer. config's own `Environment` source lowercases every variable
/// name while TOML keys keep their case, so `SIMPLE_JWT__LEEWAY` would never meet
/// `[SIMPLE_JWT] LEEWAY` in the merge. This keeps names exactly as written (as Django does) and
/// makes each value's origin its variable, which is how errors name env settings; file values
/// have no origin (`File::from_str`).
fn env_layer(env: impl IntoIterator<Item = (String, String)>) -> Map<String, Value> {
    let mut root = Map::new();
    let mut tables: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    for (var, raw) in env {
        let value = Value::new(Some(&var), ValueKind::String(raw));
        match env_key(&var) {
            Some((None, _)) => {
                root.insert(var, value);
            }
            Some((Some(table), name)) => {
                tables
                    .entry(table)
                    .or_default()
                    .insert(name.to_owned(), value);
            }
            None => {}
        }
    }
    for (table, entries) in tables {
        root.insert(table.to_owned(), Value::new(None, entries));
    }
    root
}

/// `(table, name)` for the variables we read; every other variable is ignored.
fn env_key(var: &str) -> Option<(Option<&'static str>, &str)> {
    if var == "DATABASE_URL" || var == "SECRET_KEY" {
        return Some((None, var));
    }
    [JWT_TABLE, OUR_TABLE].into_iter().find_map(|table| {
        let name = var.strip_prefix(table)?.strip_prefix("__")?;
        Some((Some(table), name))
    })
}

fn process_env() -> Result<Vec<(String, String)>, SettingsError> {
    let mut env = Vec::new();
    for (var, value) in std::env::vars_os() {
        let Some(var) = var.to_str().filter(|var| env_key(var).is_some()) else {
            continue;
        };
        let value = value
            .into_string()
            .map_err(|_| SettingsError(format!("{var}: value is not valid UTF-8")))?;
        env.push((var.to_owned(), value));
    }
    Ok(env)
}

/// Checked before the merge, which would hide problems: the environment's `SIMPLE_JWT__*` table
/// silently replaces a misplaced `SIMPLE_JWT = "..."`, and config reads a quoted top-level key
/// such as `"SIMPLE_JWT[0]"` as a path into another setting.
fn check_file_layout(table: &Map<String, Value>, file_name: &str) -> Result<(), SettingsError> {
    let mut keys: Vec<&String> = table.keys().collect();
    keys.sort();
    for key in keys {
        if !TOP_LEVEL.contains(&key.as_str()) {
            return Err(SettingsError(format!(
                "{key:?} (in {file_name}): unknown setting{}",
                did_you_mean(key, TOP_LEVEL)
            )));
        }
    }
    for name in [JWT_TABLE, OUR_TABLE] {
        if let Some(value) = table.get(name)
            && !matches!(value.kind, ValueKind::Table(_))
        {
            return Err(SettingsError(format!(
                "{name} (in {file_name}): expected a [{name}] table"
            )));
        }
    }
    Ok(())
}

fn table_entries(value: Value) -> BTreeMap<String, Value> {
    match value.kind {
        ValueKind::Table(entries) => entries.into_iter().collect(),
        _ => BTreeMap::new(),
    }
}

/// Empty means unset, as in the reference app, which ignores an empty `SECRET_KEY`.
fn top_level_secret(raw: &ValueKind) -> Result<Option<Secret>, String> {
    match raw {
        ValueKind::String(s) if s.is_empty() => Ok(None),
        ValueKind::String(s) => Ok(Some(Secret::from(s.as_str()))),
        // The value itself is not shown: it is a secret.
        _ => Err("expected a string".to_owned()),
    }
}

/// A setting as the user wrote it: the variable for env values, the dotted key and the file
/// for file values.
fn place(table: Option<&str>, name: &str, value: &Value, file_name: Option<&str>) -> String {
    if let Some(var) = value.origin() {
        return var.to_owned();
    }
    let file_name = file_name.unwrap_or("the config file");
    match table {
        Some(table) => format!("{table}.{name} (in {file_name})"),
        None => format!("{name} (in {file_name})"),
    }
}

/// toml's parse errors span several lines, with an excerpt of the file that may show a secret;
/// keep the position line and the message.
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|line| {
            let after_line_number = line.trim_start_matches(|c: char| c.is_ascii_digit());
            !line.is_empty() && !after_line_number.trim_start().starts_with('|')
        })
        .collect::<Vec<_>>()
        .join(": ")
}

fn did_you_mean(name: &str, known: &[&str]) -> String {
    let upper = name.to_ascii_uppercase();
    known
        .iter()
        .map(|candidate| (edit_distance(&upper, candidate), *candidate))
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| format!(" (did you mean {candidate}?)"))
        .unwrap_or_default()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// `scheme://user:password@host/...?password=...` with both passwords replaced. A password may
/// itself hold `@`, `/` or `?`, so the credentials are taken to end at the last `@`: an odd URL
/// loses more than its password, never less.
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        // Not a URL (e.g. a libpq "key=value" string): no telling where a password is.
        return "***".to_owned();
    };
    let (credentials, location) = match rest.rfind('@') {
        Some(at) => {
            let user = match rest[..at].split_once(':') {
                Some((user, _)) => format!("{user}:***"),
                None => rest[..at].to_owned(),
            };
            (format!("{user}@"), &rest[at + 1..])
        }
        None => (String::new(), rest),
    };
    let location = match location.split_once('?') {
        Some((path, query)) => {
            let params: Vec<String> = query
                .split('&')
                .map(|param| match param.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => {
                        format!("{key}=***")
                    }
                    _ => param.to_owned(),
                })
                .collect();
            format!("{path}?{}", params.join("&"))
        }
        None => location.to_owned(),
    };
    format!("{scheme}://{credentials}{location}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::Algorithm;

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
        assert_eq!(settings.secret_key.as_ref().map(Secret::expose), Some("k"));
        assert!(settings.database_url.is_none());
        assert!(settings.warnings.is_empty());

        let with_key = JwtSettings::with_signing_key("abc");
        assert_simplejwt_defaults(&with_key);
        assert_eq!(with_key.signing_key.expose(), "abc");

        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        for ours in [settings.tokenpair, TokenpairSettings::default()] {
            assert_eq!(ours.pbkdf2_iterations, 1_500_000);
            assert_eq!(ours.password_hasher, PasswordHasherKind::Pbkdf2Sha256);
            assert!(!ours.hash_upgrade);
            assert_eq!(ours.hash_threads, cores.saturating_sub(1).max(1));
            assert_eq!(ours.hash_queue, 64);
            assert_eq!(ours.db_pool_size, 10);
            assert_eq!(ours.db_pool_timeout, Duration::from_secs(5));
            assert_eq!(ours.max_body_bytes, 65_536);
            assert_eq!(ours.workers, cores);
            assert_eq!(ours.log_format, LogFormat::Text);
            assert_eq!(ours.log_level, "info");
            assert!(!ours.reuse_detection);
            assert_eq!(ours.reuse_grace, Duration::from_secs(5));
        }
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
        let ours = env(&[
            ("TOKENPAIR__DB_POOL_TIMEOUT", "500ms"),
            ("TOKENPAIR__REUSE_GRACE", "90s"),
        ])
        .unwrap()
        .tokenpair;
        assert_eq!(ours.db_pool_timeout, Duration::from_millis(500));
        assert_eq!(ours.reuse_grace, Duration::from_secs(90));
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
            error(file("[TOKENPAIR]\nHASH_UPGRADE = \"sometimes\"")),
            r#"TOKENPAIR.HASH_UPGRADE (in tokenpair.toml): invalid boolean "sometimes" (use true or false)"#
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
        let tp = env(&[("TOKENPAIR__LOG_LEVEL", " ")]).unwrap().tokenpair;
        assert_eq!(tp.log_level, "info");
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
            error(env(&[("TOKENPAIR__PBKDF2_ITERATION", "1")])),
            "TOKENPAIR__PBKDF2_ITERATION: unknown tokenpair setting (did you mean PBKDF2_ITERATIONS?)"
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
        assert!(only_signing.secret_key.is_none());
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
    fn environment_overrides_file() {
        let toml = r#"
            DATABASE_URL = "postgres://file@db/file"
            SECRET_KEY = "from-file"
            [SIMPLE_JWT]
            ACCESS_TOKEN_LIFETIME = "10m"
            REFRESH_TOKEN_LIFETIME = 7200
            AUTH_HEADER_TYPES = ["Bearer", "JWT"]
            [TOKENPAIR]
            PBKDF2_ITERATIONS = 1000000
            WORKERS = 3
        "#;
        let settings = Settings::from_sources(
            Some((FILE, toml)),
            pairs(&[
                ("SECRET_KEY", "from-env"),
                ("SIMPLE_JWT__ACCESS_TOKEN_LIFETIME", "60"),
                ("SIMPLE_JWT__AUTH_HEADER_TYPES", "Token"),
                ("TOKENPAIR__WORKERS", "5"),
                ("TOKENPAIR__LOG_FORMAT", "JSON"),
            ]),
        )
        .unwrap();
        assert_eq!(
            settings.secret_key.as_ref().map(Secret::expose),
            Some("from-env")
        );
        assert_eq!(settings.jwt.signing_key.expose(), "from-env");
        assert_eq!(
            settings.database_url.as_ref().map(Secret::expose),
            Some("postgres://file@db/file")
        );
        assert_eq!(settings.jwt.access_token_lifetime, Duration::from_secs(60));
        assert_eq!(
            settings.jwt.refresh_token_lifetime,
            Duration::from_secs(7200)
        );
        assert_eq!(settings.jwt.auth_header_types, ["Token"]);
        assert_eq!(settings.tokenpair.pbkdf2_iterations, 1_000_000);
        assert_eq!(settings.tokenpair.workers, 5);
        assert_eq!(settings.tokenpair.log_format, LogFormat::Json);

        for key in [
            "DATABASE_URL",
            "SECRET_KEY",
            "SIMPLE_JWT.ACCESS_TOKEN_LIFETIME",
            "SIMPLE_JWT.REFRESH_TOKEN_LIFETIME",
            "SIMPLE_JWT.AUTH_HEADER_TYPES",
            "TOKENPAIR.PBKDF2_ITERATIONS",
            "TOKENPAIR.WORKERS",
            "TOKENPAIR.LOG_FORMAT",
        ] {
            assert!(settings.is_explicit(key), "{key}");
        }
        for key in [
            "SIMPLE_JWT.CHECK_USER_IS_ACTIVE",
            "SIMPLE_JWT.SIGNING_KEY",
            "TOKENPAIR.HASH_THREADS",
            "SIMPLE_JWT__ACCESS_TOKEN_LIFETIME",
        ] {
            assert!(!settings.is_explicit(key), "{key}");
        }
        let settings = env(&[("SIMPLE_JWT__CHECK_USER_IS_ACTIVE", "true")]).unwrap();
        assert!(settings.is_explicit("SIMPLE_JWT.CHECK_USER_IS_ACTIVE"));
    }

    #[test]
    fn tokenpair_settings() {
        let ours = env(&[
            ("TOKENPAIR__PASSWORD_HASHER", "argon2"),
            ("TOKENPAIR__HASH_UPGRADE", "on"),
            ("TOKENPAIR__HASH_THREADS", "2"),
            ("TOKENPAIR__HASH_QUEUE", "0"),
            ("TOKENPAIR__DB_POOL_SIZE", "20"),
            ("TOKENPAIR__MAX_BODY_BYTES", "1024"),
            ("TOKENPAIR__LOG_LEVEL", "debug,actix_web=info"),
            ("TOKENPAIR__REUSE_DETECTION", "true"),
        ])
        .unwrap()
        .tokenpair;
        assert_eq!(ours.password_hasher, PasswordHasherKind::Argon2);
        assert!(ours.hash_upgrade);
        assert_eq!(ours.hash_threads, 2);
        assert_eq!(ours.hash_queue, 0);
        assert_eq!(ours.db_pool_size, 20);
        assert_eq!(ours.max_body_bytes, 1024);
        assert_eq!(ours.log_level, "debug,actix_web=info");
        assert!(ours.reuse_detection);

        for (var, value, want) in [
            (
                "TOKENPAIR__PBKDF2_ITERATIONS",
                "0",
                "must be at least 1, got 0",
            ),
            (
                "TOKENPAIR__MAX_BODY_BYTES",
                "1000",
                "must be at least 1024, got 1000",
            ),
            ("TOKENPAIR__DB_POOL_SIZE", "0", "must be at least 1, got 0"),
            ("TOKENPAIR__WORKERS", "0", "must be at least 1, got 0"),
            (
                "TOKENPAIR__DB_POOL_TIMEOUT",
                "0",
                "must be more than 0 seconds",
            ),
            (
                "TOKENPAIR__PASSWORD_HASHER",
                "md5",
                "invalid value \"md5\" (expected one of: pbkdf2_sha256, argon2)",
            ),
            (
                "TOKENPAIR__PBKDF2_ITERATIONS",
                "5000000000",
                "5000000000 is too large",
            ),
        ] {
            assert_eq!(error(env(&[(var, value)])), format!("{var}: {want}"));
        }
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
    fn debug_shows_no_secret() {
        let settings = file_env(
            "[SIMPLE_JWT]\nSIGNING_KEY = \"signing-s3cret\"",
            &[
                ("SECRET_KEY", "django-s3cret"),
                (
                    "DATABASE_URL",
                    "postgres://kyoko:db-s3cret@localhost:5432/app",
                ),
            ],
        )
        .unwrap();
        let debug = format!("{settings:?} {settings:#?}");
        for secret in ["signing-s3cret", "django-s3cret", "db-s3cret"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
        assert_eq!(settings.jwt.signing_key.expose(), "signing-s3cret");
        assert_eq!(
            settings.database_url_redacted().as_deref(),
            Some("postgres://kyoko:***@localhost:5432/app")
        );
    }

    #[test]
    fn database_url_redaction() {
        for (url, want) in [
            ("postgres://u:pw@h:5432/db", "postgres://u:***@h:5432/db"),
            ("postgres://u@h/db", "postgres://u@h/db"),
            ("postgres://h/db", "postgres://h/db"),
            ("postgres://u:p@ss/w?rd@h/db", "postgres://u:***@h/db"),
            (
                "postgresql://h/db?user=u&password=pw&sslmode=require",
                "postgresql://h/db?user=u&password=***&sslmode=require",
            ),
            ("host=h password=pw", "***"),
        ] {
            assert_eq!(redact_password(url), want, "{url}");
        }
        assert_eq!(env(&[]).unwrap().database_url_redacted(), None);
    }

    #[test]
    fn load_reads_the_named_file() {
        let missing = Path::new("/nonexistent/tokenpair.toml");
        let message = Settings::load(Some(missing)).unwrap_err().to_string();
        assert!(
            message.starts_with("config file /nonexistent/tokenpair.toml: "),
            "{message}"
        );

        let path =
            std::env::temp_dir().join(format!("tokenpair-settings-{}.toml", std::process::id()));
        std::fs::write(&path, "SECRET_KEY = \"k\"\n[TOKENPAIR]\nHASH_QUEUE = 7\n").unwrap();
        let loaded = Settings::load(Some(&path));
        std::fs::remove_file(&path).unwrap();
        let loaded = loaded.unwrap();
        assert!(loaded.is_explicit("TOKENPAIR.HASH_QUEUE"));
    }

    #[test]
    fn suggestions() {
        assert_eq!(edit_distance("LEEWAY", "LEEWAY"), 0);
        assert_eq!(edit_distance("LEWAY", "LEEWAY"), 1);
        assert_eq!(edit_distance("", "ABC"), 3);
        assert_eq!(
            did_you_mean("leeway", simplejwt::NAMES),
            " (did you mean LEEWAY?)"
        );
        assert_eq!(did_you_mean("SOMETHING", simplejwt::NAMES), "");
    }
}
