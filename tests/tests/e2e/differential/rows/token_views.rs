//! The token rules of refresh, verify, blacklist and sliding refresh (§2.1).

use super::*;

/// Each side's own token `key` (from its own login: `logins`) posted as `field` to `path`.
async fn own(
    p: &Pair,
    path: &str,
    field: &str,
    logins: (&Value, &Value),
    key: &str,
) -> (Answer, Answer) {
    let token = |login: &Value| login[key].as_str().unwrap().to_owned();
    p.same_each(path, field, &token(logins.0), &token(logins.1))
        .await
}

pub(crate) async fn refresh_rows(ctx: Arc<Ctx>) {
    let Some(p) = Pair::start(&ctx, &[]).await else {
        return;
    };
    let good = payload("refresh", alice());
    let form = refresh_view;
    let t = now();
    let mut rows = invalid_rows(form, &good, Expect::NotValid("Token is invalid"));
    for (claims, message) in [
        (tokens::with(&good, "exp", json!(t - 1)), "Token is expired"),
        (tokens::with(&good, "exp", json!(t)), "Token is expired"),
        (
            tokens::with(&good, "token_type", json!("access")),
            "Token has wrong type",
        ),
        (
            tokens::with(&good, "token_type", json!("sliding")),
            "Token has wrong type",
        ),
        (tokens::without(&good, "token_type"), "Token has no type"),
        (tokens::without(&good, "exp"), "Token has no 'exp' claim"),
    ] {
        rows.push(forged(form, &claims, Expect::NotValid(message)));
    }
    // accepted: float exp, no iat, an integer user id (simplejwt < 5.5.1), no user claim,
    // aud/iss present but not configured, custom claims (copied, ASCII-escaped)
    let mut custom = tokens::with(&good, "custom", json!("Zoë ✓"));
    custom["nested"] = json!({"roles": ["a", "b"], "n": 1.5});
    for claims in [
        tokens::with(&good, "exp", json!(t as f64 + 600.5)),
        tokens::without(&good, "iat"),
        tokens::with(&good, "user_id", json!(user_id("alice"))),
        tokens::without(&good, "user_id"),
        tokens::with(&good, "user_id", json!("")),
        tokens::with(&good, "user_id", json!(0)),
        tokens::with(&tokens::with(&good, "aud", json!("x")), "iss", json!("y")),
        custom,
    ] {
        rows.push(forged(form, &claims, Expect::SameTokens));
    }
    check(&p, rows).await;
    // refresh: user inactive (bob)
    p.same(&form(&forge(&tokens::with(
        &good,
        "user_id",
        json!(user_id("bob").to_string()),
    ))))
    .await
    .assert_401(NO_ACTIVE_ACCOUNT);
    // DELIBERATE (simplejwt master): a deleted user's refresh token. 5.5.1 crashes
    // (DoesNotExist, 500); master and we answer 401 "No active account".
    let deleted = form(&forge(&tokens::with(&good, "user_id", json!("424242"))));
    let (django, ours) = p.both(&deleted).await;
    assert_eq!(django.status, 500, "{}", django.text);
    ours.assert_401(NO_ACTIVE_ACCOUNT);
    // DELIBERATE: a user id that is not a number for the integer primary key: Django 500
    // (ValueError from the ORM); we say the token is not valid.
    let unparsable = form(&forge(&tokens::with(&good, "user_id", json!("abc"))));
    let (django, ours) = p.both(&unparsable).await;
    assert_eq!(django.status, 500, "{}", django.text);
    ours.assert_401(&not_valid("Token is invalid"));
    // DELIBERATE: no jti with the blacklist app installed: Django 500 (KeyError in the
    // blacklist lookup); we say what simplejwt says without the app.
    let jtiless = form(&forge(&tokens::without(&good, "jti")));
    let (django, ours) = p.both(&jtiless).await;
    assert_eq!(django.status, 500, "{}", django.text);
    ours.assert_401(&not_valid("Token has no id"));
    // DELIBERATE: a non-string `iss` (ISSUER not configured): Django 500, ours 401
    let bad_iss = forge(&tokens::with(&good, "iss", json!(123)));
    p.non_string_iss_is_invalid(&form(&bad_iss)).await;
    // verify does not encode: both accept it
    p.same(&Req::form(VERIFY, &[("token", &bad_iss)]))
        .await
        .assert(200, "{}");
    // each side's own login: refresh → a new access token only (no rotation by default)
    let (django, ours) = p.obtain(OBTAIN, "alice", "pw-alice-1").await;
    let (d, o) = own(&p, REFRESH, "refresh", (&django, &ours), "refresh").await;
    assert_eq!(o.json().as_object().unwrap().len(), 1, "{}", d.text);
    // blacklisted (one token, blacklisted on each side's own database)
    let listed = forge(&payload("refresh", alice()));
    p.same(&Req::form(BLACKLIST, &[("refresh", &listed)]))
        .await
        .assert(200, "{}");
    p.same(&form(&listed)).await.assert_401(BLACKLISTED);
    // UPDATE_LAST_LOGIN has no effect on refresh; neither side wrote last_login
    for side in [Side::Django, Side::Ours] {
        assert_eq!(
            count(p.db(side), "auth_user WHERE last_login IS NOT NULL"),
            0
        );
    }
}

