//! One entry per setting: its name, the default and the description the README's table shows,
//! and its parser, side by side so that none can be added or renamed without the others. The
//! loader finds a setting here by name; README.md's table is checked against these entries by a
//! test in auth-service (the one crate that sees every section).

use super::values::{self, Parsed};

/// A setting's value as the file or the environment gave it, before parsing.
pub use config::ValueKind as RawValue;

/// simplejwt's table: `[SIMPLE_JWT]`, `SIMPLE_JWT__<NAME>`.
pub const JWT_TABLE: &str = "SIMPLE_JWT";
/// Ours: `[TOKENPAIR]`, `TOKENPAIR__<NAME>`.
pub const OUR_TABLE: &str = "TOKENPAIR";

/// Where a setting is, as `Setting::table` holds it: a top-level key,
pub const TOP: Option<&str> = None;
/// in simplejwt's table,
pub const SIMPLE_JWT: Option<&str> = Some(JWT_TABLE);
/// or in ours.
pub const OURS: Option<&str> = Some(OUR_TABLE);

/// One setting of the section `S`.
pub struct Setting<S> {
    /// `TOP` (`DATABASE_URL`), `SIMPLE_JWT` or `OURS`.
    pub table: Option<&'static str>,
    /// As written in the table, e.g. `DB_POOL_SIZE`.
    pub name: &'static str,
    /// The default as the README shows it (`5s`, `cores`): documentation, not parsed. The
    /// value itself is the section's `Default`.
    pub default: &'static str,
    /// The README's description.
    pub doc: &'static str,
    /// Parses the value into the section; the error names no setting (the loader does).
    pub apply: fn(&mut S, &RawValue) -> Parsed<()>,
    /// Also read from the file `NAME_FILE` names (env only), as the official database images
    /// do: the secrets, so that they can be Docker or Kubernetes secrets, and the verifying key,
    /// which is not secret but is kept in a file like them. Marked here, on the entry, so the
    /// loader's list of `_FILE` variables is this catalogue's.
    pub from_file: bool,
}

impl<S> Setting<S> {
    /// `table`: `TOP`, `SIMPLE_JWT` or `OURS`.
    pub const fn new(
        table: Option<&'static str>,
        name: &'static str,
        default: &'static str,
        doc: &'static str,
        apply: fn(&mut S, &RawValue) -> Parsed<()>,
    ) -> Self {
        Self {
            table,
            name,
            default,
            doc,
            apply,
            from_file: false,
        }
    }

    /// `new` for a setting that also accepts `NAME_FILE` (see `from_file`).
    pub const fn with_file(
        table: Option<&'static str>,
        name: &'static str,
        default: &'static str,
        doc: &'static str,
        apply: fn(&mut S, &RawValue) -> Parsed<()>,
    ) -> Self {
        let mut setting = Self::new(table, name, default, doc, apply);
        setting.from_file = true;
        setting
    }

    /// The environment variable, as the README names the setting: `TOKENPAIR__WORKERS`.
    pub fn variable(&self) -> String {
        match self.table {
            Some(table) => format!("{table}__{}", self.name),
            None => self.name.to_owned(),
        }
    }
}

/// A group of settings read together (the server's limits, the password hashers, ...): its
/// `Default` is every setting's default, its catalogue every setting.
pub trait Section: Default + Clone + 'static {
    const SETTINGS: &'static [Setting<Self>];
}

/// What `apply` did with an entry.
#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    /// The value is in: the setting counts as set explicitly.
    Set,
    /// An empty value (`TOKENPAIR__X=`, as compose's `${X:-}` gives) for a setting that cannot
    /// be unset: the default stands.
    KeptDefault,
}

/// Applies `raw` to the setting `table.name` of `section`; `None` when the section has no
/// such setting.
pub fn apply<S: Section>(
    section: &mut S,
    table: Option<&str>,
    name: &str,
    raw: &RawValue,
) -> Option<Parsed<Applied>> {
    let setting = S::SETTINGS
        .iter()
        .find(|setting| setting.table == table && setting.name == name)?;
    if values::is_empty(raw) {
        // Tried on a copy: an empty value either means something (unset an optional setting)
        // or leaves the default alone, it is never an error.
        let mut trial = section.clone();
        return Some(Ok(match (setting.apply)(&mut trial, raw) {
            Ok(()) => {
                *section = trial;
                Applied::Set
            }
            Err(_) => Applied::KeptDefault,
        }));
    }
    Some((setting.apply)(section, raw).map(|()| Applied::Set))
}

/// The names of a section's settings in `table`, for "did you mean" hints.
pub fn names<S: Section>(table: Option<&str>) -> impl Iterator<Item = &'static str> {
    S::SETTINGS
        .iter()
        .filter(move |setting| setting.table == table)
        .map(|setting| setting.name)
}

/// The variables of a section's settings that also accept `NAME_FILE` (`SECRET_KEY`, ...).
pub fn file_variables<S: Section>() -> impl Iterator<Item = String> {
    S::SETTINGS
        .iter()
        .filter(|setting| setting.from_file)
        .map(Setting::variable)
}

/// Stores a parsed value: the one line each catalogue entry's parser ends with.
pub fn set<T>(field: &mut T, parsed: Parsed<T>) -> Parsed<()> {
    *field = parsed?;
    Ok(())
}

/// The settings a service reads beyond the shared ones (auth-service: the database, the
/// hashers, revocation, throttling). The shared loader hands it every top-level and `TOKENPAIR`
/// entry its own sections do not know.
pub trait Extension: Default {
    /// Whether every `TOKENPAIR` name is this service's to know. When it is, an unknown name
    /// is an error; when not (protected-service), an unknown name is another service's setting
    /// (a shared config file, the demo stack's environment) and is ignored, unless it is close
    /// to one of ours, which is most likely a typo.
    const KNOWS_ALL_NAMES: bool;

    /// Applies one entry; `None` when it is not this service's.
    fn apply(&mut self, table: Option<&str>, name: &str, raw: &RawValue)
    -> Option<Parsed<Applied>>;

    /// Its `TOKENPAIR` names, for "did you mean" hints.
    fn names() -> Vec<&'static str>;

    /// Its settings' variables that also accept `NAME_FILE` (`file_variables` of each of its
    /// sections). No default: a service with a secret of its own must not forget it.
    fn file_variables() -> Vec<String>;
}

/// A service with no settings of its own: every unknown name belongs to another service.
impl Extension for () {
    const KNOWS_ALL_NAMES: bool = false;

    fn apply(&mut self, _: Option<&str>, _: &str, _: &RawValue) -> Option<Parsed<Applied>> {
        None
    }

    fn names() -> Vec<&'static str> {
        Vec::new()
    }

    fn file_variables() -> Vec<String> {
        Vec::new()
    }
}

/// ` (did you mean NAME?)` for the known name closest to `name`, if any is close (two edits),
/// else nothing.
pub fn did_you_mean(name: &str, known: &[&str]) -> String {
    let upper = name.to_ascii_uppercase();
    known
        .iter()
        .map(|candidate| (edit_distance(&upper, candidate), *candidate))
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| format!(" (did you mean {candidate}?)"))
        .unwrap_or_default()
}

pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}
