//! Revocation that cannot be outrun, and outstanding rows that cannot be replayed
//! (issue 9): logout-all and reuse-detection family revocation racing a client that
//! keeps rotating; the revoked-before rule on `iat` (whole seconds, the revocation's
//! own second revoked too) at refresh and verify; outstanding rows stored as
//! `header.payload`, for new rows, through the data migration and through
//! `flushexpiredtokens` for rows Django writes (`stored_rows`).

mod feed;
mod stored_rows;

use chrono::SubsecRound;
use diesel::RunQueryDsl;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tests::bodies::{BLACKLISTED, REFRESH, REVOKED, VERIFY};
use tests::db::DbConnection;
use tests::tokens::{forge, parts};
use tests::{Answer, Ctx, TestApp, e2e, harness::E2e};

pub fn tests() -> Vec<E2e> {
    e2e![
        logout_all_cannot_be_outrun_by_rotation,
        family_revocation_cannot_be_outrun_by_rotation,
        rotation_waits_for_a_revocation_in_progress,
        revoked_before_rule_on_whole_seconds,
        verify_refuses_tokens_minted_before_logout_all,
        stored_rows::outstanding_rows_carry_no_signature,
        stored_rows::migration_strips_stored_signatures,
        stored_rows::flushexpiredtokens_strips_rows_written_whole,
        feed::logout_all_reaches_protected_service,
        feed::changepassword_reaches_protected_service,
        feed::blacklisted_sliding_token_reaches_protected_service,
        feed::feed_refuses_readers_without_the_secret,
        feed::feed_down_keeps_the_last_state,
        feed::new_protected_service_loads_the_snapshot,
        feed::revocation_on_one_replica_reaches_readers_of_another,
        feed::not_ready_until_the_snapshot,
    ]
}

const ROTATE: [(&str, &str); 4] = [
    ("SIMPLE_JWT__ROTATE_REFRESH_TOKENS", "true"),
    ("SIMPLE_JWT__BLACKLIST_AFTER_ROTATION", "true"),
    ("TOKENPAIR__DB_POOL_SIZE", "10"),
    ("TOKENPAIR__WORKERS", "4"),
];

fn texts(app: &TestApp, sql: &str) -> Vec<String> {
    app.db.texts(sql)
}

fn execute(app: &TestApp, sql: &str) {
    app.db.execute(sql);
}

/// What an outstanding row must hold for a token: its signing input, no signature.
fn unsigned(token: &str) -> String {
    token
        .rsplit_once('.')
        .map(|(input, _)| input.to_owned())
        .expect("a JWS")
}

async fn logout_all(app: &TestApp, access: &str) -> Answer {
    app.logout_all(access).await
}

/// A client that keeps rotating its refresh token until told to stop (or refused);
/// returns the last refresh token it holds.
fn rotate_until(
    app: &TestApp,
    first: String,
    stop: Arc<AtomicBool>,
    rotations: Arc<AtomicUsize>,
) -> tokio::task::JoinHandle<String> {
    let (client, url) = (app.client.clone(), format!("{}{REFRESH}", app.auth));
    tokio::spawn(async move {
        let mut token = first;
        while !stop.load(Ordering::SeqCst) {
            let response = client
                .post(&url)
                .form(&[("refresh", token.as_str())])
                .send()
                .await
                .expect("POST refresh");
            let answer = Answer::read(response).await;
            if answer.status != 200 {
                break;
            }
            token = answer.field("refresh");
            rotations.fetch_add(1, Ordering::SeqCst);
        }
        token
    })
}

/// Whether the next refresh of each chain's last token is refused; returns how many survived.
async fn survivors(app: &TestApp, chains: Vec<tokio::task::JoinHandle<String>>) -> usize {
    let mut survived = 0;
    for chain in chains {
        let last = chain.await.expect("rotating client");
        let answer = app.post_form(REFRESH, &[("refresh", &last)]).await;
        if answer.status == 200 {
            survived += 1;
        } else {
            assert_eq!(answer.status, 401, "{}", answer.text);
            assert_eq!(answer.json()["code"], "token_not_valid", "{}", answer.text);
        }
    }
    survived
}

/// Trial `i` lets the clients rotate a little (0–9 ms) before the revocation lands, so
/// that rotations are in flight at every point of it.
fn head_start(trial: usize) -> Duration {
    Duration::from_millis((trial % 10) as u64)
}

