//! docker-compose.yml (with the .env.example and Dockerfile beside it) against the real
//! command lines and settings loader: a flag, port, setting name or dependency that drifts
//! from the code fails here instead of at `docker compose up`.
//!
//! The compose file is read the way compose reads it: YAML merge keys (`<<: *anchor`)
//! applied, then `${VAR}` interpolated from the variables of .env.example (the required ones,
//! empty there, get dummy values). Each tokenpair service's argv (entrypoint + command) is
//! parsed with the services' own clap definitions, its environment is loaded with
//! `Settings::from_sources`, and the checks the services run at start-up are run on it.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::Path;

use auth_service::AuthSettings;
use auth_service::db::Engine;
use auth_service::state::AppState;
use clap::Parser;
use serde_norway::{Mapping, Value};
use shared::Settings;
use shared::settings::{LogFormat, TokenClass};

const AUTH_PORT: u16 = 8000;
const PROTECTED_PORT: u16 = 8001;
const POSTGRES_PORT: u16 = 5432;
const HEALTH_PATH: &str = "/healthz";
/// Stands in for every value .env.example leaves for the user to fill (hex: URL-safe).
const DUMMY_SECRET: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

// ---- the files -----------------------------------------------------------------------------

fn read(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The compose file with its merge keys applied, not yet interpolated.
fn compose() -> Value {
    parse_compose(&read("docker-compose.yml"))
}

fn parse_compose(text: &str) -> Value {
    let mut doc: Value = serde_norway::from_str(text).expect("docker-compose.yml is not YAML");
    apply_merge_keys(&mut doc);
    doc
}

/// `<<` merge keys, innermost first, so that an anchor which itself merges another one
/// (`x-auth-env` merging `x-common-env`) arrives complete. (serde_norway's `apply_merge`
/// leaves such nested merge keys unapplied.)
fn apply_merge_keys(value: &mut Value) {
    match value {
        Value::Mapping(map) => {
            for child in map.values_mut() {
                apply_merge_keys(child);
            }
            let sources = match map.remove("<<") {
                Some(Value::Mapping(one)) => vec![one],
                Some(Value::Sequence(many)) => many
                    .into_iter()
                    .map(|source| match source {
                        Value::Mapping(source) => source,
                        other => panic!("merge key with a non-mapping: {other:?}"),
                    })
                    .collect(),
                Some(other) => panic!("merge key with a non-mapping: {other:?}"),
                None => Vec::new(),
            };
            // Keys written in the mapping win over merged ones, earlier sources over later.
            for source in sources {
                for (key, val) in source {
                    map.entry(key).or_insert(val);
                }
            }
        }
        Value::Sequence(items) => items.iter_mut().for_each(apply_merge_keys),
        Value::Tagged(tagged) => apply_merge_keys(&mut tagged.value),
        _ => {}
    }
}

/// .env.example: the variables it sets (`NAME=value`) and the optional ones it documents,
/// commented out with their defaults (`# NAME=value`).
struct EnvExample {
    set: BTreeMap<String, String>,
    optional: BTreeMap<String, String>,
}

fn env_example() -> EnvExample {
    let mut set = BTreeMap::new();
    let mut optional = BTreeMap::new();
    for line in read(".env.example").lines() {
        let line = line.trim();
        if let Some(comment) = line.strip_prefix('#') {
            if let Some((name, value)) = env_assignment(comment.trim()) {
                optional.insert(name, value);
            }
        } else if !line.is_empty() {
            let (name, value) = env_assignment(line)
                .unwrap_or_else(|| panic!(".env.example: not a NAME=value line: {line:?}"));
            set.insert(name, value);
        }
    }
    EnvExample { set, optional }
}

fn env_assignment(line: &str) -> Option<(String, String)> {
    let (name, value) = line.split_once('=')?;
    let mut chars = name.chars();
    let starts_well = chars
        .next()
        .is_some_and(|c| c.is_ascii_uppercase() || c == '_');
    if !starts_well || !chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') {
        return None;
    }
    let value = value.trim();
    let unquoted = ['"', '\'']
        .iter()
        .find_map(|q| value.strip_prefix(*q)?.strip_suffix(*q))
        .unwrap_or(value);
    Some((name.to_owned(), unquoted.to_owned()))
}

/// What `cp .env.example .env` and filling in the required values gives; with `optional`,
/// the documented optional values uncommented too.
fn deploy_vars(optional: bool) -> BTreeMap<String, String> {
    let example = env_example();
    let mut vars = example.set;
    for value in vars.values_mut() {
        if value.is_empty() {
            *value = DUMMY_SECRET.to_owned();
        }
    }
    if optional {
        vars.extend(example.optional);
    }
    vars
}

