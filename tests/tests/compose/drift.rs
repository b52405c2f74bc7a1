//! The checks can fail: edits of `docker-compose config`'s output, each a drift they
//! must catch.

use clap::Parser;
use serde_norway::Value;

use crate::checks::problems;
use crate::{compose_config, compose_or_skip, deploy_vars};

/// What a drift edit does to `docker-compose config`'s output.
enum Edit {
    Command(&'static [&'static str]),
    /// Sets (`Some`) or removes (`None`) a variable of the service's environment.
    Env(&'static str, Option<&'static str>),
    Health(&'static [&'static str]),
    Ports(&'static [&'static str]),
    Restart(&'static str),
    /// The condition of its dependency on `migrate`.
    AfterMigrate(&'static str),
    RemoveService,
}

impl Edit {
    fn apply(&self, doc: &mut Value, service: &str) {
        fn list(words: &[&str]) -> Value {
            Value::Sequence(words.iter().map(|w| (*w).into()).collect())
        }
        let def = &mut doc["services"][service];
        match self {
            Self::Command(words) => def["command"] = list(words),
            Self::Env(var, value) => {
                let env = def["environment"]
                    .as_mapping_mut()
                    .expect("an environment mapping");
                match value {
                    Some(value) => env.insert((*var).into(), (*value).into()),
                    None => env.remove(*var),
                };
            }
            Self::Health(test) => def["healthcheck"]["test"] = list(test),
            Self::Ports(ports) => def["ports"] = list(ports),
            Self::Restart(policy) => def["restart"] = (*policy).into(),
            Self::AfterMigrate(condition) => {
                def["depends_on"]["migrate"]["condition"] = (*condition).into();
            }
            Self::RemoveService => {
                doc["services"].as_mapping_mut().unwrap().remove(service);
            }
        }
    }
}

/// The checks above can fail: each edit below is a drift they must catch.
#[test]
fn drift_is_caught() {
    assert!(
        auth_service::cli::Cli::try_parse_from(["auth-service", "serve", "--bnd", "0.0.0.0:8000"])
            .is_err()
    );
    if !compose_or_skip("drift_is_caught") {
        return;
    }
    use Edit::*;
    const AUTH: &str = "auth-service";
    const PROTECTED: &str = "protected-service";
    let cases: &[(&str, &str, Edit)] = &[
        (
            "does not parse",
            AUTH,
            Command(&[AUTH, "serve", "--bnd", "0.0.0.0:8000"]),
        ),
        (
            "does not parse",
            PROTECTED,
            Command(&[PROTECTED, "migrate"]),
        ),
        (
            "expected port 8000",
            AUTH,
            Command(&[AUTH, "serve", "--bind", "0.0.0.0:8080"]),
        ),
        ("bind 0.0.0.0", PROTECTED, Command(&[PROTECTED, "serve"])),
        (
            "healthcheck URL",
            AUTH,
            Health(&[
                "CMD",
                AUTH,
                "healthcheck",
                "--url",
                "http://127.0.0.1:8001/readyz",
            ]),
        ),
        (
            "healthcheck URL",
            PROTECTED,
            Health(&[
                "CMD",
                PROTECTED,
                "healthcheck",
                "--url",
                "http://127.0.0.1:8001/healthz",
            ]),
        ),
        (
            "expected [\"protected-service\", \"healthcheck\"]",
            PROTECTED,
            Health(&["CMD", "curl", "-fsS", "http://127.0.0.1:8001/readyz"]),
        ),
        (
            "does not parse",
            AUTH,
            Health(&[
                "CMD",
                AUTH,
                "healthcheck",
                "--uri",
                "http://127.0.0.1:8000/readyz",
            ]),
        ),
        ("ports", PROTECTED, Ports(&["127.0.0.1:8001:8000"])),
        (
            "not a tokenpair setting",
            AUTH,
            Env("TOKENPAIR_LOG_FORMAT", Some("json")),
        ),
        (
            "unknown tokenpair setting",
            PROTECTED,
            Env("TOKENPAIR__WORKRS", Some("2")),
        ),
        (
            "settings warning",
            AUTH,
            Env("SIMPLE_JWT__ACCESS_TOKEN_LIFETIM", Some("5m")),
        ),
        (
            "has no database",
            PROTECTED,
            Env("DATABASE_URL", Some("postgres://x@postgres/x")),
        ),
        ("no signing key", PROTECTED, Env("SECRET_KEY", None)),
        (
            "refused by protected-service",
            PROTECTED,
            Env(
                "SECRET_KEY",
                Some("another key, long enough for HS256 to be accepted"),
            ),
        ),
        (
            "LOG_FORMAT should be json",
            PROTECTED,
            Env("TOKENPAIR__LOG_FORMAT", Some("text")),
        ),
        (
            "does not match the postgres service",
            AUTH,
            Env(
                "DATABASE_URL",
                Some("postgres://tokenpair:x@db:5432/tokenpair"),
            ),
        ),
        (
            "expected admin port 9000",
            AUTH,
            Env("TOKENPAIR__ADMIN_BIND", Some("0.0.0.0:9001")),
        ),
        (
            "bind 0.0.0.0, or no other container reaches it",
            PROTECTED,
            Env("TOKENPAIR__ADMIN_BIND", Some("127.0.0.1:9001")),
        ),
        (
            "TOKENPAIR__ADMIN_BIND: expected 0.0.0.0:9001",
            PROTECTED,
            Env("TOKENPAIR__ADMIN_BIND", None),
        ),
        (
            "ports",
            AUTH,
            Ports(&["127.0.0.1:8000:8000", "0.0.0.0:9000:9000"]),
        ),
        ("restart", "migrate", Restart("unless-stopped")),
        (
            "service_completed_successfully",
            AUTH,
            AfterMigrate("service_started"),
        ),
        (
            "expected one service running `auth-service migrate`",
            "migrate",
            RemoveService,
        ),
    ];
    let original = compose_config(&deploy_vars(false)).expect("docker-compose config");
    for (expected, service, edit) in cases {
        let mut doc = original.clone();
        edit.apply(&mut doc, service);
        let found = problems(&doc);
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "expected a problem containing {expected:?}, got {found:#?}"
        );
    }
}