/// Waits until the clients have rotated at least once since `before` (the count when the
/// trial began), so that on a loaded machine too every trial races a rotating chain.
async fn rotating_since(rotations: &AtomicUsize, before: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while rotations.load(Ordering::SeqCst) == before {
        assert!(
            std::time::Instant::now() < deadline,
            "no rotation within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// 30 trials with one rotating chain, then 30 with four: after logout-all answers, the
/// next refresh of every chain's last token is refused. Before the fix 28 of 30 (115 of
/// 120) chains survived.
async fn logout_all_cannot_be_outrun_by_rotation(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&ROTATE);
    let rotations = Arc::new(AtomicUsize::new(0));
    // (chains per trial, chains that survived, chains)
    let mut rounds = Vec::new();
    for (round, chains_per_trial) in [(0, 1), (1, 4)] {
        let (mut survived, mut total) = (0, 0);
        for trial in 0..30 {
            let name = format!("u{round}_{trial}");
            app.create_user(&name, "contrasenasegura");
            let stop = Arc::new(AtomicBool::new(false));
            let mut chains = Vec::new();
            let mut access = String::new();
            let before = rotations.load(Ordering::SeqCst);
            for _ in 0..chains_per_trial {
                let (refresh, a) = app.obtain(&name, "contrasenasegura").await;
                access = a;
                chains.push(rotate_until(&app, refresh, stop.clone(), rotations.clone()));
            }
            rotating_since(&rotations, before).await;
            tokio::time::sleep(head_start(trial)).await;
            logout_all(&app, &access).await.assert(200, "{}");
            stop.store(true, Ordering::SeqCst);
            total += chains.len();
            survived += survivors(&app, chains).await;
        }
        rounds.push((chains_per_trial, survived, total));
    }
    let rotations = rotations.load(Ordering::SeqCst);
    assert!(
        rotations >= 150,
        "the clients hardly rotated ({rotations} rotations): the race was not exercised"
    );
    assert!(
        rounds.iter().all(|&(_, survived, _)| survived == 0),
        "rotating chains survived logout-all, (chains per trial, survived, chains): {rounds:?} \
         ({rotations} rotations)"
    );
}

/// Reuse detection: a rotated token replayed after the grace window revokes its family
/// while the legitimate client keeps rotating that family; no chain survives (30 trials).
async fn family_revocation_cannot_be_outrun_by_rotation(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[
        ROTATE[0],
        ROTATE[1],
        ROTATE[2],
        ROTATE[3],
        ("TOKENPAIR__REUSE_DETECTION", "true"),
        ("TOKENPAIR__REUSE_GRACE", "0s"),
    ]);
    app.create_user("kyoko", "contrasenasegura");
    let rotations = Arc::new(AtomicUsize::new(0));
    let mut survived = 0;
    for trial in 0..30 {
        let (stolen, _) = app.obtain("kyoko", "contrasenasegura").await;
        let answer = app.post_form(REFRESH, &[("refresh", &stolen)]).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        let stop = Arc::new(AtomicBool::new(false));
        let before = rotations.load(Ordering::SeqCst);
        let chain = rotate_until(
            &app,
            answer.field("refresh"),
            stop.clone(),
            rotations.clone(),
        );
        rotating_since(&rotations, before).await;
        tokio::time::sleep(head_start(trial) + Duration::from_millis(2)).await;
        // the thief replays the spent token: refused, and the family is revoked
        app.post_form(REFRESH, &[("refresh", &stolen)])
            .await
            .assert_401(BLACKLISTED);
        stop.store(true, Ordering::SeqCst);
        survived += survivors(&app, vec![chain]).await;
    }
    let rotations = rotations.load(Ordering::SeqCst);
    assert!(
        rotations >= 30,
        "only {rotations} rotations: the race was not exercised"
    );
    assert_eq!(
        survived, 0,
        "{survived} of 30 rotating chains survived their family's revocation ({rotations} rotations)"
    );
}

/// The serialisation itself, made slow on purpose: a revocation (of the user, then of a
/// family) holds its lock and has recorded its time; a rotation that began in a later
/// second (its new token's `iat` later than the revocation, so the time rule alone would
/// let the new token live) must wait for the revocation to commit, then refuse.
async fn rotation_waits_for_a_revocation_in_progress(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[ROTATE[0], ROTATE[1], ("TOKENPAIR__REUSE_DETECTION", "true")]);
    let id = app.create_user("kyoko", "contrasenasegura");
    for by_family in [false, true] {
        let (refresh, _) = app.obtain("kyoko", "contrasenasegura").await;
        let family = parts(&refresh).1["jti"].as_str().unwrap().to_owned();
        let (locked_tx, locked) = tokio::sync::oneshot::channel::<()>();
        let (release, release_rx) = std::sync::mpsc::channel::<()>();
        let db = app.db.clone();
        let revocation = tokio::task::spawn_blocking(move || {
            let mut conn = db.connect();
            let subject = if by_family {
                Subject::Family(&family)
            } else {
                Subject::User(id)
            };
            revocation_in_progress(&mut conn, subject, || {
                let _ = locked_tx.send(());
                let _ = release_rx.recv();
            });
        });
        locked.await.expect("the revocation holds its lock");
        sleep_until_second(tests::tokens::now() + 1).await;
        let rotation = {
            let (client, url) = (app.client.clone(), format!("{}{REFRESH}", app.auth));
            tokio::spawn(async move {
                let response = client
                    .post(url)
                    .form(&[("refresh", refresh.as_str())])
                    .send()
                    .await
                    .expect("POST refresh");
                Answer::read(response).await
            })
        };
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            !rotation.is_finished(),
            "the rotation did not wait for the revocation (by family: {by_family})"
        );
        release.send(()).expect("release");
        revocation.await.expect("revocation");
        rotation.await.expect("rotation").assert_401(REVOKED);
    }
}