// ---- interpolation, as compose does it -----------------------------------------------------

/// Compose's `$$`, `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME-default}`,
/// `${NAME:?message}` and `${NAME?message}`; `lookup(name, operator_and_argument)`.
fn interpolate_with(
    text: &str,
    lookup: &mut dyn FnMut(&str, &str) -> Result<String, String>,
) -> Result<String, String> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
        } else if let Some(braced) = rest.strip_prefix('{') {
            let end = braced
                .find('}')
                .ok_or_else(|| format!("unclosed ${{ in {text:?}"))?;
            let expr = &braced[..end];
            let name_len = expr.find(|c| !is_name(c)).unwrap_or(expr.len());
            let (name, op) = expr.split_at(name_len);
            if name.is_empty() || op.contains('$') {
                return Err(format!(
                    "${{{expr}}}: unsupported interpolation (nesting is not in compose v1)"
                ));
            }
            out.push_str(&lookup(name, op)?);
            rest = &braced[end + 1..];
        } else {
            let len = rest.find(|c| !is_name(c)).unwrap_or(rest.len());
            if len == 0 {
                return Err(format!("a lone $ in {text:?} (write $$)"));
            }
            out.push_str(&lookup(&rest[..len], "")?);
            rest = &rest[len..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn interpolate(text: &str, vars: &BTreeMap<String, String>) -> Result<String, String> {
    interpolate_with(text, &mut |name, op| {
        let value = vars.get(name).cloned();
        let non_empty = value.clone().filter(|v| !v.is_empty());
        let missing = |message: &str| format!("{name}: {message}");
        if let Some(default) = op.strip_prefix(":-") {
            Ok(non_empty.unwrap_or_else(|| default.to_owned()))
        } else if let Some(default) = op.strip_prefix('-') {
            Ok(value.unwrap_or_else(|| default.to_owned()))
        } else if let Some(message) = op.strip_prefix(":?") {
            non_empty.ok_or_else(|| missing(message))
        } else if let Some(message) = op.strip_prefix('?') {
            value.ok_or_else(|| missing(message))
        } else if op.is_empty() {
            Ok(value.unwrap_or_default())
        } else {
            Err(format!("${{{name}{op}}}: unsupported interpolation"))
        }
    })
}

/// Every variable the text refers to.
fn variables_in(text: &str, names: &mut BTreeSet<String>) {
    let _ = interpolate_with(text, &mut |name, _| {
        names.insert(name.to_owned());
        Ok(String::new())
    });
}

/// Calls `f` on every string of the tree (mapping values and sequence items, as compose
/// interpolates them; not keys).
fn each_string(
    value: &mut Value,
    f: &mut dyn FnMut(&mut String) -> Result<(), String>,
) -> Result<(), String> {
    match value {
        Value::String(s) => f(s),
        Value::Mapping(map) => map.values_mut().try_for_each(|v| each_string(v, f)),
        Value::Sequence(items) => items.iter_mut().try_for_each(|v| each_string(v, f)),
        Value::Tagged(tagged) => each_string(&mut tagged.value, f),
        _ => Ok(()),
    }
}

/// The services and volumes interpolated, as `docker-compose config` prints them.
fn interpolated(doc: &Value, vars: &BTreeMap<String, String>) -> Result<Value, String> {
    let mut doc = doc.clone();
    for section in ["services", "volumes"] {
        if let Some(tree) = doc.get_mut(section) {
            each_string(tree, &mut |s| {
                *s = interpolate(s, vars)?;
                Ok(())
            })?;
        }
    }
    Ok(doc)
}

// ---- services ------------------------------------------------------------------------------

struct Service {
    name: String,
    /// The container's argv: entrypoint, then command (the image has no ENTRYPOINT).
    argv: Vec<String>,
    env: BTreeMap<String, String>,
    /// (host address, host port, container port)
    ports: Vec<(String, u16, u16)>,
    /// The healthcheck's `CMD` argv (`CMD-SHELL` split on whitespace).
    health: Option<Vec<String>>,
    /// Service name -> condition.
    depends_on: BTreeMap<String, String>,
    image: Option<String>,
    build: bool,
    restart: Option<String>,
    volumes: Vec<String>,
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn string_list(service: &str, key: &str, value: Option<&Value>) -> Result<Vec<String>, String> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::Sequence(items)) => items
            .iter()
            .map(|item| {
                scalar(item).ok_or_else(|| format!("{service}: {key}: {item:?} is not a string"))
            })
            .collect(),
        Some(Value::String(_)) => Err(format!(
            "{service}: {key}: use the list (exec) form, e.g. [\"auth-service\", \"serve\"]"
        )),
        Some(other) => Err(format!("{service}: {key}: unexpected {other:?}")),
    }
}

