//! `cargo run -p tokenpair`: try tokenpair with nothing but the Rust toolchain.
//! Both services on an embedded SQLite database (or `DATABASE_URL`), migrated,
//! a demo user, a random signing key kept beside the database, loopback only.

pub mod browser;
pub mod signing_key;

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;

use actix_web::dev::ServerHandle;
use auth_service::AuthSettings;
use auth_service::demo;
use clap::Parser;

pub use auth_service::demo::{DemoUser, PASSWORD as DEMO_PASSWORD, USERNAME as DEMO_USERNAME};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "tokenpair",
    version,
    about = "Run auth-service and protected-service together on an embedded database (for trying tokenpair; deploy with the service binaries or docker compose)"
)]
pub struct Options {
    /// TOML settings file (else $TOKENPAIR_CONFIG); the environment overrides it.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Where auth-service listens (loopback only).
    #[arg(long, default_value = "127.0.0.1:8000", value_name = "HOST:PORT")]
    pub auth_bind: String,
    /// Where protected-service listens (loopback only).
    #[arg(long, default_value = "127.0.0.1:8001", value_name = "HOST:PORT")]
    pub protected_bind: String,
}

/// One `TOKENPAIR__ADMIN_BIND` serves both services here: auth-service takes it as
/// given, protected-service the next port (9000 and 9001, as in compose; port 0 stays
/// 0). Unset, as by default, everything is on the main ports.
fn protected_admin_bind(mut settings: shared::Settings) -> Result<shared::Settings, String> {
    if let Some(address) = &mut settings.server.admin_bind
        && address.port() != 0
    {
        let next = address.port().checked_add(1).ok_or_else(|| {
            format!("TOKENPAIR__ADMIN_BIND {address}: protected-service's would be the next port")
        })?;
        address.set_port(next);
    }
    Ok(settings)
}

/// Both services, running.
pub struct Stack {
    pub auth_url: String,
    pub protected_url: String,
    /// The browser demo (`/demo/`), on `localhost` (`browser.rs` says why).
    pub demo_url: String,
    database: String,
    key_file: Option<PathBuf>,
    demo_user: DemoUser,
    handles: Vec<ServerHandle>,
    servers: tokio::task::JoinSet<std::io::Result<()>>,
}

impl Stack {
    /// Prepare the database and key, then start both services.
    pub async fn start(options: &Options, env: Vec<(String, String)>) -> Result<Stack, String> {
        let auth_listener = loopback_listener("--auth-bind", &options.auth_bind)?;
        let protected_listener = loopback_listener("--protected-bind", &options.protected_bind)?;
        let port = |listener: &TcpListener| listener.local_addr().map(|a| a.port());
        let (auth_port, protected_port) = port(&auth_listener)
            .and_then(|auth| Ok((auth, port(&protected_listener)?)))
            .map_err(|e| format!("listener: {e}"))?;

        let env_value = |name: &str| {
            env.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())
        };
        let database_url = env_value("DATABASE_URL");
        let key_path = demo::key_path(database_url.as_deref())?;
        let mut env = env.clone();
        let mut key_file = None;
        // A SECRET_KEY_FILE is the key too: generating one beside it would be refused as both.
        if env_value("SECRET_KEY").is_none() && env_value("SECRET_KEY_FILE").is_none() {
            let path = key_path;
            env.push(("SECRET_KEY".into(), signing_key::load_or_create(&path)?));
            key_file = Some(path);
        }
        let config_path = options
            .config
            .clone()
            .or_else(|| env_value("TOKENPAIR_CONFIG").map(PathBuf::from));
        let file = match &config_path {
            Some(path) => Some((
                path.display().to_string(),
                std::fs::read_to_string(path)
                    .map_err(|e| format!("--config {}: {e}", path.display()))?,
            )),
            None => None,
        };
        let mut settings = AuthSettings::from_sources(
            file.as_ref()
                .map(|(name, text)| (name.as_str(), text.as_str())),
            env,
        )
        .map_err(|e| e.to_string())?;
        if let Some(path) = &key_file {
            signing_key::check_length(path, &settings)?;
        }
        shared::telemetry::init(settings.log.format, &settings.log.level);

        let demo::DemoReport {
            user: demo_user,
            database,
        } = demo::prepare(database_url.as_deref(), &settings).await?;

