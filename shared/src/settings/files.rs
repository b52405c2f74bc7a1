//! `NAME_FILE`: a secret setting read from a file, as the official database images do
//! (`POSTGRES_PASSWORD_FILE`), so that Docker and Kubernetes secrets, which are files, need no
//! wrapper script. Which settings accept it is each catalogue entry's `from_file`.
//!
//! Environment only: a config file can already be kept as secret as a secret file.

use super::SettingsError;
use std::collections::BTreeMap;
use std::path::Path;

/// The suffix that turns a setting's variable into its file's.
pub const FILE_SUFFIX: &str = "_FILE";

/// One environment value, as the loader merges it: the setting's variable, the value, and
/// where it came from as errors name it (the variable, or `NAME_FILE (path)`).
pub(super) struct EnvValue {
    pub var: String,
    pub value: String,
    pub origin: String,
}

/// Replaces each `NAME_FILE` of `file_variables` by `NAME` with the file's content. Every other
/// variable passes unchanged (including another service's `NAME_FILE`, which, like its `NAME`,
/// this service does not read).
///
/// Rules: the content minus ONE trailing line ending (`\n` or `\r\n`: Docker secrets files
/// usually end with one, and a key must not); an empty variable is as if unset, on either side
/// (as compose's `${X:-}` gives, and as the postgres image treats `POSTGRES_PASSWORD`); both set
/// is an error naming both. Errors name the variable and the path, never the content.
pub(super) fn read_secret_files(
    env: impl IntoIterator<Item = (String, String)>,
    file_variables: &[String],
) -> Result<Vec<EnvValue>, SettingsError> {
    let env: BTreeMap<String, String> = env.into_iter().collect();
    let mut out = Vec::with_capacity(env.len());
    for (var, value) in &env {
        let base = var
            .strip_suffix(FILE_SUFFIX)
            .filter(|base| file_variables.iter().any(|known| known == base));
        match base {
            Some(base) => {
                if value.is_empty() {
                    continue;
                }
                if env.get(base).is_some_and(|direct| !direct.is_empty()) {
                    return Err(SettingsError(format!(
                        "{base} and {var} are both set: set only one"
                    )));
                }
                out.push(EnvValue {
                    var: base.to_owned(),
                    value: read_one(var, Path::new(value))?,
                    origin: format!("{var} ({value})"),
                });
            }
            None => {
                // An empty NAME beside its NAME_FILE gives way to the file.
                let file_var = format!("{var}{FILE_SUFFIX}");
                let from_file = file_variables.contains(var)
                    && env.get(&file_var).is_some_and(|path| !path.is_empty());
                if !(value.is_empty() && from_file) {
                    out.push(EnvValue {
                        var: var.clone(),
                        value: value.clone(),
                        origin: var.clone(),
                    });
                }
            }
        }
    }
    Ok(out)
}

/// The file's text without its one trailing line ending. An empty file gives an empty value,
/// which the setting treats as it treats an empty variable.
fn read_one(var: &str, path: &Path) -> Result<String, SettingsError> {
    let shown = path.display();
    // The io error says what failed (not found, permission denied), never the content.
    let bytes = std::fs::read(path)
        .map_err(|e| SettingsError(format!("{var}: cannot read {shown}: {e}")))?;
    let mut text = String::from_utf8(bytes)
        .map_err(|_| SettingsError(format!("{var}: {shown} is not UTF-8 text")))?;
    if text.ends_with("\r\n") {
        text.truncate(text.len() - 2);
    } else if text.ends_with('\n') {
        text.truncate(text.len() - 1);
    }
    Ok(text)
}

#[cfg(test)]
#[path = "files_tests.rs"]
mod tests;
