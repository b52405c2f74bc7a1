//! auth-service behind a real PgBouncer in transaction pooling
//! (`TOKENPAIR__DB_POOL_MODE=transaction`, docs/deployment.md): the whole token
//! lifecycle, and the 20-way rotation race still exactly-once, with ten client
//! connections sharing four server connections. PostgreSQL only.

use serde_json::json;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use tests::bodies::{BLACKLISTED, LOGOUT_ALL, REFRESH, VERIFY};
use tests::db::postgres_admin_url;
use tests::pgbouncer::{PgBouncer, binary_or_skip};
use tests::tokens::parts;
use tests::{Backend, Ctx, e2e, harness::E2e};

pub fn tests() -> Vec<E2e> {
    e2e![
        transaction_pooling_keeps_the_lifecycle,
        transaction_pooling_needs_a_server_statement_timeout
    ]
}

/// Server connections PgBouncer may open per database: fewer than the services' pools.
const SERVER_CONNECTIONS: u32 = 4;

fn database_name(ctx: &Ctx) -> String {
    let url = &ctx.db.url;
    url.rsplit_once('/')
        .map_or(url.as_str(), |(_, name)| name)
        .to_owned()
}

/// PgBouncer in front of this test's database, or `None` (SQLite, or no binary).
fn bouncer(ctx: &Ctx, test: &str) -> Option<PgBouncer> {
    if ctx.backend() == Backend::Sqlite {
        return None;
    }
    let binary = binary_or_skip(test)?;
    Some(PgBouncer::start(
        &binary,
        &postgres_admin_url(),
        SERVER_CONNECTIONS,
    ))
}

/// Every new session on the test database gets the limits a transaction pooler
/// cannot set per session (what docs/deployment.md has operators do per role), and a
/// time zone other than UTC, so that only auth-service's own `SET TIME ZONE 'UTC'`,
/// carried by PgBouncer to each server connection, stores instants right.
fn server_defaults(ctx: &Ctx) {
    let name = database_name(ctx);
    let mut admin = tests::db::connect(&postgres_admin_url());
    for (setting, value) in [
        ("statement_timeout", "5s"),
        ("lock_timeout", "5s"),
        ("timezone", "America/New_York"),
    ] {
        tests::db::execute(
            &mut admin,
            &format!("ALTER DATABASE \"{name}\" SET {setting} = '{value}'"),
        );
    }
}

const THROUGH_BOUNCER: [(&str, &str); 4] = [
    ("TOKENPAIR__DB_POOL_MODE", "transaction"),
    ("SIMPLE_JWT__ROTATE_REFRESH_TOKENS", "true"),
    ("SIMPLE_JWT__BLACKLIST_AFTER_ROTATION", "true"),
    ("TOKENPAIR__DB_POOL_SIZE", "10"),
];

