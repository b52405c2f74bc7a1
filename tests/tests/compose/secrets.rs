//! docker-compose.secrets.yml, the file-based secrets override: `docker-compose config` of
//! the pair is valid with the placeholders its header documents, every service gets its
//! secrets as mounted files and `*_FILE` paths (the direct values emptied), and the tokenpair
//! services' environment loads with the real settings loader, the mounts standing in as
//! files made as the header says.

use serde_norway::Value;
use std::collections::BTreeMap;
use std::path::Path;

use auth_service::AuthSettings;

use crate::services::{Service, scalar, services};
use crate::{DUMMY_SECRET, compose_config_of, compose_or_skip, deploy_vars, read, repo};

const OVERRIDE: &str = "docker-compose.secrets.yml";
/// The value the header tells the user to give SECRET_KEY and POSTGRES_PASSWORD.
const PLACEHOLDER: &str = "unused-with-secrets-file";
const MOUNTS: &str = "/run/secrets/";

/// `docker-compose config` of the base file and the override.
fn config_pair(vars: &BTreeMap<String, String>) -> Result<Value, String> {
    compose_config_of(&["docker-compose.yml", OVERRIDE], vars)
}

/// .env.example's values with the two required secrets set to the header's placeholder.
fn placeholder_vars() -> BTreeMap<String, String> {
    let mut vars = deploy_vars(false);
    for name in ["SECRET_KEY", "POSTGRES_PASSWORD"] {
        vars.insert(name.to_owned(), PLACEHOLDER.to_owned());
    }
    vars
}

/// The secrets a service mounts (`secrets:` sources).
fn mounted(doc: &Value, service: &str) -> Vec<String> {
    let list = doc
        .get("services")
        .and_then(|s| s.get(service))
        .and_then(|s| s.get("secrets"))
        .and_then(Value::as_sequence)
        .cloned()
        .unwrap_or_default();
    list.iter()
        .filter_map(|item| scalar(item).or_else(|| item.get("source").and_then(scalar)))
        .collect()
}

/// `VAR_FILE=/run/secrets/NAME` and an empty `VAR` in the service, NAME mounted.
fn check_file_variable(doc: &Value, service: &Service, var: &str, secret: &str) {
    let name = &service.name;
    let file_var = format!("{var}_FILE");
    assert_eq!(
        service.env.get(&file_var).map(String::as_str),
        Some(format!("{MOUNTS}{secret}").as_str()),
        "{name}: {file_var}"
    );
    assert_eq!(
        service.env.get(var).map(String::as_str),
        Some(""),
        "{name}: {var} must be emptied (the base file's value would conflict)"
    );
    assert!(
        mounted(doc, name).iter().any(|m| m == secret),
        "{name}: does not mount the secret {secret}"
    );
}

#[test]
fn header_documents_the_use_and_the_placeholder() {
    let text = read(OVERRIDE);
    for needed in [
        "docker-compose -f docker-compose.yml -f docker-compose.secrets.yml up",
        &format!("SECRET_KEY={PLACEHOLDER}"),
        &format!("POSTGRES_PASSWORD={PLACEHOLDER}"),
        "LIMITATION",
    ] {
        assert!(text.contains(needed), "{OVERRIDE}: no {needed:?}");
    }
    for ignore in [".gitignore", ".dockerignore"] {
        assert!(
            read(ignore)
                .lines()
                .any(|l| l.trim_matches('/') == "secrets"),
            "{ignore}: secrets/ is not ignored"
        );
    }
}

#[test]
fn secrets_override_gives_every_service_file_paths() {
    if !compose_or_skip("secrets_override_gives_every_service_file_paths") {
        return;
    }
    let doc = config_pair(&placeholder_vars())
        .unwrap_or_else(|e| panic!("docker-compose config of the pair: {e}"));
    let services = services(&doc).unwrap();
    let service = |name: &str| {
        services
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no {name} service"))
    };

    // Each top-level secret is a file under ./secrets/ named like the secret.
    let declared = doc
        .get("secrets")
        .and_then(Value::as_mapping)
        .expect("top-level secrets");
    assert_eq!(declared.len(), 3, "{declared:?}");
    for (name, def) in declared {
        let name = scalar(name).unwrap();
        let file = def.get("file").and_then(scalar).unwrap_or_default();
        assert_eq!(
            Path::new(&file),
            repo().canonicalize().unwrap().join("secrets").join(&name),
            "secret {name}"
        );
    }

    let postgres = service("postgres");
    check_file_variable(&doc, postgres, "POSTGRES_PASSWORD", "postgres_password");
    for name in ["migrate", "auth-service"] {
        check_file_variable(&doc, service(name), "SECRET_KEY", "secret_key");
        check_file_variable(&doc, service(name), "DATABASE_URL", "database_url");
    }
    let protected = service("protected-service");
    check_file_variable(&doc, protected, "SECRET_KEY", "secret_key");
    assert!(!protected.env.contains_key("DATABASE_URL_FILE"));

    // The placeholder reaches no container.
    for service in &services {
        for (var, value) in &service.env {
            assert!(!value.contains(PLACEHOLDER), "{}: {var}", service.name);
        }
    }

    // The tokenpair services load with the files the header makes, mounted where compose
    // mounts them (here: a temp dir standing in for /run/secrets).
    let dir = std::env::temp_dir().join(format!("tp-run-secrets-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let database_url = format!("postgres://tokenpair:{DUMMY_SECRET}@postgres:5432/tokenpair");
    for (name, content) in [
        ("secret_key", DUMMY_SECRET),
        ("postgres_password", DUMMY_SECRET),
        ("database_url", database_url.as_str()),
    ] {
        std::fs::write(dir.join(name), format!("{content}\n")).unwrap();
    }
    let local = |service: &Service| -> Vec<(String, String)> {
        service
            .env
            .iter()
            .map(|(var, value)| {
                let value = match value.strip_prefix(MOUNTS) {
                    Some(name) => dir.join(name).display().to_string(),
                    None => value.clone(),
                };
                (var.clone(), value)
            })
            .collect()
    };
    let auth = AuthSettings::from_sources(None, local(service("auth-service")));
    let migrate = AuthSettings::from_sources(None, local(service("migrate")));
    let protected = shared::Settings::from_sources(None, local(protected));
    let _ = std::fs::remove_dir_all(&dir);
    for settings in [auth.unwrap(), migrate.unwrap()] {
        assert_eq!(
            settings.keys.secret_key.as_ref().unwrap().expose(),
            DUMMY_SECRET
        );
        assert_eq!(
            settings.database.url.as_ref().unwrap().expose(),
            database_url
        );
    }
    assert_eq!(
        protected.unwrap().jwt.signing_key.expose(),
        DUMMY_SECRET,
        "protected-service's key"
    );
}

#[test]
fn the_pair_still_refuses_without_the_base_files_values() {
    // The documented limitation: compose 1.29 interpolates docker-compose.yml before merging.
    if !compose_or_skip("the_pair_still_refuses_without_the_base_files_values") {
        return;
    }
    let mut vars = placeholder_vars();
    vars.remove("SECRET_KEY");
    let refused = config_pair(&vars).map(drop).unwrap_err();
    assert!(refused.contains("set SECRET_KEY in .env"), "{refused}");
}
