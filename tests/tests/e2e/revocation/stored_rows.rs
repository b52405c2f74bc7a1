//! Outstanding rows that cannot be replayed: stored as `header.payload`, for new rows,
//! through the data migration and through `flushexpiredtokens` for rows Django writes.

use serde_json::json;
use std::sync::Arc;

use super::{ROTATE, execute, texts, unsigned};
use tests::Ctx;
use tests::TestApp;
use tests::bodies::{BLACKLISTED, REFRESH};
use tests::tokens::{forge, parts};

/// Every row we write holds `header.payload`: logins, sliding logins, rotations, and the
/// row made on the fly when a token never recorded is blacklisted.
pub(super) async fn outstanding_rows_carry_no_signature(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[ROTATE[0], ROTATE[1]]);
    let id = app.create_user("kyoko", "contrasenasegura");
    let (refresh, _) = app.obtain("kyoko", "contrasenasegura").await;
    let rotated = app
        .post_form(REFRESH, &[("refresh", &refresh)])
        .await
        .field("refresh");
    let sliding = app
        .post_form(
            "/api/token/sliding/",
            &[("username", "kyoko"), ("password", "contrasenasegura")],
        )
        .await
        .field("token");
    let t = tests::tokens::now();
    let foreign = forge(&json!({
        "token_type": "refresh", "exp": t + 600, "iat": t, "jti": "foreign", "user_id": id.to_string(),
    }));
    app.post_form("/api/token/blacklist/", &[("refresh", &foreign)])
        .await
        .assert(200, "{}");
    let mut stored = texts(
        &app,
        "SELECT token AS t FROM token_blacklist_outstandingtoken ORDER BY id",
    );
    let mut expected: Vec<String> = [&refresh, &rotated, &sliding, &foreign]
        .iter()
        .map(|t| unsigned(t))
        .collect();
    stored.sort();
    expected.sort();
    assert_eq!(stored, expected);
    for row in &stored {
        assert_eq!(row.matches('.').count(), 1, "a signature is stored: {row}");
    }
    // what the rows still serve: the jti lookups
    app.post_form(REFRESH, &[("refresh", &refresh)])
        .await
        .assert_401(BLACKLISTED);
    app.post_form(REFRESH, &[("refresh", &foreign)])
        .await
        .assert_401(BLACKLISTED);
}

/// The migration's version as diesel records it.
const REVOCATION_MIGRATION: &str = "20261203000006";

fn insert_whole_token(app: &TestApp, token: &str, jti: &str) {
    let exp = parts(token).1["exp"].as_i64().unwrap();
    // as simplejwt stores it: the `exp` instant, UTC
    let expires = chrono::DateTime::from_timestamp(exp, 0)
        .expect("exp in range")
        .naive_utc();
    execute(
        app,
        &format!(
            "INSERT INTO token_blacklist_outstandingtoken (token, created_at, expires_at, user_id, jti) \
             VALUES ('{token}', NULL, '{expires}', NULL, '{jti}')"
        ),
    );
}

/// A database from before the migration (a row holding a whole token, the migration not
/// recorded as applied): `migrate` applies it again and strips the signature, nothing else.
pub(super) async fn migration_strips_stored_signatures(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let t = tests::tokens::now();
    let whole = forge(&json!({"token_type": "refresh", "exp": t + 600, "iat": t, "jti": "w1"}));
    insert_whole_token(&app, &whole, "w1");
    execute(
        &app,
        "INSERT INTO token_blacklist_outstandingtoken (token, created_at, expires_at, user_id, jti) \
                   VALUES ('not-a-jwt', NULL, '2100-01-01 00:00:00', NULL, 'odd')",
    );
    execute(
        &app,
        &format!("DELETE FROM __diesel_schema_migrations WHERE version = '{REVOCATION_MIGRATION}'"),
    );
    let url = app.db.url.clone();
    let applied = tokio::task::spawn_blocking(move || tests::db::migrate_applied(&url))
        .await
        .expect("migrate");
    assert_eq!(applied, [REVOCATION_MIGRATION], "{applied:?}");
    assert_eq!(
        texts(
            &app,
            "SELECT token AS t FROM token_blacklist_outstandingtoken ORDER BY jti"
        ),
        ["not-a-jwt".to_owned(), unsigned(&whole)]
    );
    // the row still does its job: blacklisting by jti, refused at refresh
    app.post_form("/api/token/blacklist/", &[("refresh", &whole)])
        .await
        .assert(200, "{}");
    app.post_form(REFRESH, &[("refresh", &whole)])
        .await
        .assert_401(BLACKLISTED);
}

/// simplejwt on the same database writes whole tokens; our `flushexpiredtokens` (run from
/// cron, as simplejwt advises for its own) strips them along with deleting expired rows.
pub(super) async fn flushexpiredtokens_strips_rows_written_whole(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let t = tests::tokens::now();
    let whole = forge(&json!({"token_type": "refresh", "exp": t + 600, "iat": t, "jti": "dj"}));
    insert_whole_token(&app, &whole, "dj");
    ctx.command(auth_service::cli::Command::Flushexpiredtokens)
        .await
        .expect("flushexpiredtokens");
    assert_eq!(
        texts(
            &app,
            "SELECT token AS t FROM token_blacklist_outstandingtoken"
        ),
        [unsigned(&whole)]
    );
}
