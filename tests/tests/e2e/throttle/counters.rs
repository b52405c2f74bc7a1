//! Whose attempts are counted (the client behind a trusted proxy only), where the counts
//! live (the database: one limit for every replica), `off`, and the windows.

use super::*;

pub(super) async fn forwarded_for_from_an_untrusted_peer_is_ignored(ctx: Arc<Ctx>) {
    // trusted proxies that do not include the test client (127.0.0.1)
    let app = ctx.spawn(&[
        ("TOKENPAIR__LOGIN_THROTTLE_USER", "2/min"),
        ("TOKENPAIR__TRUSTED_PROXIES", "10.0.0.0/8, ::1/128"),
    ]);
    app.create_user("alice", "pw-alice-1");
    from(&app, "203.0.113.1", "alice", "x")
        .await
        .assert_401(NO_ACCOUNT);
    from(&app, "203.0.113.2", "alice", "x")
        .await
        .assert_401(NO_ACCOUNT);
    // a fresh spoofed address does not buy a fresh budget: the peer is the client
    assert_throttled(&from(&app, "203.0.113.3", "alice", "x").await, 60);
    let plain = app
        .post_form(OBTAIN, &[("username", "alice"), ("password", "x")])
        .await;
    assert_throttled(&plain, 60);
}

pub(super) async fn only_the_rightmost_untrusted_entry_counts(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[
        ("TOKENPAIR__LOGIN_THROTTLE_USER", "2/min"),
        ("TOKENPAIR__TRUSTED_PROXIES", "127.0.0.1/32, 10.0.0.0/8"),
    ]);
    app.create_user("alice", "pw-alice-1");
    // the client prepends whatever it likes; our proxies (127.0.0.1, then 10.1.2.3) saw
    // 203.0.113.5
    from(&app, "1.1.1.1, 203.0.113.5, 10.1.2.3", "alice", "x")
        .await
        .assert_401(NO_ACCOUNT);
    from(&app, "2.2.2.2, 203.0.113.5", "alice", "x")
        .await
        .assert_401(NO_ACCOUNT);
    assert_throttled(&from(&app, "3.3.3.3,203.0.113.5", "alice", "x").await, 60);
    // garbage after the client's entry ends the walk at the proxy: the proxy pays, not
    // 203.0.113.5 (and not a fresh budget either, the second time)
    from(&app, "203.0.113.5, unknown", "alice", "x")
        .await
        .assert_401(NO_ACCOUNT);
    from(&app, "203.0.113.6, _garbage", "alice", "x")
        .await
        .assert_401(NO_ACCOUNT);
    assert_throttled(&from(&app, "203.0.113.7, nope", "alice", "x").await, 60);
    // an IPv6 client with a port, through the proxy
    from(&app, "[2001:db8::5]:4711", "alice", "x")
        .await
        .assert_401(NO_ACCOUNT);
    // any other address of the same /64 is the same client
    from(&app, "2001:db8::6", "alice", "x")
        .await
        .assert_401(NO_ACCOUNT);
    assert_throttled(&from(&app, "2001:db8::7", "alice", "x").await, 60);
    from(&app, "2001:db8:0:1::7", "alice", "x")
        .await
        .assert_401(NO_ACCOUNT);
}

pub(super) async fn off_turns_both_throttles_off(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[
        ("TOKENPAIR__LOGIN_THROTTLE_USER", "off"),
        ("TOKENPAIR__LOGIN_THROTTLE_IP", "off"),
    ]);
    app.create_user("alice", "pw-alice-1");
    for _ in 0..15 {
        let answer = app
            .post_form(OBTAIN, &[("username", "alice"), ("password", "wrong")])
            .await;
        answer.assert_401(NO_ACCOUNT);
    }
    app.obtain("alice", "pw-alice-1").await;
    assert_eq!(rows(&app), 0, "a throttle that is off counts nothing");
    assert_eq!(logins(&app.client, &app.auth, "throttled").await, 0);
}