fn parse_port(service: &str, spec: &Value) -> Result<(String, u16, u16), String> {
    let bad = || format!("{service}: ports: cannot read {spec:?}");
    let number = |s: &str| s.parse::<u16>().map_err(|_| bad());
    match spec {
        Value::Mapping(long) => {
            let get = |k: &str| long.get(k).and_then(scalar);
            let target = number(&get("target").ok_or_else(bad)?)?;
            let published = number(&get("published").ok_or_else(bad)?)?;
            Ok((
                get("host_ip").unwrap_or_else(|| "0.0.0.0".into()),
                published,
                target,
            ))
        }
        _ => {
            let text = scalar(spec).ok_or_else(bad)?;
            let text = text.strip_suffix("/tcp").unwrap_or(&text);
            let parts: Vec<&str> = text.rsplitn(3, ':').collect();
            match parts.as_slice() {
                [container, host, ip] => Ok(((*ip).to_owned(), number(host)?, number(container)?)),
                [container, host] => Ok(("0.0.0.0".to_owned(), number(host)?, number(container)?)),
                // A container port alone is published on a random host port.
                _ => Err(format!("{service}: ports: {text:?} names no host port")),
            }
        }
    }
}

fn parse_service(name: &str, def: &Value) -> Result<Service, String> {
    let mut argv = string_list(name, "entrypoint", def.get("entrypoint"))?;
    argv.extend(string_list(name, "command", def.get("command"))?);

    let mut env = BTreeMap::new();
    match def.get("environment") {
        None => {}
        Some(Value::Mapping(map)) => {
            for (key, value) in map {
                let key = scalar(key).ok_or_else(|| format!("{name}: environment key {key:?}"))?;
                // A bare `NAME:` passes the variable of the shell running compose, not .env.
                let value = scalar(value).ok_or_else(|| {
                    format!("{name}: environment: {key} has no value (write NAME: ${{NAME}})")
                })?;
                env.insert(key, value);
            }
        }
        Some(Value::Sequence(items)) => {
            for item in items {
                let item = scalar(item).unwrap_or_default();
                let (key, value) = item.split_once('=').ok_or_else(|| {
                    format!("{name}: environment: {item:?} has no value (write NAME=${{NAME}})")
                })?;
                env.insert(key.to_owned(), value.to_owned());
            }
        }
        Some(other) => return Err(format!("{name}: environment: unexpected {other:?}")),
    }

    let ports = match def.get("ports") {
        None => Vec::new(),
        Some(Value::Sequence(specs)) => specs
            .iter()
            .map(|spec| parse_port(name, spec))
            .collect::<Result<_, _>>()?,
        Some(other) => return Err(format!("{name}: ports: unexpected {other:?}")),
    };

    let health = match def.get("healthcheck").and_then(|h| h.get("test")) {
        None => None,
        Some(test) => {
            let test = match test {
                Value::String(shell) => vec!["CMD-SHELL".to_owned(), shell.clone()],
                _ => string_list(name, "healthcheck.test", Some(test))?,
            };
            match test.split_first() {
                Some((kind, rest)) if kind == "CMD" => Some(rest.to_vec()),
                Some((kind, rest)) if kind == "CMD-SHELL" => Some(
                    rest.join(" ")
                        .split_whitespace()
                        .map(str::to_owned)
                        .collect(),
                ),
                _ => return Err(format!("{name}: healthcheck.test: {test:?}")),
            }
        }
    };

    let mut depends_on = BTreeMap::new();
    match def.get("depends_on") {
        None => {}
        Some(Value::Sequence(names)) => {
            for dep in names {
                depends_on.insert(
                    scalar(dep).unwrap_or_default(),
                    "service_started".to_owned(),
                );
            }
        }
        Some(Value::Mapping(map)) => {
            for (dep, spec) in map {
                let condition = spec
                    .get("condition")
                    .and_then(scalar)
                    .unwrap_or_else(|| "service_started".to_owned());
                depends_on.insert(scalar(dep).unwrap_or_default(), condition);
            }
        }
        Some(other) => return Err(format!("{name}: depends_on: unexpected {other:?}")),
    }

    Ok(Service {
        name: name.to_owned(),
        argv,
        env,
        ports,
        health,
        depends_on,
        image: def.get("image").and_then(scalar),
        build: def.get("build").is_some(),
        restart: def.get("restart").and_then(scalar),
        volumes: string_list(name, "volumes", def.get("volumes"))?,
    })
}

fn services(doc: &Value) -> Result<Vec<Service>, String> {
    let map: &Mapping = doc
        .get("services")
        .and_then(Value::as_mapping)
        .ok_or("no services mapping")?;
    map.iter()
        .map(|(name, def)| parse_service(&scalar(name).unwrap_or_default(), def))
        .collect()
}