pub(crate) async fn verify_and_blacklist_rows(ctx: Arc<Ctx>) {
    let Some(p) = Pair::start(&ctx, &[]).await else {
        return;
    };
    let t = now();
    let blacklist = blacklist_view;
    let good = payload("refresh", alice());
    let mut rows = Vec::new();
    // verify: any type or none, any user (even one that does not exist)
    for claims in [
        good.clone(),
        tokens::with(&good, "token_type", json!("access")),
        tokens::with(&good, "token_type", json!("sliding")),
        tokens::with(&good, "token_type", json!("anything")),
        tokens::without(&good, "token_type"),
        tokens::with(&good, "user_id", json!("424242")),
        tokens::with(&good, "user_id", json!("abc")),
        tokens::without(&good, "user_id"),
    ] {
        rows.push(forged(verify_view, &claims, Expect::Empty));
    }
    for (view, claims, message) in [
        (
            verify_view as View,
            tokens::with(&good, "exp", json!(t - 1)),
            "Token is expired",
        ),
        (
            verify_view,
            tokens::without(&good, "jti"),
            "Token has no id",
        ),
        (
            verify_view,
            tokens::without(&good, "exp"),
            "Token has no 'exp' claim",
        ),
        // blacklist: refresh tokens only, unexpired (refused before any row is read)
        (
            blacklist,
            tokens::with(&good, "token_type", json!("access")),
            "Token has wrong type",
        ),
        (
            blacklist,
            tokens::with(&good, "exp", json!(t - 1)),
            "Token is expired",
        ),
    ] {
        rows.push(forged(view, &claims, Expect::NotValid(message)));
    }
    for view in [verify_view as View, blacklist] {
        rows.extend(invalid_rows(
            view,
            &good,
            Expect::NotValid("Token is invalid"),
        ));
    }
    check(&p, rows).await;
    // blacklist: refresh tokens only; a second time it is already blacklisted
    let (django, ours) = p.obtain(OBTAIN, "alice", "pw-alice-1").await;
    let (d, _) = own(&p, BLACKLIST, "refresh", (&django, &ours), "refresh").await;
    d.assert(200, "{}");
    let (d, _) = own(&p, BLACKLIST, "refresh", (&django, &ours), "refresh").await;
    d.assert_401(BLACKLISTED);
    own(&p, REFRESH, "refresh", (&django, &ours), "refresh")
        .await
        .0
        .assert_401(BLACKLISTED);
    // verify ignores the blacklist unless BLACKLIST_AFTER_ROTATION
    own(&p, VERIFY, "token", (&django, &ours), "refresh")
        .await
        .0
        .assert(200, "{}");
    // the access token of a blacklisted refresh token keeps working
    own(&p, VERIFY, "token", (&django, &ours), "access")
        .await
        .0
        .assert(200, "{}");
    // a token never recorded is blacklisted all the same (its outstanding row made on the fly,
    // the user resolved from the claim, or NULL for a user that does not exist)
    for user in [alice(), json!("424242")] {
        let token = forge(&payload("refresh", user));
        p.same(&blacklist(&token)).await.assert(200, "{}");
        p.same(&Req::form(REFRESH, &[("refresh", &token)]))
            .await
            .assert_401(BLACKLISTED);
    }
    assert_eq!(
        outstanding_rows(p.db(Side::Ours)),
        outstanding_rows(p.db(Side::Django))
    );
    // DELIBERATE: no jti with the blacklist app: Django 500 (KeyError); we answer 401.
    let (django, ours) = p
        .both(&blacklist(&forge(&tokens::without(&good, "jti"))))
        .await;
    assert_eq!(django.status, 500, "{}", django.text);
    ours.assert_401(&not_valid("Token has no id"));
}

