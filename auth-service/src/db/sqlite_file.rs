//! SQLite database files are created owner-only: they hold password hashes and tokens.

use std::io;

/// Creates the database file, empty and mode 0600, when it does not exist yet, before
/// SQLite opens it: SQLite would otherwise create it with the umask's mode (0644 under the
/// usual 022). SQLite gives the `-journal`, `-wal` and `-shm` files it creates beside it the
/// database file's permissions (os_unix.c: `findCreateFileMode`, `unixOpenSharedMemory`), so
/// they are 0600 too. An empty file is a valid empty database to SQLite.
///
/// An existing file is left as it is: its mode is its owner's choice. In-memory databases
/// and `file:` URIs are not files we name, and are left to SQLite.
pub fn create_private(path: &str) -> io::Result<()> {
    if path.is_empty() || path == ":memory:" || path.starts_with("file:") {
        return Ok(());
    }
    match create_new_private(path) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    }
}

#[cfg(unix)]
fn create_new_private(path: &str) -> io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    // O_CREAT|O_EXCL with the mode: the file never exists with a wider one, and a symlink
    // planted at the path is not followed (it "already exists").
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map(drop)
}

#[cfg(not(unix))]
fn create_new_private(_path: &str) -> io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::create_private;
    use crate::db::{DatabaseTarget, DbConnection};
    use diesel::RunQueryDsl;
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn sql(conn: &mut DbConnection, statement: &str) {
        let DbConnection::Sqlite(c) = conn else {
            unreachable!()
        };
        diesel::sql_query(statement).execute(c).unwrap();
    }

    #[test]
    fn new_databases_and_their_journals_are_owner_only() {
        // The usual umask, under which SQLite alone would create 0644 files.
        // SAFETY: umask only sets the process's file-creation mask.
        unsafe { libc::umask(0o022) };
        let dir = std::env::temp_dir().join(format!("tp-sqlite-mode-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();

        // Without us: SQLite's own mode, so the assertions below can fail.
        let bare = dir.join("bare.sqlite3");
        diesel::Connection::establish(bare.to_str().unwrap())
            .map(|_: diesel::SqliteConnection| ())
            .unwrap();
        assert_eq!(mode(&bare), 0o644);

        for (name, journal_mode, companions) in [
            ("wal.sqlite3", "WAL", &["-wal", "-shm"][..]),
            ("persist.sqlite3", "PERSIST", &["-journal"][..]),
        ] {
            let db = dir.join(name);
            let target =
                DatabaseTarget::from_url(Some(&format!("sqlite://{}", db.display()))).unwrap();
            let mut conn = target.connect().unwrap();
            sql(&mut conn, &format!("PRAGMA journal_mode = {journal_mode}"));
            sql(&mut conn, "CREATE TABLE t (x INTEGER)");
            sql(&mut conn, "INSERT INTO t VALUES (1)");
            assert_eq!(mode(&db), 0o600, "{name}");
            for suffix in companions {
                let file = dir.join(format!("{name}{suffix}"));
                assert_eq!(mode(&file), 0o600, "{}", file.display());
            }
        }

        // An existing file keeps its mode.
        let shared = dir.join("shared.sqlite3");
        std::fs::write(&shared, b"").unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o640)).unwrap();
        create_private(shared.to_str().unwrap()).unwrap();
        assert_eq!(mode(&shared), 0o640);

        // A missing directory is an error naming nothing secret.
        assert!(create_private(dir.join("no/such/db.sqlite3").to_str().unwrap()).is_err());
        create_private(":memory:").unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