// ---- the checks ----------------------------------------------------------------------------

/// What a well-formed deployment looks like; every problem found, one line each.
fn problems(doc: &Value, vars: &BTreeMap<String, String>) -> Vec<String> {
    let mut found = Vec::new();
    let doc = match interpolated(doc, vars) {
        Ok(doc) => doc,
        Err(e) => return vec![format!("interpolation: {e}")],
    };
    let services = match services(&doc) {
        Ok(services) => services,
        Err(e) => return vec![e],
    };
    let postgres = services.iter().find(|s| s.name == "postgres");
    match postgres {
        Some(pg) => check_postgres(pg, &doc, &mut found),
        None => found.push("no postgres service".into()),
    }

    let mut auth_serve = Vec::new();
    let mut protected_serve = Vec::new();
    let mut migrations = Vec::new();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for service in &services {
        if service.name == "postgres" {
            continue;
        }
        let mut problem = |msg: String| found.push(format!("{}: {msg}", service.name));
        if !service.build
            || !service
                .image
                .as_deref()
                .is_some_and(|i| i.starts_with("tokenpair:"))
        {
            problem("expected `build: .` and a tokenpair:TAG image (the Dockerfile's)".into());
        }
        // What it runs first, so that a settings problem does not hide a command problem.
        let role = match role(service) {
            Ok(role) => role,
            Err(e) => {
                problem(e);
                continue;
            }
        };
        *counts.entry(role.command()).or_default() += 1;
        let settings = match load_settings(service) {
            Ok(settings) => settings,
            Err(e) => {
                problem(e);
                continue;
            }
        };
        if settings.log.format != LogFormat::Json {
            problem("TOKENPAIR__LOG_FORMAT should be json in compose".into());
        }
        let result = match role {
            Role::AuthServe(bind) => {
                auth_serve.push((service, settings.clone()));
                check_server(service, &bind, AUTH_PORT)
                    .and_then(|()| check_auth_settings(service, &settings, postgres))
            }
            Role::Migrate => {
                migrations.push(service);
                check_migrate(service, &settings, postgres)
            }
            Role::ProtectedServe(bind) => {
                protected_serve.push((service, settings.clone()));
                check_server(service, &bind, PROTECTED_PORT)
                    .and_then(|()| check_protected(service, settings.into()))
            }
        };
        if let Err(e) = result {
            problem(e);
        }
    }

    for what in [Role::AUTH_SERVE, Role::PROTECTED_SERVE, Role::MIGRATE] {
        let count = counts.get(what).copied().unwrap_or(0);
        if count != 1 {
            found.push(format!(
                "expected one service running `{what}`, found {count}"
            ));
        }
    }
    if let (Some((auth, _)), Some(migrate)) = (auth_serve.first(), migrations.first()) {
        let condition = auth.depends_on.get(&migrate.name).map(String::as_str);
        if condition != Some("service_completed_successfully") {
            found.push(format!(
                "{}: should depend on {} with condition {}, not {condition:?}",
                auth.name, migrate.name, "service_completed_successfully"
            ));
        }
        if auth.env.get("DATABASE_URL") != migrate.env.get("DATABASE_URL") {
            found.push(format!(
                "{} and {} use different DATABASE_URLs",
                auth.name, migrate.name
            ));
        }
    }
    if let (Some((auth, auth_settings)), Some((protected, protected_settings))) =
        (auth_serve.first(), protected_serve.first())
        && let Err(e) = round_trip(auth_settings, protected_settings)
    {
        found.push(format!(
            "an access token from {} is refused by {}: {e}",
            auth.name, protected.name
        ));
    }
    found
}

/// The commands a deployment runs; anything else in the compose file is a mistake.
enum Role {
    AuthServe(String),
    Migrate,
    ProtectedServe(String),
}

impl Role {
    const AUTH_SERVE: &str = "auth-service serve";
    const MIGRATE: &str = "auth-service migrate";
    const PROTECTED_SERVE: &str = "protected-service serve";

    fn command(&self) -> &'static str {
        match self {
            Role::AuthServe(_) => Self::AUTH_SERVE,
            Role::Migrate => Self::MIGRATE,
            Role::ProtectedServe(_) => Self::PROTECTED_SERVE,
        }
    }
}

