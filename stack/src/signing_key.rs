//! The demo stack's generated signing key, kept beside the database (`db.sqlite3.secret-key`).
//!
//! Whoever can read this file can mint tokens for any user, and whoever can replace it
//! chooses the key: the file is created owner-only, and one that is not (group or world
//! permissions, a symbolic link, not a regular file) is refused rather than used or fixed.
//! A key too short for the configured algorithm is refused too, not replaced: replacing it
//! would silently invalidate every token issued with it; deleting the file is the user's call.

use std::io::{self, Read};
use std::path::Path;

use shared::Settings;

/// Django's `get_random_secret_key` alphabet.
const KEY_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)";

/// Long enough for every HMAC algorithm: HS512 needs 64 bytes (RFC 7518 §3.2). Each
/// character carries log2(50) ≈ 5.6 bits: about 360 bits in all.
pub const GENERATED_KEY_CHARS: usize = 64;

/// A key file is a few dozen bytes; anything much larger is not one of ours.
const MAX_KEY_FILE_BYTES: u64 = 4096;

/// The key kept from an earlier run, or a new random one written owner-only.
pub fn load_or_create(path: &Path) -> Result<String, String> {
    let at = |e: io::Error| format!("signing key file {}: {e}", path.display());
    if let Some(key) = read_existing(path)? {
        return Ok(key);
    }
    let key = generate();
    create_private(path, &key).map_err(at)?;
    Ok(key)
}

/// Refuses a kept key that the configured algorithm finds too short (e.g. a 50-character
/// key from an older version once `ALGORITHM` is HS512), unless `ALLOW_WEAK_KEY` is on.
pub fn check_length(path: &Path, settings: &Settings) -> Result<(), String> {
    let jwt = &settings.jwt;
    match jwt.short_hmac_key() {
        // Only when the generated key is the one in use (no SIGNING_KEY of the user's).
        Some(short) if short.setting == "SECRET_KEY" && !jwt.key_rules.allow_weak_key => {
            Err(format!(
                "signing key file {}: {} bytes is too short for {:?} (at least {}); delete the \
                 file and start again to generate a longer key (tokens issued with the old key \
                 stop working)",
                path.display(),
                short.bytes,
                short.algorithm,
                short.needed
            ))
        }
        _ => Ok(()),
    }
}

fn generate() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..GENERATED_KEY_CHARS)
        .map(|_| char::from(KEY_ALPHABET[rng.random_range(0..KEY_ALPHABET.len())]))
        .collect()
}

/// `None` when there is no file (or an empty one, left by an interrupted first run: it
/// is removed so that a new key can be created in its place).
fn read_existing(path: &Path) -> Result<Option<String>, String> {
    let refuse =
        |why: &dyn std::fmt::Display| format!("signing key file {}: {why}", path.display());
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(refuse(&e)),
    };
    if metadata.file_type().is_symlink() {
        return Err(refuse(
            &"is a symbolic link; the key must be a regular file tokenpair created: remove the \
              link and start again to generate a new key",
        ));
    }
    let mut file = open_no_follow(path).map_err(|e| refuse(&e))?;
    // The opened file's own metadata: the path may have changed since symlink_metadata.
    let metadata = file.metadata().map_err(|e| refuse(&e))?;
    if !metadata.is_file() {
        return Err(refuse(&"is not a regular file"));
    }
    if let Some(mode) = group_or_world_mode(&metadata) {
        return Err(refuse(&format!(
            "has mode {mode:04o}, open to group or others; the signing key must be owner-only: \
             chmod 600 {} (or delete it and start again to generate a new key)",
            path.display()
        )));
    }
    if metadata.len() > MAX_KEY_FILE_BYTES {
        return Err(refuse(&"is too large to be a key file tokenpair wrote"));
    }
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(|e| refuse(&e))?;
    let key = text.trim();
    if key.is_empty() {
        drop(file);
        std::fs::remove_file(path).map_err(|e| refuse(&e))?;
        return Ok(None);
    }
    Ok(Some(key.to_owned()))
}

#[cfg(unix)]
fn open_no_follow(path: &Path) -> io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

#[cfg(not(unix))]
fn open_no_follow(path: &Path) -> io::Result<std::fs::File> {
    std::fs::File::open(path)
}

#[cfg(unix)]
fn group_or_world_mode(metadata: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o7777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn group_or_world_mode(_metadata: &std::fs::Metadata) -> Option<u32> {
    None
}

/// O_CREAT|O_EXCL with mode 0600: the file never exists with a wider mode, and nothing
/// already at the path (a file, a planted symlink) is followed or overwritten.
#[cfg(unix)]
fn create_private(path: &Path, text: &str) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all());
    if written.is_err() {
        // A partial key must not be read back as the key on the next start.
        let _ = std::fs::remove_file(path);
    }
    written
}

#[cfg(not(unix))]
fn create_private(path: &Path, text: &str) -> io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(text.as_bytes())
}