pub(crate) async fn sliding_rows(ctx: Arc<Ctx>) {
    let Some(p) = Pair::start(&ctx, &[]).await else {
        return;
    };
    let t = now();
    let refresh = sliding_refresh_view;
    let (django, ours) = p.obtain(SLIDING, "alice", "pw-alice-1").await;
    let (d, o) = own(&p, SLIDING_REFRESH, "token", (&django, &ours), "token").await;
    // jti and refresh_exp kept
    for (before, after) in [(&django, d.json()), (&ours, o.json())] {
        let (_, b) = parts(before["token"].as_str().unwrap());
        let (_, a) = parts(after["token"].as_str().unwrap());
        assert_eq!(
            (&a["jti"], &a["refresh_exp"]),
            (&b["jti"], &b["refresh_exp"])
        );
    }
    let mut good = payload("sliding", alice());
    good["refresh_exp"] = json!(t + 3600);
    let mut rows = invalid_rows(refresh, &good, Expect::NotValid("Token is invalid"));
    for (claims, message) in [
        (
            tokens::with(&good, "refresh_exp", json!(t - 1)),
            "Token 'refresh_exp' claim has expired",
        ),
        (
            tokens::without(&good, "refresh_exp"),
            "Token has no 'refresh_exp' claim",
        ),
        // expired even though refresh_exp is ahead (simplejwt's behaviour, not its docs)
        (tokens::with(&good, "exp", json!(t - 1)), "Token is expired"),
        (
            tokens::with(&good, "token_type", json!("refresh")),
            "Token has wrong type",
        ),
        (
            tokens::with(&good, "token_type", json!("access")),
            "Token has wrong type",
        ),
        (tokens::without(&good, "token_type"), "Token has no type"),
    ] {
        rows.push(forged(refresh, &claims, Expect::NotValid(message)));
    }
    // a forged sliding token with custom claims: all kept
    rows.push(forged(
        refresh,
        &tokens::with(&good, "custom", json!("Zoë")),
        Expect::SameTokens,
    ));
    check(&p, rows).await;
    // DELIBERATE: a non-string `iss` (ISSUER not configured): Django 500, ours 401
    p.non_string_iss_is_invalid(&refresh(&forge(&tokens::with(&good, "iss", json!(123)))))
        .await;
    // a sliding token is not an access token for /protected/ (default AUTH_TOKEN_CLASSES)
    let (d, o) = p
        .each(
            &Req::protected(Some(&format!(
                "Bearer {}",
                django["token"].as_str().unwrap()
            ))),
            &Req::protected(Some(&format!("Bearer {}", ours["token"].as_str().unwrap()))),
        )
        .await;
    p.assert_same("sliding token at /protected/", &d, &o);
    assert_eq!(o.status, 401);
    // DELIBERATE (simplejwt master): sliding refresh checks the user. 5.5.1 refreshes an
    // inactive or deleted user's sliding token; master and we answer 401.
    for user in [json!(user_id("bob").to_string()), json!("424242")] {
        let (django, ours) = p
            .both(&refresh(&forge(&tokens::with(&good, "user_id", user))))
            .await;
        assert_eq!(django.status, 200, "{}", django.text);
        ours.assert_401(NO_ACTIVE_ACCOUNT);
    }
}
