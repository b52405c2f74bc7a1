//! The loader: the file and the environment merged into layers, then each entry handed to the
//! section whose catalogue names it.

use super::catalogue::{
    self, Applied, Extension, JWT_TABLE, OUR_TABLE, OURS, RawValue, SIMPLE_JWT, did_you_mean,
};
use super::files::{EnvValue, FILE_SUFFIX, read_secret_files};
use super::{
    CookieSettings, FeedSettings, JwksSettings, KeySettings, LogSettings, ServerSettings, Settings,
    SettingsError, simplejwt,
};
use super::{JwtSettings, values};
use config::{Config, ConfigError, File, FileFormat, Map, Source, Value, ValueKind};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Where `load` looks for the file when the caller names none.
const CONFIG_PATH_VAR: &str = "TOKENPAIR_CONFIG";
/// Every top-level key of the file format, whichever service reads it: a config file shared by
/// both services names `DATABASE_URL` though only auth-service reads it.
const TOP_LEVEL: &[&str] = &["DATABASE_URL", "SECRET_KEY", JWT_TABLE, OUR_TABLE];

impl Settings {
    /// Read the optional file (`config_path`, else `$TOKENPAIR_CONFIG`) and the process
    /// environment, for a service with no settings of its own (protected-service).
    pub fn load(config_path: Option<&Path>) -> Result<Settings, SettingsError> {
        Self::load_with::<()>(config_path).map(|(settings, ())| settings)
    }

    /// The same from given parts (tests): TOML text and env pairs.
    pub fn from_sources(
        file: Option<(&str, &str)>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, SettingsError> {
        Self::from_sources_with::<()>(file, env).map(|(settings, ())| settings)
    }

    /// `load` for a service with settings of its own, `X`.
    pub fn load_with<X: Extension>(
        config_path: Option<&Path>,
    ) -> Result<(Settings, X), SettingsError> {
        let path = config_path.map(Path::to_path_buf).or_else(|| {
            std::env::var_os(CONFIG_PATH_VAR)
                .filter(|path| !path.is_empty())
                .map(PathBuf::from)
        });
        let file = match &path {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| SettingsError(format!("config file {}: {e}", path.display())))?;
                Some((path.display().to_string(), text))
            }
            None => None,
        };
        let file = file
            .as_ref()
            .map(|(name, text)| (name.as_str(), text.as_str()));
        Self::from_sources_with(file, process_env()?)
    }

    /// `from_sources` for a service with settings of its own, `X`.
    pub fn from_sources_with<X: Extension>(
        file: Option<(&str, &str)>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(Settings, X), SettingsError> {
        let mut layers = Config::builder();
        if let Some((name, text)) = file {
            let table = File::from_str(text, FileFormat::Toml)
                .collect()
                .map_err(|e| SettingsError(format!("{name}: {}", one_line(&e.to_string()))))?;
            check_file_layout(&table, name)?;
            layers = layers.add_source(Layer(table));
        }
        let env = read_secret_files(env, &Sections::<X>::file_variables())?;
        let merged = layers
            .add_source(Layer(env_layer(env)))
            .build()
            .and_then(|merged| merged.collect())
            .map_err(|e| SettingsError(one_line(&e.to_string())))?;
        Self::from_merged(merged, file.map(|(name, _)| name))
    }

    fn from_merged<X: Extension>(
        merged: Map<String, Value>,
        file_name: Option<&str>,
    ) -> Result<(Settings, X), SettingsError> {
        let mut sections = Sections::<X>::default();
        let mut explicit = BTreeSet::new();
        let mut warnings = Vec::new();
        let mut jwt_entries = BTreeMap::new();
        let mut our_entries = BTreeMap::new();

        // Sorted, so that with several mistakes the same one is reported every time.
        let merged: BTreeMap<String, Value> = merged.into_iter().collect();
        for (key, value) in merged {
            match key.as_str() {
                JWT_TABLE => jwt_entries = table_entries(value),
                OUR_TABLE => our_entries = table_entries(value),
                // The file's keys were checked before the merge, and the environment only
                // brings the top-level keys of the format; one that no section of this
                // service reads (DATABASE_URL in protected-service) is another service's.
                _ => {
                    let at = place(None, &key, &value, file_name);
                    match sections.apply(None, &key, &value.kind) {
                        Some(Ok(Applied::Set)) => {
                            explicit.insert(key);
                        }
                        Some(Ok(Applied::KeptDefault)) | None => {}
                        Some(Err(msg)) => return Err(SettingsError(format!("{at}: {msg}"))),
                    }
                }
            }
        }

        let mut jwt = JwtSettings::default();
        for (name, value) in &jwt_entries {
            let at = place(Some(JWT_TABLE), name, value, file_name);
            let outcome = catalogue::apply(&mut jwt, SIMPLE_JWT, name, &value.kind).or_else(|| {
                simplejwt::apply_other(name, &value.kind).map(|checked| match checked {
                    Ok(()) => Ok(Applied::Set),
                    // `SIMPLE_JWT__X=` (e.g. compose's `${X:-}`) for a name that cannot
                    // be set: as if absent.
                    Err(_) if values::is_empty(&value.kind) => Ok(Applied::KeptDefault),
                    Err(msg) => Err(msg),
                })
            });
            match outcome {
                Some(Ok(Applied::Set)) => {
                    explicit.insert(format!("{JWT_TABLE}.{name}"));
                }
                Some(Ok(Applied::KeptDefault)) => {}
                None => warnings.push(format!(
                    "{at}: unknown simplejwt setting, ignored{}",
                    did_you_mean(name, &simplejwt::names())
                )),
                Some(Err(msg)) => return Err(SettingsError(format!("{at}: {msg}"))),
            }
        }
        jwt.finish(sections.keys.secret_key.as_ref(), &mut warnings)?;

        for (name, value) in &our_entries {
            let at = place(Some(OUR_TABLE), name, value, file_name);
            match sections.apply(OURS, name, &value.kind) {
                Some(Ok(Applied::Set)) => {
                    explicit.insert(format!("{OUR_TABLE}.{name}"));
                }
                Some(Ok(Applied::KeptDefault)) => {}
                Some(Err(msg)) => return Err(SettingsError(format!("{at}: {msg}"))),
                None => {
                    let hint = did_you_mean(name, &Sections::<X>::names());
                    if X::KNOWS_ALL_NAMES || !hint.is_empty() {
                        return Err(SettingsError(format!(
                            "{at}: unknown tokenpair setting{hint}"
                        )));
                    }
                }
            }
        }
        // Refused (unless allowed) where the keys are decoded, for `check` and `serve` alike.
        jwt.key_rules.allow_weak_key = sections.keys.allow_weak_key;
        jwt.previous_verifying_keys = sections.keys.previous_verifying_keys.clone();
        warnings.extend(jwt.weak_key_warning());

        let Sections {
            keys,
            server,
            jwks,
            log,
            feed,
            cookies,
            service,
        } = sections;
        let settings = Settings {
            keys,
            jwt,
            server,
            jwks,
            log,
            feed,
            cookies,
            warnings,
            explicit,
        };
        Ok((settings, service))
    }
}

