use crate::settings::AuthSettings;

use crate::db::{DatabaseTarget, migrations};

pub fn migrate(settings: &AuthSettings) -> Result<(), String> {
    let target = DatabaseTarget::from_url(settings.database.url.as_ref().map(|s| s.expose()))?;
    let mut conn = target.connect().map_err(|e| format!("DATABASE_URL: {e}"))?;
    let applied = migrations::run(&mut conn)?;
    if applied.is_empty() {
        println!("No migrations to apply.");
    }
    for name in applied {
        println!("  Applying {name}... OK");
    }
    Ok(())
}
