//! auth-service's settings: the shared ones (`shared::settings`) plus the sections only this
//! service reads, loaded in one pass by the shared loader. Every `TOKENPAIR` name is this
//! service's to know, so an unknown one is an error (with a "did you mean" hint).

mod accounts;
mod database;
mod hashing;
mod requests;
mod revocation;
mod throttle;

pub use accounts::AccountSettings;
pub use database::{DatabaseSettings, PoolMode};
pub use hashing::HashingSettings;
pub use requests::RequestSettings;
pub use revocation::RevocationSettings;
pub use throttle::{Rate, ThrottleSettings};

use shared::settings::catalogue::{self, Applied, Extension, OURS, RawValue};
use shared::settings::values::Parsed;
use shared::settings::{Settings, SettingsError};
use std::ops::Deref;
use std::path::Path;

/// The shared settings (through `Deref`: `settings.jwt`, `settings.server`) and this service's.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub shared: Settings,
    pub accounts: AccountSettings,
    pub database: DatabaseSettings,
    pub hashing: HashingSettings,
    pub requests: RequestSettings,
    pub revocation: RevocationSettings,
    pub throttle: ThrottleSettings,
}

impl AuthSettings {
    /// Read the optional file (`config_path`, else `$TOKENPAIR_CONFIG`) and the process
    /// environment.
    pub fn load(config_path: Option<&Path>) -> Result<Self, SettingsError> {
        Settings::load_with::<Sections>(config_path).map(Self::assemble)
    }

    /// The same from given parts (tests): TOML text and env pairs.
    pub fn from_sources(
        file: Option<(&str, &str)>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, SettingsError> {
        Settings::from_sources_with::<Sections>(file, env).map(Self::assemble)
    }

    fn assemble((shared, sections): (Settings, Sections)) -> Self {
        let Sections {
            accounts,
            database,
            hashing,
            requests,
            revocation,
            throttle,
        } = sections;
        Self {
            shared,
            accounts,
            database,
            hashing,
            requests,
            revocation,
            throttle,
        }
    }
}

impl Deref for AuthSettings {
    type Target = Settings;

    fn deref(&self) -> &Settings {
        &self.shared
    }
}

impl AsRef<Settings> for AuthSettings {
    fn as_ref(&self) -> &Settings {
        &self.shared
    }
}

/// protected-service is built from the same settings in the demo stack and the tests.
impl From<AuthSettings> for Settings {
    fn from(settings: AuthSettings) -> Self {
        settings.shared
    }
}

/// This service's sections, as the shared loader fills them.
#[derive(Debug, Default)]
struct Sections {
    accounts: AccountSettings,
    database: DatabaseSettings,
    hashing: HashingSettings,
    requests: RequestSettings,
    revocation: RevocationSettings,
    throttle: ThrottleSettings,
}

impl Extension for Sections {
    const KNOWS_ALL_NAMES: bool = true;

    fn apply(
        &mut self,
        table: Option<&str>,
        name: &str,
        raw: &RawValue,
    ) -> Option<Parsed<Applied>> {
        catalogue::apply(&mut self.accounts, table, name, raw)
            .or_else(|| catalogue::apply(&mut self.database, table, name, raw))
            .or_else(|| catalogue::apply(&mut self.hashing, table, name, raw))
            .or_else(|| catalogue::apply(&mut self.requests, table, name, raw))
            .or_else(|| catalogue::apply(&mut self.revocation, table, name, raw))
            .or_else(|| catalogue::apply(&mut self.throttle, table, name, raw))
    }

    fn names() -> Vec<&'static str> {
        let table = OURS;
        catalogue::names::<AccountSettings>(table)
            .chain(catalogue::names::<DatabaseSettings>(table))
            .chain(catalogue::names::<HashingSettings>(table))
            .chain(catalogue::names::<RequestSettings>(table))
            .chain(catalogue::names::<RevocationSettings>(table))
            .chain(catalogue::names::<ThrottleSettings>(table))
            .collect()
    }

    fn file_variables() -> Vec<String> {
        catalogue::file_variables::<AccountSettings>()
            .chain(catalogue::file_variables::<DatabaseSettings>())
            .chain(catalogue::file_variables::<HashingSettings>())
            .chain(catalogue::file_variables::<RequestSettings>())
            .chain(catalogue::file_variables::<RevocationSettings>())
            .chain(catalogue::file_variables::<ThrottleSettings>())
            .collect()
    }
}

// In their own file, with the check of README.md's table against the catalogues.
#[cfg(test)]
mod tests;
