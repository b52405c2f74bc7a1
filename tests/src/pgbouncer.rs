//! A PgBouncer in transaction pooling in front of the test PostgreSQL, started per
//! test on a free loopback port (the real `pgbouncer` binary: Debian's package
//! puts it in /usr/sbin). Tests using it are skipped with a banner when the binary
//! is missing, unless `TOKENPAIR_REQUIRE_PGBOUNCER=1` (CI), where they fail.

use std::io::Write;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const REQUIRE_VAR: &str = "TOKENPAIR_REQUIRE_PGBOUNCER";

pub fn required() -> bool {
    std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1")
}

/// `TOKENPAIR_PGBOUNCER`, else `pgbouncer` on PATH, else Debian's /usr/sbin/pgbouncer.
pub fn binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TOKENPAIR_PGBOUNCER") {
        return Some(PathBuf::from(path));
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("pgbouncer"))
            .find(|candidate| candidate.is_file())
    });
    on_path.or_else(|| Some(PathBuf::from("/usr/sbin/pgbouncer")).filter(|p| p.is_file()))
}

/// The binary, or `None` after printing why the test is skipped; panics when
/// PgBouncer is required and missing.
pub fn binary_or_skip(test: &str) -> Option<PathBuf> {
    let found = binary();
    if found.is_none() {
        assert!(
            !required(),
            "PgBouncer is required ({REQUIRE_VAR}=1) but no pgbouncer binary was found"
        );
        let line = "=".repeat(78);
        eprintln!(
            "\n{line}\nPGBOUNCER TEST SKIPPED ({test}): no pgbouncer binary (PATH, /usr/sbin,\n\
             TOKENPAIR_PGBOUNCER). Install it (`apt-get install pgbouncer`) or run\n\
             `bash .ci/run`, which installs it and requires it ({REQUIRE_VAR}=1).\n{line}"
        );
    }
    found
}

/// The parts of a `postgres://user[:password]@host[:port]/db` URL PgBouncer needs.
struct Upstream {
    user: String,
    password: Option<String>,
    host: String,
    port: String,
}

fn upstream(url: &str) -> Upstream {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let (credentials, address) = authority
        .rsplit_once('@')
        .unwrap_or(("postgres", authority));
    let (user, password) = match credentials.split_once(':') {
        Some((user, password)) => (user, Some(password.to_owned())),
        None => (credentials, None),
    };
    let (host, port) = address.rsplit_once(':').unwrap_or((address, "5432"));
    Upstream {
        user: user.to_owned(),
        password,
        host: host.to_owned(),
        port: port.to_owned(),
    }
}

/// A running PgBouncer; stopped (and its files removed) when dropped.
pub struct PgBouncer {
    child: Child,
    port: u16,
    user: String,
    password: Option<String>,
    dir: PathBuf,
}

impl PgBouncer {
    /// PgBouncer `binary` in `pool_mode = transaction` forwarding every database to
    /// the server of `admin_url`, with at most `server_connections` server
    /// connections per database (fewer than the clients': they must share).
    pub fn start(binary: &std::path::Path, admin_url: &str, server_connections: u32) -> Self {
        let up = upstream(admin_url);
        let dir =
            std::env::temp_dir().join(format!("tp_pgbouncer_{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("pgbouncer dir");
        let port = free_port();
        let password = up
            .password
            .as_ref()
            .map(|p| format!(" password={p}"))
            .unwrap_or_default();
        let config = format!(
            "[databases]\n* = host={host} port={upstream_port}{password}\n\
             [pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n\
             auth_type = trust\nauth_file = {auth}\npool_mode = transaction\n\
             default_pool_size = {server_connections}\nmax_client_conn = 200\n\
             query_wait_timeout = 10\nignore_startup_parameters = extra_float_digits\n",
            host = up.host,
            upstream_port = up.port,
            auth = dir.join("userlist.txt").display(),
        );
        write(&dir.join("pgbouncer.ini"), &config);
        write(
            &dir.join("userlist.txt"),
            &format!("\"{}\" \"\"\n", up.user),
        );
        let log = std::fs::File::create(dir.join("pgbouncer.log")).expect("pgbouncer log");
        let mut command = Command::new(binary);
        // PgBouncer refuses to run as root: as root, it switches to the server's account.
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            command.args(["-u", "postgres"]);
            set_mode(&dir, 0o755);
        }
        let child = command
            .arg(dir.join("pgbouncer.ini"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("pgbouncer log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
        let mut bouncer = Self {
            child,
            port,
            user: up.user,
            password: up.password,
            dir,
        };
        bouncer.wait_listening();
        bouncer
    }

    /// The URL of `database` through this PgBouncer.
    pub fn url(&self, database: &str) -> String {
        let password = self
            .password
            .as_ref()
            .map(|p| format!(":{p}"))
            .unwrap_or_default();
        format!(
            "postgres://{}{password}@127.0.0.1:{}/{database}",
            self.user, self.port
        )
    }

    /// What PgBouncer logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("pgbouncer.log")).unwrap_or_default()
    }

    fn wait_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("pgbouncer exited ({status}):\n{}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "pgbouncer not listening within 10 s:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn write(path: &std::path::Path, text: &str) {
    let mut file =
        std::fs::File::create(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    file.write_all(text.as_bytes()).expect("write");
    set_mode(path, 0o644);
}

fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
}

/// A loopback port free a moment ago (PgBouncer binds it itself).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_parts() {
        let up = upstream("postgres://postgres:pw@127.0.0.1:5433/postgres?sslmode=disable");
        assert_eq!(
            (
                up.user.as_str(),
                up.password.as_deref(),
                up.host.as_str(),
                up.port.as_str()
            ),
            ("postgres", Some("pw"), "127.0.0.1", "5433")
        );
        let up = upstream("postgres://postgres@localhost/postgres");
        assert_eq!(
            (
                up.user.as_str(),
                up.password,
                up.host.as_str(),
                up.port.as_str()
            ),
            ("postgres", None, "localhost", "5432")
        );
    }
}