/// Every section of one service: the shared ones, then the service's own.
#[derive(Default)]
struct Sections<X> {
    keys: KeySettings,
    server: ServerSettings,
    jwks: JwksSettings,
    log: LogSettings,
    feed: FeedSettings,
    cookies: CookieSettings,
    service: X,
}

impl<X: Extension> Sections<X> {
    fn apply(
        &mut self,
        table: Option<&str>,
        name: &str,
        raw: &RawValue,
    ) -> Option<Result<Applied, String>> {
        catalogue::apply(&mut self.keys, table, name, raw)
            .or_else(|| catalogue::apply(&mut self.server, table, name, raw))
            .or_else(|| catalogue::apply(&mut self.jwks, table, name, raw))
            .or_else(|| catalogue::apply(&mut self.log, table, name, raw))
            .or_else(|| catalogue::apply(&mut self.feed, table, name, raw))
            .or_else(|| catalogue::apply(&mut self.cookies, table, name, raw))
            .or_else(|| self.service.apply(table, name, raw))
    }

    /// The `TOKENPAIR` names this service knows.
    fn names() -> Vec<&'static str> {
        let table = OURS;
        catalogue::names::<KeySettings>(table)
            .chain(catalogue::names::<ServerSettings>(table))
            .chain(catalogue::names::<JwksSettings>(table))
            .chain(catalogue::names::<LogSettings>(table))
            .chain(catalogue::names::<FeedSettings>(table))
            .chain(catalogue::names::<CookieSettings>(table))
            .chain(X::names())
            .collect()
    }

    /// The variables that also accept `NAME_FILE`, from every section's catalogue.
    fn file_variables() -> Vec<String> {
        catalogue::file_variables::<KeySettings>()
            .chain(catalogue::file_variables::<JwtSettings>())
            .chain(catalogue::file_variables::<ServerSettings>())
            .chain(catalogue::file_variables::<JwksSettings>())
            .chain(catalogue::file_variables::<LogSettings>())
            .chain(catalogue::file_variables::<FeedSettings>())
            .chain(catalogue::file_variables::<CookieSettings>())
            .chain(X::file_variables())
            .collect()
    }
}

/// The variables protected-service (no extension) reads from `NAME_FILE`.
#[cfg(test)]
pub(super) fn shared_file_variables() -> Vec<String> {
    Sections::<()>::file_variables()
}

