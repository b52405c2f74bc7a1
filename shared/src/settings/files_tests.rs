//! `NAME_FILE`, through the loader as a service sees it.

use super::super::{Settings, SettingsError};
use std::path::{Path, PathBuf};

/// A file in a fresh temporary directory, removed with it on drop.
struct TempFile {
    dir: PathBuf,
    path: PathBuf,
}

impl TempFile {
    fn new(content: &[u8]) -> Self {
        let dir = std::env::temp_dir().join(format!("tp-secret-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("secret");
        std::fs::write(&path, content).unwrap();
        Self { dir, path }
    }

    fn path(&self) -> &str {
        self.path.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn load(env: &[(&str, &str)]) -> Result<Settings, SettingsError> {
    let env = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned()));
    Settings::from_sources(None, env)
}

fn error(result: Result<Settings, SettingsError>) -> String {
    let message = result.expect_err("expected an error").to_string();
    assert!(!message.contains('\n'), "not one line: {message}");
    message
}

const KEY: &str = "file-secret-0123456789abcdef0123456789abcdef";

#[test]
fn the_shared_secrets_and_the_verifying_key_accept_a_file() {
    let mut variables = super::super::load::shared_file_variables();
    variables.sort();
    assert_eq!(
        variables,
        [
            "SECRET_KEY",
            "SIMPLE_JWT__SIGNING_KEY",
            "SIMPLE_JWT__VERIFYING_KEY",
            "TOKENPAIR__PREVIOUS_VERIFYING_KEYS",
            "TOKENPAIR__REVOCATION_SECRET"
        ]
    );
}

#[test]
fn one_trailing_line_ending_is_removed() {
    for (content, expected) in [
        (format!("{KEY}\n"), KEY.to_owned()),
        (format!("{KEY}\r\n"), KEY.to_owned()),
        (KEY.to_owned(), KEY.to_owned()),
        // Only one: the rest is the value's.
        (format!("{KEY}\n\n"), format!("{KEY}\n")),
        (format!("{KEY}\r\n\r\n"), format!("{KEY}\r\n")),
        (format!(" {KEY} \n"), format!(" {KEY} ")),
    ] {
        let file = TempFile::new(content.as_bytes());
        let settings = load(&[("SECRET_KEY_FILE", file.path())]).unwrap();
        let secret_key = settings.keys.secret_key.as_ref().unwrap();
        assert_eq!(secret_key.expose(), expected, "{content:?}");
        // simplejwt's default signing key is SECRET_KEY, whichever way it came
        assert_eq!(settings.jwt.signing_key.expose(), expected);
        assert!(settings.is_explicit("SECRET_KEY"));
    }
}

#[test]
fn simplejwt_keys_accept_a_file() {
    let signing = TempFile::new(b"-----BEGIN PRIVATE KEY-----\n");
    let verifying = TempFile::new(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
    let settings = load(&[
        ("SIMPLE_JWT__ALGORITHM", "RS256"),
        ("SIMPLE_JWT__SIGNING_KEY_FILE", signing.path()),
        ("SIMPLE_JWT__VERIFYING_KEY_FILE", verifying.path()),
    ])
    .unwrap();
    assert_eq!(
        settings.jwt.signing_key.expose(),
        "-----BEGIN PRIVATE KEY-----"
    );
    assert_eq!(
        settings.jwt.verifying_key.as_deref(),
        Some("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")
    );
    assert!(settings.is_explicit("SIMPLE_JWT.VERIFYING_KEY"));
}

#[test]
fn name_and_name_file_together_are_refused() {
    let file = TempFile::new(KEY.as_bytes());
    let message = error(load(&[
        ("SECRET_KEY", "direct-secret-value"),
        ("SECRET_KEY_FILE", file.path()),
    ]));
    assert_eq!(
        message,
        "SECRET_KEY and SECRET_KEY_FILE are both set: set only one"
    );
    let message = error(load(&[
        ("SIMPLE_JWT__SIGNING_KEY", "direct-secret-value"),
        ("SIMPLE_JWT__SIGNING_KEY_FILE", file.path()),
    ]));
    assert!(
        message.contains("SIMPLE_JWT__SIGNING_KEY and SIMPLE_JWT__SIGNING_KEY_FILE"),
        "{message}"
    );
}

#[test]
fn an_empty_variable_is_unset_on_either_side() {
    // As compose's `${X:-}` gives, and as the postgres image treats POSTGRES_PASSWORD.
    let file = TempFile::new(KEY.as_bytes());
    let settings = load(&[("SECRET_KEY", ""), ("SECRET_KEY_FILE", file.path())]).unwrap();
    assert_eq!(settings.keys.secret_key.unwrap().expose(), KEY);
    let settings = load(&[("SECRET_KEY", "direct"), ("SECRET_KEY_FILE", "")]).unwrap();
    assert_eq!(settings.keys.secret_key.unwrap().expose(), "direct");
    let settings = load(&[("SECRET_KEY_FILE", "")]).unwrap();
    assert!(settings.keys.secret_key.is_none());
}

#[test]
fn an_empty_file_is_an_empty_value() {
    let empty = TempFile::new(b"");
    let newline = TempFile::new(b"\n");
    for file in [&empty, &newline] {
        let from_file = load(&[("SECRET_KEY_FILE", file.path())]).unwrap();
        let from_env = load(&[("SECRET_KEY", "")]).unwrap();
        assert!(from_file.keys.secret_key.is_none());
        assert_eq!(
            from_file.keys.secret_key.is_none(),
            from_env.keys.secret_key.is_none()
        );
        // An empty optional setting unsets it, as `SIMPLE_JWT__VERIFYING_KEY=` does.
        let settings = load(&[
            ("SECRET_KEY", "k"),
            ("SIMPLE_JWT__VERIFYING_KEY_FILE", file.path()),
        ])
        .unwrap();
        assert_eq!(settings.jwt.verifying_key, None);
    }
}

#[test]
fn an_unreadable_file_is_named_with_its_variable() {
    let missing = std::env::temp_dir().join(format!("tp-missing-{}", uuid::Uuid::new_v4()));
    let missing = missing.to_str().unwrap();
    let message = error(load(&[("SECRET_KEY_FILE", missing)]));
    assert!(
        message.starts_with(&format!("SECRET_KEY_FILE: cannot read {missing}: ")),
        "{message}"
    );
    // A directory cannot be read either.
    let file = TempFile::new(b"x");
    let dir = Path::new(file.path()).parent().unwrap().to_str().unwrap();
    let message = error(load(&[("SIMPLE_JWT__SIGNING_KEY_FILE", dir)]));
    assert!(
        message.starts_with(&format!("SIMPLE_JWT__SIGNING_KEY_FILE: cannot read {dir}")),
        "{message}"
    );
}

#[test]
fn errors_never_show_the_content() {
    let secret = "s3cr3t-\u{00e9}-value";
    // Not UTF-8: the bytes around the secret are not shown either.
    let mut bytes = secret.as_bytes().to_vec();
    bytes.push(0xff);
    let binary = TempFile::new(&bytes);
    let message = error(load(&[("SECRET_KEY_FILE", binary.path())]));
    assert_eq!(
        message,
        format!("SECRET_KEY_FILE: {} is not UTF-8 text", binary.path())
    );

    // A value the setting refuses: named by its file, without the value.
    let file = TempFile::new(format!("{secret}\n").as_bytes());
    let conflict = error(load(&[
        ("SECRET_KEY", secret),
        ("SECRET_KEY_FILE", file.path()),
    ]));
    let toml = "[SIMPLE_JWT]\nALGORITHM = \"HS256\"\n";
    let env = [(
        "SIMPLE_JWT__SIGNING_KEY_FILE".to_owned(),
        file.path().to_owned(),
    )];
    let settings = Settings::from_sources(Some(("t.toml", toml)), env).unwrap();
    let debug = format!("{settings:?}");
    for text in [&message, &conflict, &debug] {
        assert!(!text.contains("s3cr3t"), "{text}");
    }
    assert_eq!(settings.jwt.signing_key.expose(), secret);
}

#[test]
fn only_the_marked_settings_read_a_file() {
    // A non-secret setting's `_FILE` is no setting: protected-service ignores it, as it does
    // every name it does not know, unless it looks like a typo.
    let settings = load(&[("SECRET_KEY", "k"), ("DATABASE_URL_FILE", "/nonexistent")]).unwrap();
    assert!(settings.warnings.is_empty(), "{:?}", settings.warnings);
    let settings = load(&[
        ("SECRET_KEY", "k"),
        ("SIMPLE_JWT__ALGORITHM_FILE", "/nonexistent"),
    ])
    .unwrap();
    assert!(
        settings.warnings[0].starts_with("SIMPLE_JWT__ALGORITHM_FILE: unknown simplejwt setting"),
        "{:?}",
        settings.warnings
    );
}