/// The service's argv parsed with the binary's own clap definitions.
fn role(service: &Service) -> Result<Role, String> {
    match service.argv.first().map(String::as_str) {
        Some("auth-service") => {
            let cli = auth_service::cli::Cli::try_parse_from(&service.argv)
                .map_err(|e| bad_argv(service, &e))?;
            if cli.config.is_some() {
                return Err("--config: the file is not checked here".into());
            }
            match cli.command {
                auth_service::cli::Command::Serve { bind } => Ok(Role::AuthServe(bind)),
                auth_service::cli::Command::Migrate => Ok(Role::Migrate),
                other => Err(format!("unexpected auth-service command {other:?}")),
            }
        }
        Some("protected-service") => {
            let cli = protected_service::cli::Cli::try_parse_from(&service.argv)
                .map_err(|e| bad_argv(service, &e))?;
            if cli.config.is_some() {
                return Err("--config: the file is not checked here".into());
            }
            match cli.command {
                protected_service::cli::Command::Serve { bind } => Ok(Role::ProtectedServe(bind)),
                other => Err(format!("unexpected protected-service command {other:?}")),
            }
        }
        _ => Err(format!(
            "command {:?} starts with neither auth-service nor protected-service",
            service.argv
        )),
    }
}

fn bad_argv(service: &Service, e: &clap::Error) -> String {
    let first = e.to_string().lines().next().unwrap_or_default().to_owned();
    format!("{:?} does not parse: {first}", service.argv)
}

/// Only our variables, loaded by the real loader, without warnings.
fn load_settings(service: &Service) -> Result<AuthSettings, String> {
    for name in service.env.keys() {
        let ours = matches!(name.as_str(), "DATABASE_URL" | "SECRET_KEY")
            || name.starts_with("SIMPLE_JWT__")
            || name.starts_with("TOKENPAIR__");
        if !ours {
            return Err(format!("environment: {name} is not a tokenpair setting"));
        }
    }
    let env = service.env.iter().map(|(k, v)| (k.clone(), v.clone()));
    let settings = AuthSettings::from_sources(None, env).map_err(|e| format!("settings: {e}"))?;
    if let Some(warning) = settings.warnings.first() {
        return Err(format!("settings warning: {warning}"));
    }
    Ok(settings)
}

/// `--bind 0.0.0.0:PORT`, that port published on the same host port, and a healthcheck that
/// curls /healthz on it.
fn check_server(service: &Service, bind: &str, expected: u16) -> Result<(), String> {
    let addr: SocketAddr = bind
        .parse()
        .map_err(|_| format!("--bind {bind:?} is not HOST:PORT"))?;
    if !addr.ip().is_unspecified() {
        return Err(format!(
            "--bind {bind}: bind 0.0.0.0 in a container, or nothing outside reaches it"
        ));
    }
    if addr.port() != expected {
        return Err(format!("--bind {bind}: expected port {expected}"));
    }
    match service.ports.as_slice() {
        [(_, host, container)] if *host == expected && *container == expected => {}
        ports => {
            return Err(format!(
                "ports {ports:?}: expected {expected} published on host port {expected}"
            ));
        }
    }
    let health = service.health.as_ref().ok_or("no healthcheck")?;
    if health.first().map(String::as_str) != Some("curl")
        || !health
            .iter()
            .any(|a| a == "-f" || a.starts_with("-f") || a == "--fail")
    {
        return Err(format!(
            "healthcheck {health:?}: expected curl -f on {HEALTH_PATH}"
        ));
    }
    let url = health
        .iter()
        .find(|a| a.starts_with("http://"))
        .ok_or_else(|| format!("healthcheck {health:?} has no http:// URL"))?;
    let expected_url = [
        format!("http://127.0.0.1:{expected}{HEALTH_PATH}"),
        format!("http://localhost:{expected}{HEALTH_PATH}"),
    ];
    if !expected_url.contains(url) {
        return Err(format!(
            "healthcheck URL {url}: expected {}",
            expected_url[0]
        ));
    }
    Ok(())
}

/// Keys and settings as `serve` validates them (short of connecting), and a database that
/// is the compose file's postgres.
fn check_auth_settings(
    service: &Service,
    settings: &AuthSettings,
    postgres: Option<&Service>,
) -> Result<(), String> {
    let (_, _, _, target) =
        AppState::checked_parts(settings).map_err(|e| format!("auth-service: {e}"))?;
    if target.engine != Engine::Postgres {
        return Err("DATABASE_URL should be the postgres service".into());
    }
    let pg = postgres.ok_or("no postgres service")?;
    let url = service.env.get("DATABASE_URL").ok_or("no DATABASE_URL")?;
    let expected = format!(
        "postgres://{user}:{password}@{host}:{POSTGRES_PORT}/{db}",
        user = pg
            .env
            .get("POSTGRES_USER")
            .map_or("postgres", String::as_str),
        password = pg.env.get("POSTGRES_PASSWORD").map_or("", String::as_str),
        host = pg.name,
        db = pg
            .env
            .get("POSTGRES_DB")
            .or(pg.env.get("POSTGRES_USER"))
            .map_or("postgres", String::as_str),
    );
    if *url != expected {
        return Err(
            "DATABASE_URL does not match the postgres service's user, password, \
                    host, port or database"
                .into(),
        );
    }
    match service.depends_on.get(&pg.name).map(String::as_str) {
        Some("service_healthy") => Ok(()),
        other => Err(format!(
            "should depend on {} with condition service_healthy, not {other:?}",
            pg.name
        )),
    }
}