#[derive(Debug, Clone, Copy)]
enum Subject<'a> {
    User(i32),
    Family(&'a str),
}

/// A revocation as logout-all (a user) or reuse detection (a family) writes it, held
/// open while `hold` runs, then committed: one write transaction (PostgreSQL: `BEGIN`;
/// SQLite: `BEGIN IMMEDIATE`, the write lock at once), the subject's exclusive advisory
/// lock on PostgreSQL (the keys of auth-service/src/db/revocation.rs: "tp" + 1 for users,
/// + 2 for families), then the revoked-before row stamped with the time taken under it.
fn revocation_in_progress(conn: &mut DbConnection, subject: Subject<'_>, hold: impl FnOnce()) {
    use diesel::sql_types::{Integer, Text, Timestamp};
    const USER_LOCKS: i32 = 0x7470_0001;
    const FAMILY_LOCKS: i32 = 0x7470_0002;
    let postgres = matches!(conn, DbConnection::Postgres(_));
    conn.batch(if postgres { "BEGIN" } else { "BEGIN IMMEDIATE" })
        .expect("begin");
    if postgres {
        let locked = match subject {
            Subject::User(id) => diesel::sql_query("SELECT pg_advisory_xact_lock($1, $2)")
                .bind::<Integer, _>(USER_LOCKS)
                .bind::<Integer, _>(id)
                .execute(conn),
            Subject::Family(family) => {
                diesel::sql_query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
                    .bind::<Integer, _>(FAMILY_LOCKS)
                    .bind::<Text, _>(family)
                    .execute(conn)
            }
        };
        locked.expect("advisory lock");
    }
    // the clock read after the lock, at the microsecond precision both engines store
    let at = chrono::Utc::now().naive_utc().trunc_subsecs(6);
    let recorded = match subject {
        Subject::User(id) => diesel::sql_query(
            "INSERT INTO tokenpair_user_revocation (user_id, revoked_at) VALUES ($1, $2)",
        )
        .bind::<Integer, _>(id)
        .bind::<Timestamp, _>(at)
        .execute(conn),
        Subject::Family(family) => diesel::sql_query(
            "INSERT INTO tokenpair_family_revocation (family, revoked_at) VALUES ($1, $2)",
        )
        .bind::<Text, _>(family)
        .bind::<Timestamp, _>(at)
        .execute(conn),
    };
    recorded.expect("revocation row");
    hold();
    conn.batch("COMMIT").expect("commit");
}

/// The revocation time of a user, whole seconds since the epoch.
fn revoked_second(app: &TestApp, user_id: i32) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Timestamp)]
        revoked_at: chrono::NaiveDateTime,
    }
    let row: Row = diesel::sql_query(format!(
        "SELECT revoked_at FROM tokenpair_user_revocation WHERE user_id = {user_id}"
    ))
    .get_result(&mut app.db.connect())
    .expect("a revocation row");
    row.revoked_at.and_utc().timestamp()
}

