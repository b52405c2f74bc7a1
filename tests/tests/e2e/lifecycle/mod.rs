//! Token lifecycle: verify, blacklist, rotation (race-free), sliding tokens,
//! revocation, reuse detection, logout-all, flushexpiredtokens (docs/simplejwt.md §1.3–1.6,
//! §2.1, §4.3–4.6, §7), one module per feature.

use tests::{Answer, TestApp, e2e, harness::E2e};

mod account;
mod blacklist;
mod rotation;
mod sliding;
mod verify;

pub fn tests() -> Vec<E2e> {
    e2e![
        verify::verify_accepts_any_type_and_ignores_blacklist_by_default,
        verify::verify_consults_blacklist_after_rotation_setting,
        verify::claim_settings_rename_claims,
        verify::leeway_accepts_recently_expired_tokens,
        blacklist::blacklist_view_and_outstanding_rows,
        blacklist::blacklist_of_a_token_never_recorded,
        blacklist::blacklist_switched_off_is_a_no_op,
        blacklist::flushexpiredtokens_deletes_expired_rows,
        rotation::rotation_with_blacklist_spends_the_old_token,
        rotation::concurrent_rotation_has_exactly_one_winner,
        rotation::concurrent_rotation_across_two_instances,
        rotation::reuse_detection_revokes_the_family_after_grace,
        sliding::sliding_tokens,
        sliding::sliding_refresh_errors,
        account::revoked_password_blacklists_on_refresh,
        account::deleted_user_cannot_refresh,
        account::logout_all_revokes_every_refresh_token,
    ]
}

/// A form POST of one token field.
async fn post(app: &TestApp, path: &str, field: &str, token: &str) -> Answer {
    app.post_form(path, &[(field, token)]).await
}

fn count(app: &TestApp, from: &str) -> i64 {
    app.db.count(from)
}

fn execute(app: &TestApp, sql: &str) {
    app.db.execute(sql);
}