async fn transaction_pooling_keeps_the_lifecycle(ctx: Arc<Ctx>) {
    let Some(bouncer) = bouncer(&ctx, "transaction_pooling_keeps_the_lifecycle") else {
        return;
    };
    server_defaults(&ctx);
    let url = bouncer.url(&database_name(&ctx));
    let mut overrides = THROUGH_BOUNCER.to_vec();
    overrides.push(("DATABASE_URL", &url));
    let app = ctx.spawn(&overrides);
    let second = ctx.spawn_auth(ctx.settings(&overrides));
    let id = app.create_user("kyoko", "contrasenasegura");

    // login, verify, rotation with the old token blacklisted
    let (r1, access) = app.obtain("kyoko", "contrasenasegura").await;
    app.post_form(VERIFY, &[("token", &access)])
        .await
        .assert(200, "{}");
    let rotated = app.post_form(REFRESH, &[("refresh", &r1)]).await;
    assert_eq!(rotated.status, 200, "{}", rotated.text);
    let r2 = rotated.field("refresh");
    app.post_form(REFRESH, &[("refresh", &r1)])
        .await
        .assert_401(BLACKLISTED);

    // the outstanding token's expiry is the token's own `exp`: timestamps still
    // cross as UTC (PgBouncer carries the session's TimeZone to each server connection)
    let jti = parts(&r2).1["jti"].as_str().unwrap_or_default().to_owned();
    let stored = app.db.texts(&format!(
        "SELECT CAST(CAST(EXTRACT(EPOCH FROM expires_at) AS BIGINT) AS TEXT) AS t \
         FROM token_blacklist_outstandingtoken WHERE jti = '{jti}'"
    ));
    assert_eq!(
        stored,
        [parts(&r2).1["exp"].to_string()],
        "expires_at of {jti}"
    );

    // logout-all revokes what was issued before it, on either instance
    let logout = app
        .bearer(
            reqwest::Method::POST,
            &format!("{second}{LOGOUT_ALL}"),
            Some(&access),
        )
        .await;
    logout.assert(200, "{}");
    let refused = app.post_form(REFRESH, &[("refresh", &r2)]).await;
    assert_eq!(refused.status, 401, "{}", refused.text);
    assert_eq!(refused.json()["code"], json!("token_not_valid"));

    // 20 simultaneous refreshes of one token over both instances: exactly one wins
    // (a login in the very second of a logout-all is revoked too: README "Security")
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (fresh, _) = app.obtain("kyoko", "contrasenasegura").await;
    let urls = [
        format!("{}{REFRESH}", app.auth),
        format!("{second}{REFRESH}"),
    ];
    let answers = tests::app::simultaneous_refreshes(&urls, &fresh, 20).await;
    let winners = answers.iter().filter(|a| a.status == 200).count();
    assert_eq!(
        winners,
        1,
        "exactly one winner: {:?}",
        answers
            .iter()
            .map(|a| (a.status, &a.text))
            .collect::<Vec<_>>()
    );
    for loser in answers.iter().filter(|a| a.status != 200) {
        loser.assert_401(BLACKLISTED);
    }
    let fresh_jti = parts(&fresh).1["jti"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        app.db.count(&format!(
            "token_blacklist_blacklistedtoken b JOIN token_blacklist_outstandingtoken o \
             ON o.id = b.token_id WHERE o.jti = '{fresh_jti}'"
        )),
        1
    );
    assert_eq!(
        app.db.count(&format!(
            "token_blacklist_outstandingtoken WHERE user_id = {id}"
        )),
        4,
        "r1, r2, the login after logout-all and the race's one winner, nothing else"
    );

    // it all went through the pooler, which kept to its server connections
    let log = bouncer.log();
    assert!(
        log.contains(&format!("db={}", database_name(&ctx))),
        "no login through PgBouncer:\n{log}"
    );
    // (a backend of one of this test's own closed connections may take a moment to go)
    let mut servers = i64::MAX;
    for _ in 0..50 {
        servers = app.db.count(&format!(
            "pg_stat_activity WHERE datname = '{}' AND pid <> pg_backend_pid()",
            database_name(&ctx)
        ));
        if servers <= i64::from(SERVER_CONNECTIONS) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        (1..=i64::from(SERVER_CONNECTIONS)).contains(&servers),
        "{servers} server connections for 2 × 10 client connections"
    );
}

async fn transaction_pooling_needs_a_server_statement_timeout(ctx: Arc<Ctx>) {
    let Some(bouncer) = bouncer(&ctx, "transaction_pooling_needs_a_server_statement_timeout")
    else {
        return;
    };
    let url = bouncer.url(&database_name(&ctx));
    let settings = ctx.settings(&[
        ("TOKENPAIR__DB_POOL_MODE", "transaction"),
        ("DATABASE_URL", &url),
    ]);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let Err(refused) = auth_service::Application::build(settings, listener) else {
        panic!("auth-service started behind a transaction pooler with no statement_timeout");
    };
    let refused = refused.to_string();
    assert!(
        refused.contains("statement_timeout") && refused.contains("ALTER ROLE"),
        "{refused}"
    );
}