fn check_migrate(
    service: &Service,
    settings: &AuthSettings,
    postgres: Option<&Service>,
) -> Result<(), String> {
    if !matches!(
        service.restart.as_deref(),
        None | Some("no") | Some("on-failure")
    ) {
        return Err(format!(
            "restart: {:?} re-runs a one-shot command forever (use \"no\")",
            service.restart
        ));
    }
    if !service.ports.is_empty() || service.health.is_some() {
        return Err("a one-shot command publishes no ports and needs no healthcheck".into());
    }
    check_auth_settings(service, settings, postgres)
}

fn check_protected(service: &Service, settings: Settings) -> Result<(), String> {
    if service.env.contains_key("DATABASE_URL") {
        return Err("DATABASE_URL: protected-service has no database".into());
    }
    if let Some(dep) = service.depends_on.keys().find(|d| d.as_str() == "postgres") {
        return Err(format!(
            "depends on {dep}: protected-service has no database"
        ));
    }
    if let Some(warning) = protected_service::startup::startup_warnings(&settings).first() {
        return Err(format!("start-up warning: {warning}"));
    }
    protected_service::commands::run(protected_service::cli::Command::Check, settings)
        .map_err(|e| format!("check: {e}"))
}

fn check_postgres(pg: &Service, doc: &Value, found: &mut Vec<String>) {
    let mut problem = |msg: String| found.push(format!("{}: {msg}", pg.name));
    if !pg
        .image
        .as_deref()
        .is_some_and(|i| i.starts_with("postgres:"))
    {
        problem(format!(
            "image {:?}: expected the official postgres:N image",
            pg.image
        ));
    }
    let probe = pg.health.as_ref().and_then(|h| h.first());
    if probe.map(String::as_str) != Some("pg_isready") {
        problem(format!("healthcheck {:?}: expected pg_isready", pg.health));
    }
    if pg.env.get("POSTGRES_PASSWORD").is_none_or(String::is_empty) {
        problem("POSTGRES_PASSWORD is not set".into());
    }
    if !pg.ports.is_empty() {
        problem("ports: the database should not be published".into());
    }
    let declared = doc.get("volumes").and_then(Value::as_mapping);
    let data = pg
        .volumes
        .iter()
        .find(|v| v.split(':').nth(1) == Some("/var/lib/postgresql/data"));
    match data.and_then(|v| v.split(':').next()) {
        Some(volume) if declared.is_some_and(|d| d.contains_key(volume)) => {}
        _ => problem(
            "expected a named volume (declared under volumes:) on /var/lib/postgresql/data".into(),
        ),
    }
}

/// An access token signed with auth-service's settings passes protected-service's verifier.
fn round_trip(auth: &AuthSettings, protected: &Settings) -> Result<(), String> {
    let (tokens, ..) = AppState::checked_parts(auth).map_err(|e| e.0)?;
    let verifier = protected_service::startup::verifier(protected).map_err(|e| e.0)?;
    let now = shared::tokens::now();
    let payload = tokens.for_user(TokenClass::Access, "1", None, now);
    let token = tokens.encode(&payload).map_err(|e| format!("{e:?}"))?;
    verifier
        .validate(token.as_bytes(), TokenClass::Access, now)
        .map(drop)
        .map_err(|e| e.message())
}

// ---- tests ---------------------------------------------------------------------------------