pub(super) async fn replicas_on_one_database_share_the_limits(ctx: Arc<Ctx>) {
    let settings = ctx.settings(&[
        ("TOKENPAIR__LOGIN_THROTTLE_USER", "3/min"),
        ("TOKENPAIR__LOGIN_THROTTLE_IP", "6/min"),
        TRUST_LOOPBACK,
    ]);
    let a = ctx.spawn_auth(settings.clone());
    let b = ctx.spawn_auth(settings);
    let app = ctx.spawn(&[]);
    app.create_user("alice", "pw-alice-1");
    let http = client();
    let attacker = Some("203.0.113.20");
    for base in [&a, &b, &a] {
        login(&http, base, OBTAIN, attacker, "alice", "wrong")
            .await
            .assert_401(NO_ACCOUNT);
    }
    for base in [&b, &a] {
        let answer = login(&http, base, OBTAIN, attacker, "alice", "pw-alice-1").await;
        assert_throttled(&answer, 60);
    }
    // per IP: 5 attempts so far from the attacker; one more anywhere, then none
    login(&http, &b, OBTAIN, attacker, "bob", "x")
        .await
        .assert_401(NO_ACCOUNT);
    for base in [&a, &b] {
        let answer = login(&http, base, OBTAIN, attacker, "carol", "x").await;
        assert_throttled(&answer, 60);
    }
    assert_eq!(logins(&http, &a, "throttled").await, 2);
    assert_eq!(logins(&http, &b, "throttled").await, 2);
}

pub(super) async fn concurrent_guesses_cannot_exceed_the_limit(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[
        ("TOKENPAIR__LOGIN_THROTTLE_USER", "3/min"),
        ("TOKENPAIR__WORKERS", "2"),
        TRUST_LOOPBACK,
    ]);
    app.create_user("alice", "pw-alice-1");
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..12 {
        let (http, base) = (app.client.clone(), app.auth.clone());
        tasks.spawn(async move {
            let guess = format!("guess-{n}");
            login(&http, &base, OBTAIN, Some("203.0.113.30"), "alice", &guess).await
        });
    }
    let mut answers = Vec::new();
    while let Some(answer) = tasks.join_next().await {
        answers.push(answer.expect("task"));
    }
    let checked = answers.iter().filter(|a| a.status == 401).count();
    let throttled: Vec<_> = answers.iter().filter(|a| a.status == 429).collect();
    assert_eq!((checked, throttled.len()), (3, 9), "{answers:?}");
    for answer in throttled {
        assert_throttled(answer, 60);
    }
    assert_eq!(logins(&app.client, &app.auth, "failure").await, 3);
}

pub(super) async fn a_window_ends_and_says_one_second(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[("TOKENPAIR__LOGIN_THROTTLE_USER", "1/s"), TRUST_LOOPBACK]);
    app.create_user("alice", "pw-alice-1");
    let me = "203.0.113.40";
    // two failures within one second (retried: a loaded machine may take longer)
    let mut throttled = None;
    for _ in 0..10 {
        from(&app, me, "alice", "x").await.assert_401(NO_ACCOUNT);
        let second = from(&app, me, "alice", "x").await;
        if second.status == 429 {
            throttled = Some(second);
            break;
        }
        second.assert_401(NO_ACCOUNT);
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    let throttled = throttled.expect("never two failures within one second");
    assert_eq!(assert_throttled(&throttled, 1), 1);
    throttled.assert(
        429,
        r#"{"detail":"Request was throttled. Expected available in 1 second."}"#,
    );
    // once the window is over, a new one starts
    tokio::time::sleep(Duration::from_millis(1100)).await;
    from(&app, me, "alice", "x").await.assert_401(NO_ACCOUNT);
}

pub(super) async fn ended_windows_are_pruned(ctx: Arc<Ctx>) {
    let now_ms = chrono::Utc::now().timestamp_millis();
    {
        let mut conn = ctx.db.connect();
        for (bucket, window_end_ms) in [("ended", now_ms - 1_000), ("live", now_ms + 600_000)] {
            tests::db::execute(
                &mut conn,
                &format!(
                    "INSERT INTO tokenpair_login_throttle (bucket, hits, window_end_ms) \
                     VALUES ('{bucket}', 5, {window_end_ms})"
                ),
            );
        }
    }
    // a new process prunes on its first check
    let app = ctx.spawn(&[]);
    app.post_form(OBTAIN, &[("username", "alice"), ("password", "x")])
        .await
        .assert_401(NO_ACCOUNT);
    let left = app
        .db
        .texts("SELECT bucket AS t FROM tokenpair_login_throttle ORDER BY bucket");
    assert!(!left.contains(&"ended".to_owned()), "{left:?}");
    assert!(left.contains(&"live".to_owned()), "{left:?}");
    // the new rows: the per-IP counter and alice's failures, keys of 64 hex digits
    assert_eq!(left.len(), 3, "{left:?}");
    assert!(
        left.iter()
            .filter(|b| *b != "live")
            .all(|b| b.len() == 64 && b.bytes().all(|c| c.is_ascii_hexdigit())),
        "{left:?}"
    );
}
