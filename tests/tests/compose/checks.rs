//! The checks of a deployment: each tokenpair service's argv parsed with the services'
//! own clap definitions, its environment loaded with the real settings loader, the
//! services started with it, and the shape compose gives them (ports, healthchecks,
//! dependencies, the database).

use actix_web::dev::ServerHandle;
use auth_service::AuthSettings;
use clap::Parser;
use serde_norway::Value;
use shared::Settings;
use shared::settings::LogFormat;
use std::collections::BTreeMap;
use std::future::Future;
use std::net::{SocketAddr, TcpListener};

use crate::services::{Service, services};
use crate::{
    AUTH_ADMIN_PORT, AUTH_PORT, HEALTH_PATH, POSTGRES_PORT, PROTECTED_ADMIN_PORT, PROTECTED_PORT,
};
use tests::Answer;
use tests::db::TestDb;

/// What a well-formed deployment looks like; every problem found in `doc` (what
/// `docker-compose config` prints), one line each.
pub fn problems(doc: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let services = match services(doc) {
        Ok(services) => services,
        Err(e) => return vec![e],
    };
    let postgres = services.iter().find(|s| s.name == "postgres");
    match postgres {
        Some(pg) => check_postgres(pg, doc, &mut found),
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
                auth_serve.push(service);
                check_server(service, &bind, AUTH_PORT)
                    .and_then(|()| check_admin(&settings, AUTH_ADMIN_PORT))
                    .and_then(|()| check_auth_settings(service, postgres))
            }
            Role::Migrate => {
                migrations.push(service);
                check_migrate(service, postgres)
            }
            Role::ProtectedServe(bind) => {
                protected_serve.push(service);
                check_server(service, &bind, PROTECTED_PORT)
                    .and_then(|()| check_admin(&settings, PROTECTED_ADMIN_PORT))
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
    if let (Some(auth), Some(migrate)) = (auth_serve.first(), migrations.first()) {
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
    if let (Some(auth), Some(protected)) = (auth_serve.first(), protected_serve.first())
        && let Err(e) = round_trip(auth, protected)
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
pub fn load_settings(service: &Service) -> Result<AuthSettings, String> {
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
/// runs the service's own binary's `healthcheck` verb on /readyz at that port (the image has
/// no curl).
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
    let url = healthcheck_url(service, health)?;
    let expected_url = [
        format!("http://127.0.0.1:{expected}{HEALTH_PATH}"),
        format!("http://localhost:{expected}{HEALTH_PATH}"),
    ];
    if !expected_url.contains(&url) {
        return Err(format!(
            "healthcheck URL {url}: expected {}",
            expected_url[0]
        ));
    }
    Ok(())
}

/// TOKENPAIR__ADMIN_BIND on 0.0.0.0 (other containers scrape it) and its own port, the
/// one the Dockerfile exposes and docker-compose.admin.yml publishes; `check_server`
/// has already made sure only the main port is published.
fn check_admin(settings: &AuthSettings, expected: u16) -> Result<(), String> {
    let address = settings.server.admin_bind.ok_or_else(|| {
        format!("TOKENPAIR__ADMIN_BIND: expected 0.0.0.0:{expected} (metrics off the public port)")
    })?;
    if !address.ip().is_unspecified() {
        return Err(format!(
            "TOKENPAIR__ADMIN_BIND {address}: bind 0.0.0.0, or no other container reaches it"
        ));
    }
    if address.port() != expected {
        return Err(format!(
            "TOKENPAIR__ADMIN_BIND {address}: expected admin port {expected}"
        ));
    }
    Ok(())
}

/// The URL of a healthcheck that is `BINARY healthcheck [--url URL]`, parsed with the
/// binary's own clap definitions, BINARY being the one the service runs.
fn healthcheck_url(service: &Service, health: &[String]) -> Result<String, String> {
    let expected = format!("expected [\"{0}\", \"healthcheck\"]", service.argv[0]);
    let bad = |e: clap::Error| {
        let first = e.to_string().lines().next().unwrap_or_default().to_owned();
        format!("healthcheck {health:?} does not parse: {first}")
    };
    if health.first() != service.argv.first() {
        return Err(format!("healthcheck {health:?}: {expected}"));
    }
    let url = match health[0].as_str() {
        "auth-service" => match auth_service::cli::Cli::try_parse_from(health)
            .map_err(bad)?
            .command
        {
            auth_service::cli::Command::Healthcheck { url } => Some(url),
            _ => None,
        },
        "protected-service" => {
            match protected_service::cli::Cli::try_parse_from(health)
                .map_err(bad)?
                .command
            {
                protected_service::cli::Command::Healthcheck { url } => Some(url),
                _ => None,
            }
        }
        _ => None,
    };
    url.ok_or_else(|| format!("healthcheck {health:?}: {expected}"))
}

/// Keys and settings as `serve` validates them (auth-service started with them, on a
/// scratch database in place of compose's postgres), and a database that is the compose
/// file's postgres.
fn check_auth_settings(service: &Service, postgres: Option<&Service>) -> Result<(), String> {
    let db = TestDb::migrated_sqlite();
    let started = block_on(async {
        let auth = start_auth(service, &db)?;
        auth.handle.stop(false).await;
        Ok::<_, String>(())
    });
    started.map_err(|e| format!("auth-service: {e}"))?;
    let url = service.env.get("DATABASE_URL").ok_or("no DATABASE_URL")?;
    if !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
        return Err("DATABASE_URL should be the postgres service".into());
    }
    let pg = postgres.ok_or("no postgres service")?;
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

fn check_migrate(service: &Service, postgres: Option<&Service>) -> Result<(), String> {
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
    check_auth_settings(service, postgres)
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

/// A service started in-process for a check.
struct Started {
    url: String,
    /// Its internal endpoints' URL (TOKENPAIR__ADMIN_BIND).
    admin: Option<String>,
    handle: ServerHandle,
}

/// Where a started check's internal endpoints go: compose's 0.0.0.0:9000 would take
/// this machine's port (and clash between concurrent checks).
fn admin_on_loopback(settings: &mut Settings) {
    if let Some(address) = &mut settings.server.admin_bind {
        *address = SocketAddr::from(([127, 0, 0, 1], 0));
    }
}

fn run(app: shared::app::Service) -> Started {
    let started = Started {
        url: format!("http://127.0.0.1:{}", app.port()),
        admin: app
            .admin_port()
            .map(|port| format!("http://127.0.0.1:{port}")),
        handle: app.handle(),
    };
    tokio::spawn(app.run_until_stopped());
    started
}

/// auth-service with `service`'s environment, `db` in place of its DATABASE_URL.
fn start_auth(service: &Service, db: &TestDb) -> Result<Started, String> {
    let mut env = service.env.clone();
    env.insert("DATABASE_URL".into(), db.url.clone());
    if let Some(admin) = env.get_mut("TOKENPAIR__ADMIN_BIND") {
        // as `admin_on_loopback` (AuthSettings are read-only once loaded)
        *admin = "127.0.0.1:0".into();
    }
    let settings = AuthSettings::from_sources(None, env).map_err(|e| e.to_string())?;
    let app = auth_service::Application::build(settings, listener()).map_err(|e| e.to_string())?;
    Ok(run(app))
}

fn start_protected(mut settings: Settings) -> Result<Started, String> {
    admin_on_loopback(&mut settings);
    let app = protected_service::Application::build(settings, listener())?;
    Ok(run(app))
}

fn listener() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").expect("bind")
}

/// Runs `work` on a runtime of its own (the servers need one; the checks are sync).
fn block_on<T>(work: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(work)
}

/// An access token issued by auth-service with its compose settings is accepted by
/// protected-service with its own: a login, then `GET /protected/`, over HTTP.
fn round_trip(auth: &Service, protected: &Service) -> Result<(), String> {
    let db = TestDb::migrated_sqlite();
    tests::app::create_user(&db, "kyoko", "contrasenasegura");
    let protected_settings = load_settings(protected)?;
    block_on(async {
        let auth = start_auth(auth, &db)?;
        let protected = start_protected(protected_settings.into())?;
        let mut outcome = login_then_get(&auth.url, &protected.url).await;
        for started in [&auth, &protected] {
            outcome = outcome.and(internal_endpoints_apart(started).await);
        }
        auth.handle.stop(false).await;
        protected.handle.stop(false).await;
        outcome
    })
}

/// With the compose settings, `/metrics` is on the admin listener, and not on the main one.
async fn internal_endpoints_apart(started: &Started) -> Result<(), String> {
    let Some(admin) = &started.admin else {
        return Ok(());
    };
    let http = tests::app::client();
    for (base, expected) in [(&started.url, 404), (admin, 200)] {
        let url = format!("{base}/metrics");
        let status = http.get(&url).send().await.map_err(|e| e.to_string())?;
        if status.status() != expected {
            return Err(format!(
                "GET {url}: {}, expected {expected}",
                status.status()
            ));
        }
    }
    Ok(())
}

async fn login_then_get(auth: &str, protected: &str) -> Result<(), String> {
    let http = tests::app::client();
    let login = http
        .post(format!("{auth}/api/token/"))
        .form(&[("username", "kyoko"), ("password", "contrasenasegura")])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let login = Answer::read(login).await;
    if login.status != 200 {
        return Err(format!("login: {} {}", login.status, login.text));
    }
    let answer = http
        .get(format!("{protected}/protected/"))
        .bearer_auth(login.field("access"))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let answer = Answer::read(answer).await;
    match (answer.status, answer.text.as_str()) {
        (200, tests::bodies::PROTECTED) => Ok(()),
        (status, body) => Err(format!("{status} {body}")),
    }
}
