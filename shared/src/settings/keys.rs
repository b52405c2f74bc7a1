//! How strong a signing key must be. HMAC keys at least as long as the hash output
//! (RFC 7518 §3.2: 32, 48, 64 bytes for HS256/384/512), RSA keys at least 2048 bits
//! (RFC 7518 §3.3). The codec applies these rules where it turns settings into keys, so
//! that neither service can sign or verify with a weak key; the settings loader uses the
//! same rule to warn when `TOKENPAIR.ALLOW_WEAK_KEY` lets a short HMAC key through.

use jsonwebtoken::Algorithm;

use super::catalogue::{OURS, Section, Setting, TOP, set};
use super::{JwtSettings, Secret, SettingsError};

/// What the error and the warning suggest: 48 random bytes, written as 64 base64
/// characters, long enough for every HMAC algorithm.
pub const MAKE_HMAC_KEY: &str = "openssl rand -base64 48";

/// RFC 7518 §3.3: "A key of size 2048 bits or larger MUST be used".
pub const MIN_RSA_BITS: usize = 2048;

const MAKE_RSA_KEY: &str = "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072";

/// The keys as configured: Django's `SECRET_KEY` (simplejwt's default signing key) and whether
/// a short HMAC key is let through.
#[derive(Debug, Clone, Default)]
pub struct KeySettings {
    pub secret_key: Option<Secret>,
    pub allow_weak_key: bool,
    /// `TOKENPAIR.PREVIOUS_VERIFYING_KEYS`: keys still accepted after a rotation (PEM public
    /// keys, or old HMAC secrets for HS*); copied into `JwtSettings` by the loader.
    pub previous_verifying_keys: Vec<Secret>,
}

impl Section for KeySettings {
    const SETTINGS: &'static [Setting<Self>] = &[
        Setting::with_file(
            TOP,
            "SECRET_KEY",
            "—",
            "Django's `SECRET_KEY`; the default signing key",
            |s, raw| set(&mut s.secret_key, super::values::secret(raw)),
        ),
        Setting::new(
            OURS,
            "ALLOW_WEAK_KEY",
            "false",
            "accept an HMAC key shorter than the hash output (32/48/64 bytes), with a warning",
            |s, raw| set(&mut s.allow_weak_key, super::values::boolean(raw)),
        ),
        Setting::with_file(
            OURS,
            "PREVIOUS_VERIFYING_KEYS",
            "none",
            "keys accepted besides the current one (rotation): PEM public keys, or old HMAC \
             secrets with HS256/384/512; a JSON or TOML array, PEM blocks one after another, or \
             one secret per line (see Keys)",
            |s, raw| set(&mut s.previous_verifying_keys, previous_keys(raw)),
        ),
    ];
}

