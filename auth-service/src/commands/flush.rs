use crate::settings::AuthSettings;

use crate::db::{DatabaseTarget, blacklist, revocation_events};
use crate::lifecycle::timestamp;

/// `manage.py flushexpiredtokens`: silent on success, like Django's.
pub fn flush_expired_tokens(settings: &AuthSettings) -> Result<(), String> {
    let target = DatabaseTarget::from_settings(&settings.database)?;
    let mut conn = target.connect().map_err(|e| format!("DATABASE_URL: {e}"))?;
    let deleted = blacklist::flush_expired(&mut conn, timestamp(shared::tokens::now()))
        .map_err(|e| format!("flushexpiredtokens: {e}"))?;
    tracing::info!(deleted, "expired outstanding tokens deleted");
    let now = shared::tokens::now() as i64;
    let keep = shared::revocation::keep_secs(&settings.jwt) as i64;
    let pruned = revocation_events::prune(&mut conn, now, keep)
        .map_err(|e| format!("flushexpiredtokens: {e}"))?;
    tracing::info!(pruned, "revocation feed events no longer needed deleted");
    Ok(())
}