        let mut protected_settings = protected_admin_bind(settings.clone().into())?;
        browser::protected_settings(&mut protected_settings, auth_port);
        browser::auth_settings(&mut settings, protected_port)?;
        let auth = auth_service::Application::build(settings, auth_listener)
            .map_err(|e| format!("auth-service: {e}"))?;
        let protected =
            protected_service::Application::build(protected_settings, protected_listener)
                .map_err(|e| format!("protected-service: {e}"))?;
        let auth_url = format!("http://127.0.0.1:{}", auth.port());
        let protected_url = format!("http://127.0.0.1:{}", protected.port());
        let demo_url = browser::demo_url(protected_port);
        let handles = vec![auth.handle(), protected.handle()];
        let mut servers = tokio::task::JoinSet::new();
        servers.spawn(auth.run_until_stopped());
        servers.spawn(protected.run_until_stopped());
        Ok(Stack {
            auth_url,
            protected_url,
            demo_url,
            database,
            key_file,
            demo_user,
            handles,
            servers,
        })
    }

    pub fn demo_user(&self) -> DemoUser {
        self.demo_user
    }

    /// The tutorial's flow as ready-to-paste shell lines.
    pub fn curl_session(&self) -> String {
        let (auth, protected) = (&self.auth_url, &self.protected_url);
        format!(
            "curl {protected}/protected/; echo\n\
             curl -d \"username={DEMO_USERNAME}&password={DEMO_PASSWORD}\" -X POST {auth}/api/token/; echo\n\
             TOKENS=$(curl -s -d \"username={DEMO_USERNAME}&password={DEMO_PASSWORD}\" {auth}/api/token/)\n\
             ACCESS=$(echo \"$TOKENS\" | sed -E 's/.*\"access\":\"([^\"]+)\".*/\\1/')\n\
             REFRESH=$(echo \"$TOKENS\" | sed -E 's/.*\"refresh\":\"([^\"]+)\".*/\\1/')\n\
             curl -H \"Authorization: Bearer $ACCESS\" {protected}/protected/; echo\n\
             curl -d \"refresh=$REFRESH\" -X POST {auth}/api/token/refresh/; echo\n"
        )
    }

    /// What the command prints once both services answer.
    pub fn banner(&self) -> String {
        let user = match self.demo_user {
            DemoUser::Created => format!("{DEMO_USERNAME} / {DEMO_PASSWORD} (created now)"),
            DemoUser::Existing => format!("{DEMO_USERNAME} / {DEMO_PASSWORD} (already there)"),
            DemoUser::NotCreated => {
                format!("none: the database already has users and no '{DEMO_USERNAME}'; use yours")
            }
        };
        let key = match &self.key_file {
            Some(path) => format!("random, kept in {} (delete it to rotate)", path.display()),
            None => "SECRET_KEY from the environment".to_owned(),
        };
        format!(
            "\ntokenpair is running\n\
             \n  auth-service       {auth}   POST /api/token/  /api/token/refresh/\
             \n  protected-service  {protected}   GET /protected/\
             \n  browser demo       {demo}\
             \n  database           {db}\
             \n  signing key        {key}\
             \n  demo user          {user}\
             \n\nThe tutorial's flow, ready to paste into a shell (needs curl):\n\n{session}\
             \nPress Ctrl-C to stop both services.\n",
            auth = self.auth_url,
            protected = self.protected_url,
            demo = self.demo_url,
            db = self.database,
            session = indent(&self.curl_session()),
        )
    }

    /// Serve until Ctrl-C, then stop both services gracefully.
    pub async fn run_until_ctrl_c(mut self) -> Result<(), String> {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {
                println!("\nStopping...");
                self.stop().await;
                Ok(())
            }
            Some(ended) = self.servers.join_next() => {
                self.stop().await;
                match ended {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(e)) => Err(format!("a service stopped: {e}")),
                    Err(e) => Err(format!("a service crashed: {e}")),
                }
            }
        }
    }

    pub async fn stop(&mut self) {
        for handle in &self.handles {
            handle.stop(true).await;
        }
        while self.servers.join_next().await.is_some() {}
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

fn loopback_listener(flag: &str, bind: &str) -> Result<TcpListener, String> {
    let addr: SocketAddr = bind
        .parse()
        .map_err(|_| format!("{flag}: expected HOST:PORT with an IP address, got {bind:?}"))?;
    if !addr.ip().is_loopback() {
        return Err(format!(
            "{flag}: the demo stack listens on loopback only (127.0.0.1 or ::1); deploy with the service binaries or docker compose"
        ));
    }
    TcpListener::bind(addr).map_err(|e| format!("{flag} {bind}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::protected_admin_bind;

    fn admin_bind(value: &str) -> Result<Option<std::net::SocketAddr>, String> {
        let env = [
            ("SECRET_KEY".to_owned(), "k".repeat(32)),
            ("TOKENPAIR__ADMIN_BIND".to_owned(), value.to_owned()),
        ];
        let settings = shared::Settings::from_sources(None, env).map_err(|e| e.to_string())?;
        protected_admin_bind(settings).map(|s| s.server.admin_bind)
    }

    #[test]
    fn protected_service_takes_the_next_admin_port() {
        assert_eq!(admin_bind("none"), Ok(None));
        assert_eq!(
            admin_bind("127.0.0.1:9000"),
            Ok(Some("127.0.0.1:9001".parse().unwrap()))
        );
        assert_eq!(
            admin_bind("127.0.0.1:0"),
            Ok(Some("127.0.0.1:0".parse().unwrap()))
        );
        let last = admin_bind("127.0.0.1:65535").unwrap_err();
        assert!(last.contains("next port"), "{last}");
    }
}