#[test]
fn compose_file_matches_the_services() {
    let problems = problems(&compose(), &deploy_vars(false));
    assert!(
        problems.is_empty(),
        "docker-compose.yml:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn documented_optional_settings_are_valid_and_are_the_defaults() {
    let doc = compose();
    let problems = problems(&doc, &deploy_vars(true));
    assert!(
        problems.is_empty(),
        "with .env.example's optional values:\n  {}",
        problems.join("\n  ")
    );
    // ".env.example: the values shown are the defaults": the compose file's `${VAR:-default}`
    // must say the same.
    assert_eq!(
        serde_norway::to_string(&interpolated(&doc, &deploy_vars(false)).unwrap()).unwrap(),
        serde_norway::to_string(&interpolated(&doc, &deploy_vars(true)).unwrap()).unwrap(),
        "a `${{VAR:-default}}` in docker-compose.yml differs from `# VAR=default` in .env.example"
    );
    // And those defaults restate the loader's own.
    let auth = services(&interpolated(&doc, &deploy_vars(false)).unwrap())
        .unwrap()
        .into_iter()
        .find(|s| s.name == "auth-service")
        .expect("an auth-service service");
    let ours = load_settings(&auth).unwrap();
    let defaults =
        Settings::from_sources(None, [("SECRET_KEY".to_owned(), DUMMY_SECRET.to_owned())]).unwrap();
    assert_eq!(
        ours.jwt.access_token_lifetime,
        defaults.jwt.access_token_lifetime
    );
    assert_eq!(
        ours.jwt.refresh_token_lifetime,
        defaults.jwt.refresh_token_lifetime
    );
    assert_eq!(ours.log.level, defaults.log.level);
}

#[test]
fn env_example_documents_exactly_the_variables_compose_uses() {
    let mut used = BTreeSet::new();
    let doc = compose();
    let mut services = doc.get("services").cloned().expect("services");
    each_string(&mut services, &mut |s| {
        variables_in(s, &mut used);
        Ok(())
    })
    .unwrap();
    let example = env_example();
    let documented: BTreeSet<String> = example
        .set
        .keys()
        .chain(example.optional.keys())
        .cloned()
        .collect();
    assert_eq!(
        used, documented,
        "variables used by docker-compose.yml vs documented in .env.example"
    );
    for (name, value) in &example.set {
        assert!(
            value.is_empty(),
            ".env.example must not ship a value for {name}"
        );
    }
}

#[test]
fn compose_refuses_to_start_without_the_secrets() {
    let doc = compose();
    for required in ["SECRET_KEY", "POSTGRES_PASSWORD"] {
        let mut vars = deploy_vars(false);
        vars.insert(required.to_owned(), String::new());
        let empty = interpolated(&doc, &vars).map(drop).unwrap_err();
        assert!(empty.starts_with(required), "{required} empty: {empty}");
        vars.remove(required);
        let unset = interpolated(&doc, &vars).map(drop).unwrap_err();
        assert!(unset.starts_with(required), "{required} unset: {unset}");
    }
    // As .env.example ships, before the user fills it in.
    assert!(interpolated(&doc, &env_example().set).is_err());
}

/// The checks above can fail: each edit below is a drift they must catch.
#[test]
fn drift_is_caught() {
    assert!(
        auth_service::cli::Cli::try_parse_from(["auth-service", "serve", "--bnd", "0.0.0.0:8000"])
            .is_err()
    );
    fn set(doc: &mut Value, service: &str, key: &str, value: Value) {
        doc["services"][service][key] = value;
    }
    fn env_with(doc: &mut Value, service: &str, var: &str, value: Option<&str>) {
        let env = doc["services"][service]["environment"]
            .as_mapping_mut()
            .expect("an environment mapping");
        match value {
            Some(value) => env.insert(var.into(), value.into()),
            None => env.remove(var),
        };
    }
    fn cmd(words: &[&str]) -> Value {
        Value::Sequence(words.iter().map(|w| (*w).into()).collect())
    }

    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Edit)> = vec![
        (
            "does not parse",
            Box::new(|d| {
                set(
                    d,
                    "auth-service",
                    "command",
                    cmd(&["auth-service", "serve", "--bnd", "0.0.0.0:8000"]),
                )
            }),
        ),
        (
            "does not parse",
            Box::new(|d| {
                set(
                    d,
                    "protected-service",
                    "command",
                    cmd(&["protected-service", "migrate"]),
                )
            }),
        ),
        (
            "expected port 8000",
            Box::new(|d| {
                set(
                    d,
                    "auth-service",
                    "command",
                    cmd(&["auth-service", "serve", "--bind", "0.0.0.0:8080"]),
                )
            }),
        ),
        (
            "bind 0.0.0.0",
            Box::new(|d| {
                set(
                    d,
                    "protected-service",
                    "command",
                    cmd(&["protected-service", "serve"]),
                )
            }),
        ),
        (
            "healthcheck URL",
            Box::new(|d| {
                d["services"]["auth-service"]["healthcheck"]["test"] =
                    cmd(&["CMD", "curl", "-fsS", "http://127.0.0.1:8001/healthz"]);
            }),
        ),
        (
            "ports",
            Box::new(|d| {
                set(
                    d,
                    "protected-service",
                    "ports",
                    cmd(&["127.0.0.1:8001:8000"]),
                )
            }),
        ),
        (
            "not a tokenpair setting",
            Box::new(|d| env_with(d, "auth-service", "TOKENPAIR_LOG_FORMAT", Some("json"))),
        ),
        (
            "unknown tokenpair setting",
            Box::new(|d| env_with(d, "protected-service", "TOKENPAIR__WORKRS", Some("2"))),
        ),
        (
            "settings warning",
            Box::new(|d| {
                env_with(
                    d,
                    "auth-service",
                    "SIMPLE_JWT__ACCESS_TOKEN_LIFETIM",
                    Some("5m"),
                )
            }),
        ),
        (
            "has no database",
            Box::new(|d| {
                env_with(
                    d,
                    "protected-service",
                    "DATABASE_URL",
                    Some("postgres://x@postgres/x"),
                )
            }),
        ),
        (
            "no signing key",
            Box::new(|d| env_with(d, "protected-service", "SECRET_KEY", None)),
        ),
        (
            "refused by protected-service",
            Box::new(|d| {
                env_with(
                    d,
                    "protected-service",
                    "SECRET_KEY",
                    Some("another key, long enough for HS256 to be accepted"),
                )
            }),
        ),
        (
            "LOG_FORMAT should be json",
            Box::new(|d| {
                env_with(
                    d,
                    "protected-service",
                    "TOKENPAIR__LOG_FORMAT",
                    Some("text"),
                )
            }),
        ),
        (
            "does not match the postgres service",
            Box::new(|d| {
                env_with(
                    d,
                    "auth-service",
                    "DATABASE_URL",
                    Some("postgres://tokenpair:x@db:5432/tokenpair"),
                )
            }),
        ),
        (
            "restart",
            Box::new(|d| set(d, "migrate", "restart", "unless-stopped".into())),
        ),
        (
            "service_completed_successfully",
            Box::new(|d| {
                d["services"]["auth-service"]["depends_on"]["migrate"]["condition"] =
                    "service_started".into();
            }),
        ),
        (
            "expected one service running `auth-service migrate`",
            Box::new(|d| {
                d["services"].as_mapping_mut().unwrap().remove("migrate");
            }),
        ),
    ];
    let original = compose();
    let vars = deploy_vars(false);
    for (expected, edit) in cases {
        let mut doc = original.clone();
        edit(&mut doc);
        let found = problems(&doc, &vars);
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "expected a problem containing {expected:?}, got {found:#?}"
        );
    }
}