/// An already collected layer for the `config` builder, which then does the deep merge (a file
/// table and `SIMPLE_JWT__*` variables combine key by key).
#[derive(Debug, Clone)]
struct Layer(Map<String, Value>);

impl Source for Layer {
    fn clone_into_box(&self) -> Box<dyn Source + Send + Sync> {
        Box::new(self.clone())
    }

    fn collect(&self) -> Result<Map<String, Value>, ConfigError> {
        Ok(self.0.clone())
    }
}

/// The environment as a layer. config's own `Environment` source lowercases every variable
/// name while TOML keys keep their case, so `SIMPLE_JWT__LEEWAY` would never meet
/// `[SIMPLE_JWT] LEEWAY` in the merge. This keeps names exactly as written (as Django does) and
/// makes each value's origin its variable (or `NAME_FILE (path)`), which is how errors name env
/// settings; file values have no origin (`File::from_str`).
fn env_layer(env: Vec<EnvValue>) -> Map<String, Value> {
    let mut root = Map::new();
    let mut tables: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    for EnvValue { var, value, origin } in env {
        let value = Value::new(Some(&origin), ValueKind::String(value));
        match env_key(&var) {
            Some((None, _)) => {
                root.insert(var, value);
            }
            Some((Some(table), name)) => {
                tables
                    .entry(table)
                    .or_default()
                    .insert(name.to_owned(), value);
            }
            None => {}
        }
    }
    for (table, entries) in tables {
        root.insert(table.to_owned(), Value::new(None, entries));
    }
    root
}

/// `(table, name)` for the variables we read; every other variable is ignored.
fn env_key(var: &str) -> Option<(Option<&'static str>, &str)> {
    if var == "DATABASE_URL" || var == "SECRET_KEY" {
        return Some((None, var));
    }
    [JWT_TABLE, OUR_TABLE].into_iter().find_map(|table| {
        let name = var.strip_prefix(table)?.strip_prefix("__")?;
        Some((Some(table), name))
    })
}

fn process_env() -> Result<Vec<(String, String)>, SettingsError> {
    let mut env = Vec::new();
    // `DATABASE_URL_FILE` too: which `NAME_FILE` are read is decided with the catalogues.
    let read = |var: &&str| {
        env_key(var).is_some()
            || var
                .strip_suffix(FILE_SUFFIX)
                .is_some_and(|v| env_key(v).is_some())
    };
    for (var, value) in std::env::vars_os() {
        let Some(var) = var.to_str().filter(read) else {
            continue;
        };
        let value = value
            .into_string()
            .map_err(|_| SettingsError(format!("{var}: value is not valid UTF-8")))?;
        env.push((var.to_owned(), value));
    }
    Ok(env)
}

/// Checked before the merge, which would hide problems: the environment's `SIMPLE_JWT__*` table
/// silently replaces a misplaced `SIMPLE_JWT = "..."`, and config reads a quoted top-level key
/// such as `"SIMPLE_JWT[0]"` as a path into another setting.
fn check_file_layout(table: &Map<String, Value>, file_name: &str) -> Result<(), SettingsError> {
    let mut keys: Vec<&String> = table.keys().collect();
    keys.sort();
    for key in keys {
        if !TOP_LEVEL.contains(&key.as_str()) {
            return Err(SettingsError(format!(
                "{key:?} (in {file_name}): unknown setting{}",
                did_you_mean(key, TOP_LEVEL)
            )));
        }
    }
    for name in [JWT_TABLE, OUR_TABLE] {
        if let Some(value) = table.get(name)
            && !matches!(value.kind, ValueKind::Table(_))
        {
            return Err(SettingsError(format!(
                "{name} (in {file_name}): expected a [{name}] table"
            )));
        }
    }
    Ok(())
}

fn table_entries(value: Value) -> BTreeMap<String, Value> {
    match value.kind {
        ValueKind::Table(entries) => entries.into_iter().collect(),
        _ => BTreeMap::new(),
    }
}

/// A setting as the user wrote it: the variable for env values, the dotted key and the file
/// for file values.
fn place(table: Option<&str>, name: &str, value: &Value, file_name: Option<&str>) -> String {
    if let Some(var) = value.origin() {
        return var.to_owned();
    }
    let file_name = file_name.unwrap_or("the config file");
    match table {
        Some(table) => format!("{table}.{name} (in {file_name})"),
        None => format!("{name} (in {file_name})"),
    }
}

/// toml's parse errors span several lines, with an excerpt of the file that may show a secret;
/// keep the position line and the message.
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|line| {
            let after_line_number = line.trim_start_matches(|c: char| c.is_ascii_digit());
            !line.is_empty() && !after_line_number.trim_start().starts_with('|')
        })
        .collect::<Vec<_>>()
        .join(": ")
}