/// `PREVIOUS_VERIFYING_KEYS`, in any of the forms a list of multi-line PEMs can take: a TOML
/// array, a JSON array in the environment, PEM blocks one after another (what `cat old*.pem`
/// writes, and what a `_FILE` holds), or HMAC secrets one per line. Errors never show a value:
/// old HMAC secrets are still secrets.
fn previous_keys(raw: &super::RawValue) -> Result<Vec<Secret>, String> {
    use config::ValueKind;
    if super::values::is_unset(raw) {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = match raw {
        ValueKind::Array(items) => items
            .iter()
            .map(|item| match &item.kind {
                ValueKind::String(s) => Ok(s.clone()),
                _ => Err("list items must be strings".to_owned()),
            })
            .collect::<Result<_, _>>()?,
        ValueKind::String(s) if s.trim_start().starts_with('[') => serde_json::from_str(s)
            .map_err(|e| {
                format!(
                    "invalid JSON list at line {} column {} (expected an array of strings)",
                    e.line(),
                    e.column()
                )
            })?,
        ValueKind::String(s) if s.contains(PEM_BEGIN) => pem_blocks(s)?,
        ValueKind::String(s) => s.lines().map(str::trim).map(str::to_owned).collect(),
        _ => return Err("expected a list of keys".to_owned()),
    };
    Ok(keys
        .into_iter()
        .map(|key| key.trim().to_owned())
        .filter(|key| !key.is_empty())
        .map(Secret::from)
        .collect())
}

const PEM_BEGIN: &str = "-----BEGIN ";

/// Concatenated PEM blocks, each from its `-----BEGIN` line to the `-----END` line after it.
fn pem_blocks(text: &str) -> Result<Vec<String>, String> {
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(begin) = rest.find(PEM_BEGIN) {
        let block = &rest[begin..];
        let end_line = block
            .find("-----END ")
            .ok_or_else(|| format!("PEM block {} has no END line", blocks.len() + 1))?;
        // The END line runs to the next newline, or to the end of the text.
        let end = block[end_line..]
            .find('\n')
            .map_or(block.len(), |nl| end_line + nl + 1);
        blocks.push(block[..end].to_owned());
        rest = &block[end..];
    }
    Ok(blocks)
}

/// Not simplejwt settings: what the key rules need to know about where the key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyRules {
    /// The setting that holds the HMAC key in use, as messages name it: `SECRET_KEY` when
    /// `SIMPLE_JWT.SIGNING_KEY` is unset (simplejwt's default), else `SIMPLE_JWT.SIGNING_KEY`.
    pub hmac_key_setting: &'static str,
    /// `TOKENPAIR.ALLOW_WEAK_KEY`: a Django site's shorter `SECRET_KEY` is accepted (with a
    /// warning) so that both can keep sharing it.
    pub allow_weak_key: bool,
}

impl Default for KeyRules {
    fn default() -> Self {
        Self {
            hmac_key_setting: "SIMPLE_JWT.SIGNING_KEY",
            allow_weak_key: false,
        }
    }
}

/// The hash output size of an HMAC algorithm, the shortest key RFC 7518 §3.2 allows.
pub fn min_hmac_key_bytes(algorithm: Algorithm) -> Option<usize> {
    match algorithm {
        Algorithm::HS256 => Some(32),
        Algorithm::HS384 => Some(48),
        Algorithm::HS512 => Some(64),
        _ => None,
    }
}

/// An HMAC key shorter than its algorithm needs. Only its length is kept: nothing here can
/// put the key itself in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShortKey {
    pub setting: &'static str,
    pub algorithm: Algorithm,
    pub bytes: usize,
    pub needed: usize,
}

impl ShortKey {
    /// `SECRET_KEY: 9 bytes is too short for HS256 (at least 32)`.
    pub fn describe(&self) -> String {
        format!(
            "{}: {} bytes is too short for {:?} (at least {})",
            self.setting, self.bytes, self.algorithm, self.needed
        )
    }
}

impl JwtSettings {
    /// The HMAC key in use, when it is shorter than the hash output. The key is used as its
    /// UTF-8 bytes (as PyJWT does), so that is what is counted. An empty key is not "short":
    /// it is missing, which `require_signing_key` reports.
    pub fn short_hmac_key(&self) -> Option<ShortKey> {
        let needed = min_hmac_key_bytes(self.algorithm)?;
        let bytes = self.signing_key.expose().len();
        (bytes > 0 && bytes < needed).then_some(ShortKey {
            setting: self.key_rules.hmac_key_setting,
            algorithm: self.algorithm,
            bytes,
            needed,
        })
    }

    /// Refuses a short HMAC key unless `TOKENPAIR.ALLOW_WEAK_KEY` is on.
    pub fn require_strong_hmac_key(&self) -> Result<(), SettingsError> {
        match self.short_hmac_key() {
            Some(short) if !self.key_rules.allow_weak_key => Err(SettingsError(format!(
                "{}; make one with: {MAKE_HMAC_KEY} (TOKENPAIR__ALLOW_WEAK_KEY=true accepts a \
                 shorter key shared with a Django site)",
                short.describe()
            ))),
            _ => Ok(()),
        }
    }