#[test]
fn dockerfile_builds_what_compose_runs() {
    let dockerfile = read("Dockerfile");
    let instructions: Vec<&str> = dockerfile
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let exposed: BTreeSet<u16> = instructions
        .iter()
        .filter_map(|l| l.strip_prefix("EXPOSE "))
        .flat_map(str::split_whitespace)
        .map(|p| p.trim_end_matches("/tcp").parse().unwrap())
        .collect();
    assert_eq!(exposed, BTreeSet::from([AUTH_PORT, PROTECTED_PORT]));
    // Compose's commands start with the binary name: an ENTRYPOINT would come before it.
    assert!(!instructions.iter().any(|l| l.starts_with("ENTRYPOINT")));
    for needed in [
        "--locked",
        "--features auth-service/postgres-tls",
        "/usr/local/bin/",
        "FROM debian:bookworm-slim",
    ] {
        assert!(dockerfile.contains(needed), "Dockerfile: no {needed:?}");
    }
    for binary in ["auth-service", "protected-service"] {
        assert!(
            dockerfile.contains(&format!("target/release/{binary}")),
            "Dockerfile: {binary} is not copied out of the build"
        );
    }
    let user = instructions
        .iter()
        .rev()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("Dockerfile: no USER (the services would run as root)");
    assert!(
        !user.starts_with("root") && !user.starts_with('0'),
        "USER {user}"
    );

    // The clap defaults are the same ports (`serve` with no --bind).
    let auth = auth_service::cli::Cli::try_parse_from(["auth-service", "serve"]).unwrap();
    let protected =
        protected_service::cli::Cli::try_parse_from(["protected-service", "serve"]).unwrap();
    match (auth.command, protected.command) {
        (
            auth_service::cli::Command::Serve { bind: a },
            protected_service::cli::Command::Serve { bind: p },
        ) => {
            assert!(a.ends_with(&format!(":{AUTH_PORT}")), "{a}");
            assert!(p.ends_with(&format!(":{PROTECTED_PORT}")), "{p}");
        }
        other => panic!("{other:?}"),
    }

    let dockerignore = read(".dockerignore");
    let ignored: BTreeSet<&str> = dockerignore
        .lines()
        .map(|l| l.trim().trim_end_matches('/'))
        .collect();
    for path in ["target", ".git", ".env", ".django-ref-venv"] {
        assert!(
            ignored.contains(path),
            ".dockerignore: {path} is sent to the build"
        );
    }
}
