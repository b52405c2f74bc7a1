//! The database: `DATABASE_URL` and the pool's `TOKENPAIR` settings.

use shared::settings::catalogue::{OURS, Section, Setting, TOP, set};
use shared::settings::{Secret, values};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// May contain a password; log [`DatabaseSettings::url_redacted`] instead.
    pub url: Option<Secret>,
    pub pool_size: u32,
    /// Longest wait for a pooled connection.
    pub pool_timeout: Duration,
    /// Longest a database statement may run (or wait for a lock) before the request gets 503.
    pub statement_timeout: Duration,
    /// How long `migrate` and `serve` retry a database that refuses or does not
    /// answer connections yet (zero: fail at the first attempt).
    pub wait: Duration,
    /// What sits between us and PostgreSQL: the server itself or a session-pooling
    /// PgBouncer (`Session`), or a transaction-pooling PgBouncer (`Transaction`).
    pub pool_mode: PoolMode,
}

/// How PostgreSQL connections may be used (`DB_POOL_MODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PoolMode {
    /// Each connection is one server session: per-session settings and diesel's
    /// named prepared statements.
    #[default]
    Session,
    /// Behind a pooler that hands each transaction (or lone statement) to any server
    /// connection (PgBouncer `pool_mode = transaction`): no named prepared statements,
    /// no per-session limits (see `db::target`).
    Transaction,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: None,
            pool_size: 10,
            pool_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(5),
            wait: Duration::from_secs(30),
            pool_mode: PoolMode::Session,
        }
    }
}

impl DatabaseSettings {
    /// The database URL with any password replaced by "***" (for logs).
    pub fn url_redacted(&self) -> Option<String> {
        self.url.as_ref().map(|url| redact_password(url.expose()))
    }
}

impl Section for DatabaseSettings {
    const SETTINGS: &'static [Setting<Self>] = &[
        Setting::with_file(
            TOP,
            "DATABASE_URL",
            "`./db.sqlite3`",
            "`postgres://…`, `postgresql://…` or `sqlite://PATH` (auth-service only)",
            |s, raw| set(&mut s.url, values::secret(raw)),
        ),
        Setting::new(
            OURS,
            "DB_POOL_SIZE",
            "10",
            "database connections per auth-service",
            |s, raw| set(&mut s.pool_size, values::count(raw, 1)),
        ),
        Setting::new(
            OURS,
            "DB_POOL_TIMEOUT",
            "5s",
            "wait for a connection before answering 503",
            |s, raw| set(&mut s.pool_timeout, values::positive_duration(raw)),
        ),
        Setting::new(
            OURS,
            "DB_STATEMENT_TIMEOUT",
            "5s",
            "longest a query may run or wait for a lock; then the request gets 503",
            |s, raw| set(&mut s.statement_timeout, values::positive_duration(raw)),
        ),
        Setting::new(
            OURS,
            "DB_WAIT",
            "30s",
            "how long `migrate` and `serve` retry a database that cannot be reached yet (0: no wait)",
            |s, raw| set(&mut s.wait, values::duration(raw)),
        ),
        Setting::new(
            OURS,
            "DB_POOL_MODE",
            "`session`",
            "`transaction` behind PgBouncer's transaction pooling (see docs/deployment.md)",
            |s, raw| {
                let choices = [
                    ("session", PoolMode::Session),
                    ("transaction", PoolMode::Transaction),
                ];
                set(&mut s.pool_mode, values::keyword(raw, &choices))
            },
        ),
    ];
}

/// `scheme://user:password@host/...?password=...` with both passwords replaced. A password may
/// itself hold `@`, `/` or `?`, so the credentials are taken to end at the last `@`: an odd URL
/// loses more than its password, never less.
pub(crate) fn redact_password(url: &str) -> String {
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
    use super::PoolMode;
    use crate::AuthSettings;

    fn pool_mode(value: &str) -> Result<PoolMode, String> {
        let env = [("SECRET_KEY", "k"), ("TOKENPAIR__DB_POOL_MODE", value)]
            .map(|(k, v)| (k.to_owned(), v.to_owned()));
        AuthSettings::from_sources(None, env)
            .map(|s| s.database.pool_mode)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn pool_mode_is_session_unless_transaction() {
        let unset = AuthSettings::from_sources(None, [("SECRET_KEY".to_owned(), "k".to_owned())]);
        assert_eq!(
            unset.map(|s| s.database.pool_mode).ok(),
            Some(PoolMode::Session)
        );
        assert_eq!(pool_mode("transaction"), Ok(PoolMode::Transaction));
        assert_eq!(pool_mode("Session"), Ok(PoolMode::Session));
        let refused = pool_mode("statement").unwrap_err();
        assert!(
            refused.contains("DB_POOL_MODE") && refused.contains("session, transaction"),
            "{refused}"
        );
    }
}