    /// What to log at start-up when a short HMAC key is let through.
    pub(super) fn weak_key_warning(&self) -> Option<String> {
        let short = self.short_hmac_key()?;
        self.key_rules.allow_weak_key.then(|| {
            format!(
                "{}, accepted because TOKENPAIR.ALLOW_WEAK_KEY is on: replace it with one from \
                 `{MAKE_HMAC_KEY}` when the sites sharing it can change",
                short.describe()
            )
        })
    }
}

/// Refuses an RSA key (RS*/PS*) whose modulus is below 2048 bits; `setting` is
/// `SIMPLE_JWT.SIGNING_KEY` or `SIMPLE_JWT.VERIFYING_KEY`.
pub fn require_rsa_bits(
    setting: &str,
    algorithm: Algorithm,
    bits: usize,
) -> Result<(), SettingsError> {
    if bits >= MIN_RSA_BITS {
        return Ok(());
    }
    Err(SettingsError(format!(
        "{setting}: a {bits}-bit RSA key is too small for {algorithm:?} (at least {MIN_RSA_BITS}); \
         make a new key pair with: {MAKE_RSA_KEY}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(algorithm: Algorithm, bytes: usize) -> JwtSettings {
        let mut jwt = JwtSettings::with_signing_key(&"k".repeat(bytes));
        jwt.algorithm = algorithm;
        jwt
    }

    #[test]
    fn hmac_keys_need_the_hash_size_at_each_boundary() {
        for (algorithm, needed) in [
            (Algorithm::HS256, 32),
            (Algorithm::HS384, 48),
            (Algorithm::HS512, 64),
        ] {
            let short = jwt(algorithm, needed - 1);
            let message = short.require_strong_hmac_key().unwrap_err().0;
            assert_eq!(
                message,
                format!(
                    "SIMPLE_JWT.SIGNING_KEY: {} bytes is too short for {algorithm:?} (at least \
                     {needed}); make one with: openssl rand -base64 48 \
                     (TOKENPAIR__ALLOW_WEAK_KEY=true accepts a shorter key shared with a Django \
                     site)",
                    needed - 1
                )
            );
            assert_eq!(message.lines().count(), 1);
            assert!(jwt(algorithm, needed).require_strong_hmac_key().is_ok());
            assert!(jwt(algorithm, needed).short_hmac_key().is_none());
        }
    }

    #[test]
    fn bytes_are_counted_not_characters() {
        // 11 characters, 33 bytes: what PyJWT hashes.
        let mut wide = JwtSettings::with_signing_key(&"日".repeat(11));
        assert!(wide.require_strong_hmac_key().is_ok());
        wide.signing_key = "日".repeat(10).into();
        assert_eq!(wide.short_hmac_key().map(|s| s.bytes), Some(30));
    }

    #[test]
    fn allow_weak_key_turns_the_refusal_into_a_warning() {
        let mut weak = jwt(Algorithm::HS256, 9);
        weak.key_rules.hmac_key_setting = "SECRET_KEY";
        assert!(weak.weak_key_warning().is_none());
        assert!(
            weak.require_strong_hmac_key()
                .unwrap_err()
                .0
                .starts_with("SECRET_KEY: 9 bytes is too short for HS256 (at least 32); ")
        );
        weak.key_rules.allow_weak_key = true;
        assert!(weak.require_strong_hmac_key().is_ok());
        let warning = weak.weak_key_warning().unwrap();
        assert!(
            warning.starts_with("SECRET_KEY: 9 bytes is too short for HS256"),
            "{warning}"
        );
        assert!(!warning.contains("kkkkkkkkk"), "{warning}");
        // a good key gives no warning, allowed or not
        let mut good = jwt(Algorithm::HS256, 32);
        good.key_rules.allow_weak_key = true;
        assert!(good.weak_key_warning().is_none());
    }

    #[test]
    fn the_loader_names_the_key_in_use_and_warns_only_when_allowed() {
        let load = |pairs: &[(&str, &str)]| {
            super::super::Settings::from_sources(
                None,
                pairs
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
            )
            .unwrap()
        };
        let django = load(&[("SECRET_KEY", "short-key")]);
        assert_eq!(django.jwt.short_hmac_key().unwrap().setting, "SECRET_KEY");
        assert!(django.warnings.is_empty(), "{:?}", django.warnings);
        let long = "s".repeat(64);
        let own = load(&[
            ("SECRET_KEY", long.as_str()),
            ("SIMPLE_JWT__SIGNING_KEY", "short"),
        ]);
        let short = own.jwt.short_hmac_key().unwrap();
        assert_eq!((short.setting, short.bytes), ("SIMPLE_JWT.SIGNING_KEY", 5));
        let allowed = load(&[
            ("SECRET_KEY", "short-key"),
            ("TOKENPAIR__ALLOW_WEAK_KEY", "true"),
        ]);
        assert!(allowed.jwt.require_strong_hmac_key().is_ok());
        assert_eq!(allowed.warnings.len(), 1);
        assert!(
            allowed.warnings[0].starts_with("SECRET_KEY: 9 bytes is too short for HS256"),
            "{:?}",
            allowed.warnings
        );
        assert!(!allowed.warnings[0].contains("short-key"));
    }

    #[test]
    fn only_hmac_keys_have_a_length_rule_and_empty_is_missing() {
        assert!(jwt(Algorithm::RS256, 5).short_hmac_key().is_none());
        assert!(jwt(Algorithm::HS256, 0).short_hmac_key().is_none());
    }

    #[test]
    fn previous_keys_take_every_list_form_and_never_show_a_value() {
        use config::{Value, ValueKind};
        let pem = |n: u8| format!("-----BEGIN PUBLIC KEY-----\nAAA{n}\n-----END PUBLIC KEY-----\n");
        let keys = |raw: ValueKind| {
            previous_keys(&raw).map(|keys| {
                keys.iter()
                    .map(|k| k.expose().to_owned())
                    .collect::<Vec<_>>()
            })
        };
        let both = vec![pem(1).trim().to_owned(), pem(2).trim().to_owned()];
        // concatenated PEM blocks (a `_FILE`, or `cat old*.pem`)
        assert_eq!(keys(ValueKind::String(pem(1) + &pem(2))), Ok(both.clone()));
        // a JSON array in the environment
        let json = serde_json::to_string(&[pem(1), pem(2)]).unwrap();
        assert_eq!(keys(ValueKind::String(json)), Ok(both.clone()));
        // a TOML array
        let array = [pem(1), pem(2)].map(|p| Value::new(None, ValueKind::String(p)));
        assert_eq!(keys(ValueKind::Array(array.to_vec())), Ok(both));
        // HMAC secrets, one per line
        assert_eq!(
            keys(ValueKind::String("old-secret-1\n\nold-secret-2\n".into())),
            Ok(vec!["old-secret-1".to_owned(), "old-secret-2".to_owned()])
        );
        assert_eq!(keys(ValueKind::String(String::new())), Ok(vec![]));
        let broken = keys(ValueKind::String(r#"["secret-value", 3"#.into())).unwrap_err();
        assert!(!broken.contains("secret-value"), "{broken}");
        let unterminated = keys(ValueKind::String("-----BEGIN PUBLIC KEY-----\nAAA".into()));
        assert_eq!(unterminated, Err("PEM block 1 has no END line".to_owned()));
    }

    #[test]
    fn rsa_needs_2048_bits() {
        let message = require_rsa_bits("SIMPLE_JWT.VERIFYING_KEY", Algorithm::PS256, 1024)
            .unwrap_err()
            .0;
        assert!(
            message.starts_with(
                "SIMPLE_JWT.VERIFYING_KEY: a 1024-bit RSA key is too small for PS256 (at least \
                 2048); make a new key pair with: openssl genpkey"
            ),
            "{message}"
        );
        assert!(require_rsa_bits("SIMPLE_JWT.SIGNING_KEY", Algorithm::RS256, 2047).is_err());
        assert!(require_rsa_bits("SIMPLE_JWT.SIGNING_KEY", Algorithm::RS256, 2048).is_ok());
    }
}