async fn sleep_until_second(second: i64) {
    loop {
        let now = chrono::Utc::now();
        if now.timestamp() >= second {
            return;
        }
        let left = (second * 1000 - now.timestamp_millis()).max(1);
        tokio::time::sleep(Duration::from_millis(left as u64 + 20)).await;
    }
}

/// One rule for every token class: revoked when `iat` is not later than the revocation
/// time truncated to the second. A token of the revocation's own second is revoked (the
/// safe side); one of the next second works, and so does a login then.
async fn revoked_before_rule_on_whole_seconds(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let id = app.create_user("kyoko", "contrasenasegura");
    let (_, access) = app.obtain("kyoko", "contrasenasegura").await;
    logout_all(&app, &access).await.assert(200, "{}");
    let second = revoked_second(&app, id);
    let token = |token_type: &str, iat: i64, jti: &str| {
        forge(&json!({
            "token_type": token_type, "exp": iat + 600, "iat": iat, "jti": jti,
            "user_id": id.to_string(),
        }))
    };
    // never recorded, never blacklisted: only the revocation time can refuse these
    for (iat, jti) in [(second - 100, "old"), (second, "same-second")] {
        app.post_form(REFRESH, &[("refresh", &token("refresh", iat, jti))])
            .await
            .assert_401(REVOKED);
        app.post_form(VERIFY, &[("token", &token("access", iat, jti))])
            .await
            .assert_401(REVOKED);
    }
    let sliding = forge(&json!({
        "token_type": "sliding", "exp": second + 300, "iat": second, "jti": "s",
        "refresh_exp": second + 3600, "user_id": id.to_string(),
    }));
    app.post_form("/api/token/sliding/refresh/", &[("token", &sliding)])
        .await
        .assert_401(REVOKED);
    // a token without iat cannot show it is newer: revoked
    let bare = forge(&json!({
        "token_type": "refresh", "exp": second + 600, "jti": "no-iat", "user_id": id.to_string(),
    }));
    app.post_form(REFRESH, &[("refresh", &bare)])
        .await
        .assert_401(REVOKED);

    sleep_until_second(second + 1).await;
    let next = app
        .post_form(
            REFRESH,
            &[("refresh", &token("refresh", second + 1, "next"))],
        )
        .await;
    assert_eq!(next.status, 200, "{}", next.text);
    app.post_form(VERIFY, &[("token", &token("access", second + 1, "next"))])
        .await
        .assert(200, "{}");
    let (refresh, access) = app.obtain("kyoko", "contrasenasegura").await;
    assert!(parts(&refresh).1["iat"].as_i64().unwrap() > second);
    assert_eq!(
        app.post_form(REFRESH, &[("refresh", &refresh)])
            .await
            .status,
        200
    );
    app.post_form(VERIFY, &[("token", &access)])
        .await
        .assert(200, "{}");
    // another user is not concerned
    let other = app.create_user("alice", "pw-alice-1");
    let stranger = forge(&json!({
        "token_type": "refresh", "exp": second + 600, "iat": second - 100, "jti": "a",
        "user_id": other.to_string(),
    }));
    assert_eq!(
        app.post_form(REFRESH, &[("refresh", &stranger)])
            .await
            .status,
        200
    );
}

/// verify answers 401 for every token minted before logout-all (access and refresh),
/// whether or not `BLACKLIST_AFTER_ROTATION` makes it consult the blacklist.
async fn verify_refuses_tokens_minted_before_logout_all(ctx: Arc<Ctx>) {
    for profile in [&[][..], &[ROTATE[0], ROTATE[1]][..]] {
        let app = ctx.spawn(profile);
        let name = format!("kyoko{}", profile.len());
        app.create_user(&name, "contrasenasegura");
        let (refresh, access) = app.obtain(&name, "contrasenasegura").await;
        app.post_form(VERIFY, &[("token", &access)])
            .await
            .assert(200, "{}");
        logout_all(&app, &access).await.assert(200, "{}");
        for token in [&access, &refresh] {
            app.post_form(VERIFY, &[("token", token)])
                .await
                .assert_401(REVOKED);
        }
        // refresh: the token is blacklisted too, and says so as simplejwt would
        app.post_form(REFRESH, &[("refresh", &refresh)])
            .await
            .assert_401(BLACKLISTED);
        // access tokens stay valid at protected-service (stateless) until they expire
        app.protected(Some(&format!("Bearer {access}")))
            .await
            .assert(200, r#"{"content":"This view is protected"}"#);
    }
}
