//! The settings profiles: rotation + blacklist, audience/issuer, renamed claims, revoke, header types.

use super::*;

pub(crate) const ROTATION: &[(&str, &str)] = &[
    ("SIMPLE_JWT__ROTATE_REFRESH_TOKENS", "true"),
    ("SIMPLE_JWT__BLACKLIST_AFTER_ROTATION", "true"),
];

pub(crate) async fn rotation_and_blacklist_profile(ctx: Arc<Ctx>) {
    let Some(p) = Pair::start(&ctx, ROTATION).await else {
        return;
    };
    let (django, ours) = p.obtain(OBTAIN, "alice", "pw-alice-1").await;
    let (old_d, old_o) = (
        django["refresh"].as_str().unwrap().to_owned(),
        ours["refresh"].as_str().unwrap().to_owned(),
    );
    // rotation: {"access", "refresh"}, the old one blacklisted
    let (d, o) = p.same_each(REFRESH, "refresh", &old_d, &old_o).await;
    let (new_d, new_o) = (d.field("refresh"), o.field("refresh"));
    p.same_each(REFRESH, "refresh", &old_d, &old_o)
        .await
        .0
        .assert_401(BLACKLISTED);
    // verify consults the blacklist with BLACKLIST_AFTER_ROTATION: 400, DRF's shape
    p.same_each(VERIFY, "token", &old_d, &old_o)
        .await
        .0
        .assert(400, r#"{"non_field_errors":["Token is blacklisted"]}"#);
    p.same_each(VERIFY, "token", &new_d, &new_o)
        .await
        .0
        .assert(200, "{}");
    // the new one rotates again
    p.same_each(REFRESH, "refresh", &new_d, &new_o).await;
    // a refresh token never recorded rotates, and is spent
    let forged = forge(&payload("refresh", alice()));
    let request = Req::form(REFRESH, &[("refresh", &forged)]);
    let (d, o) = p.both(&request).await;
    p.assert_same_tokens(&request.describe(), &d, &o);
    p.same(&request).await.assert_401(BLACKLISTED);
    // the same rows on both sides: logins, rotations, blacklist entries
    assert_eq!(
        outstanding_rows(p.db(Side::Ours)),
        outstanding_rows(p.db(Side::Django))
    );
    // DELIBERATE: a non-string `iss` (ISSUER not configured): Django 500, ours 401
    let bad_iss = forge(&tokens::with(
        &payload("refresh", alice()),
        "iss",
        json!(123),
    ));
    p.non_string_iss_is_invalid(&Req::form(REFRESH, &[("refresh", &bad_iss)]))
        .await;
    // DELIBERATE: no jti: Django 500 (KeyError in the blacklist lookup); ours 401.
    let jtiless = forge(&tokens::without(&payload("refresh", alice()), "jti"));
    let (django, ours) = p.both(&Req::form(REFRESH, &[("refresh", &jtiless)])).await;
    assert_eq!(django.status, 500, "{}", django.text);
    ours.assert_401(&not_valid("Token has no id"));
}

/// DELIBERATE: rotation is race-free here. N concurrent refreshes of one refresh token under
/// rotation + blacklist: exactly one of ours succeeds (a UNIQUE blacklist row decides), while
/// simplejwt lets several through (check-then-insert).
pub(crate) async fn rotation_race(ctx: Arc<Ctx>) {
    let Some(p) = Pair::start(&ctx, ROTATION).await else {
        return;
    };
    const N: usize = 8;
    let (django, ours) = p.obtain(OBTAIN, "alice", "pw-alice-1").await;
    let mut winners = Vec::new();
    for (side, token) in [
        (Side::Django, &django["refresh"]),
        (Side::Ours, &ours["refresh"]),
    ] {
        let url = format!("{}{REFRESH}", p.base(side, REFRESH));
        let answers = tests::app::simultaneous_refreshes(&[url], token.as_str().unwrap(), N).await;
        let mut ok = 0;
        for answer in answers {
            match answer.status {
                200 => ok += 1,
                _ => answer.assert_401(BLACKLISTED),
            }
        }
        winners.push(ok);
    }
    eprintln!(
        "rotation race, {N} concurrent refreshes: Django let {} through, ours {}",
        winners[0], winners[1]
    );
    assert!(winners[0] >= 1);
    assert_eq!(winners[1], 1, "exactly one rotation may win");
}

pub(crate) const AUDIENCE: &str = "tokenpair-clients";
pub(crate) const ISSUER: &str = "https://issuer.example";

pub(crate) async fn audience_and_issuer_profile(ctx: Arc<Ctx>) {
    let Some(p) = Pair::start(
        &ctx,
        &[
            ("SIMPLE_JWT__AUDIENCE", AUDIENCE),
            ("SIMPLE_JWT__ISSUER", ISSUER),
        ],
    )
    .await
    else {
        return;
    };
    // aud and iss come last, on every token, and are carried into refreshed access tokens
    let (django, ours) = p.obtain(OBTAIN, "alice", "pw-alice-1").await;
    p.obtain(SLIDING, "alice", "pw-alice-1").await;
    p.same_each(
        REFRESH,
        "refresh",
        django["refresh"].as_str().unwrap(),
        ours["refresh"].as_str().unwrap(),
    )
    .await;
    let mut good = payload("refresh", alice());
    good["aud"] = json!(AUDIENCE);
    good["iss"] = json!(ISSUER);
    let variants = [
        ("as issued", good.clone()),
        (
            "audience in a list",
            tokens::with(&good, "aud", json!(["other", AUDIENCE])),
        ),
        ("no aud", tokens::without(&good, "aud")),
        ("other aud", tokens::with(&good, "aud", json!("other"))),
        (
            "aud list without ours",
            tokens::with(&good, "aud", json!(["a", "b"])),
        ),
        ("empty aud list", tokens::with(&good, "aud", json!([]))),
        ("no iss", tokens::without(&good, "iss")),
        (
            "other iss",
            tokens::with(&good, "iss", json!("https://other.example")),
        ),
        ("aud not a string", tokens::with(&good, "aud", json!(123))),
        ("iss in a list", tokens::with(&good, "iss", json!([ISSUER]))),
    ];
    for (label, payload) in &variants {
        for (path, field) in [(REFRESH, "refresh"), (VERIFY, "token")] {
            let request = Req::form(path, &[(field, &forge(payload))]);
            let (d, o) = p.both(&request).await;
            let what = format!("{label}: {}", request.describe());
            if d.status == 200 && d.text.contains("eyJ") {
                p.assert_same_tokens(&what, &d, &o);
            } else {
                p.assert_same(&what, &d, &o);
            }
        }
        let mut access = payload.clone();
        access["token_type"] = json!("access");
        p.same(&Req::protected(Some(&format!("Bearer {}", forge(&access)))))
            .await;
    }
    // an `iss` that is not a string: with ISSUER configured PyJWT refuses it on decode
    let bad_iss = forge(&tokens::with(&good, "iss", json!(123)));
    for (path, field) in [(REFRESH, "refresh"), (VERIFY, "token")] {
        p.same(&Req::form(path, &[(field, &bad_iss)]))
            .await
            .assert_401(&not_valid("Token is invalid"));
    }
    let mut access = tokens::with(&good, "iss", json!(123));
    access["token_type"] = json!("access");
    p.same(&Req::protected(Some(&format!("Bearer {}", forge(&access)))))
        .await
        .assert_401(
            &json!({"detail": "Given token not valid for any token type", "code": "token_not_valid",
                "messages": [{"token_class": "AccessToken", "token_type": "access", "message": "Token is invalid"}]})
            .to_string(),
        );
}

pub(crate) async fn claim_names_lifetimes_and_last_login_profile(ctx: Arc<Ctx>) {
    let Some(p) = Pair::start(
        &ctx,
        &[
            ("SIMPLE_JWT__ACCESS_TOKEN_LIFETIME", "60"),
            ("SIMPLE_JWT__REFRESH_TOKEN_LIFETIME", "120"),
            ("SIMPLE_JWT__SLIDING_TOKEN_LIFETIME", "30"),
            ("SIMPLE_JWT__SLIDING_TOKEN_REFRESH_LIFETIME", "90"),
            ("SIMPLE_JWT__USER_ID_FIELD", "username"),
            ("SIMPLE_JWT__USER_ID_CLAIM", "sub"),
            ("SIMPLE_JWT__TOKEN_TYPE_CLAIM", "kind"),
            ("SIMPLE_JWT__JTI_CLAIM", "tid"),
            ("SIMPLE_JWT__SLIDING_TOKEN_REFRESH_EXP_CLAIM", "rexp"),
            ("SIMPLE_JWT__UPDATE_LAST_LOGIN", "true"),
            ("SIMPLE_JWT__ROTATE_REFRESH_TOKENS", "true"),
        ],
    )
    .await
    else {
        return;
    };
    let (django, ours) = p.obtain(OBTAIN, "alice", "pw-alice-1").await;
    let (django_sliding, ours_sliding) = p.obtain(SLIDING, "alice", "pw-alice-1").await;
    // each side's refresh token refreshes on the other side too, and its access works there
    let cross = [
        (&django["refresh"], &ours["access"]),
        (&ours["refresh"], &django["access"]),
    ];
    for (refresh, access) in cross {
        let request = Req::form(REFRESH, &[("refresh", refresh.as_str().unwrap())]);
        let (d, o) = p.both(&request).await;
        p.assert_same_tokens(&request.describe(), &d, &o);
        p.same(&Req::protected(Some(&format!(
            "Bearer {}",
            access.as_str().unwrap()
        ))))
        .await
        .assert(200, r#"{"content":"This view is protected"}"#);
    }
    for token in [&django_sliding["token"], &ours_sliding["token"]] {
        let request = Req::form(SLIDING_REFRESH, &[("token", token.as_str().unwrap())]);
        let (d, o) = p.both(&request).await;
        p.assert_same_tokens(&request.describe(), &d, &o);
    }
    // renamed claims: the old names mean nothing
    let t = now();
    let good = json!({"kind": "refresh", "exp": t + 60, "iat": t, "tid": "0123456789abcdef0123456789abcdef", "sub": "alice"});
    for payload in [
        good.clone(),
        tokens::without(&good, "kind"),
        tokens::with(
            &tokens::without(&good, "kind"),
            "token_type",
            json!("refresh"),
        ),
        tokens::without(&good, "sub"),
        tokens::with(&good, "sub", json!("bob")),
        tokens::with(&good, "sub", json!(1)),
    ] {
        let request = Req::form(REFRESH, &[("refresh", &forge(&payload))]);
        let (d, o) = p.both(&request).await;
        if d.status == 200 {
            p.assert_same_tokens(&request.describe(), &d, &o);
        } else {
            p.assert_same(&request.describe(), &d, &o);
        }
    }
    // DELIBERATE: no id claim (here `tid`) with the blacklist app: Django 500 (KeyError);
    // we answer 401 "Token has no id".
    let request = Req::form(
        REFRESH,
        &[("refresh", &forge(&tokens::without(&good, "tid")))],
    );
    let (d, o) = p.both(&request).await;
    assert_eq!(d.status, 500, "{}", d.text);
    o.assert_401(&not_valid("Token has no id"));
    // DELIBERATE (simplejwt master): a user that does not exist: Django 500, ours 401
    let request = Req::form(
        REFRESH,
        &[(
            "refresh",
            &forge(&tokens::with(&good, "sub", json!("nobody"))),
        )],
    );
    let (d, o) = p.both(&request).await;
    assert_eq!(d.status, 500, "{}", d.text);
    o.assert_401(NO_ACTIVE_ACCOUNT);
    // UPDATE_LAST_LOGIN: both sides wrote last_login at login (and only then)
    for side in [Side::Django, Side::Ours] {
        let rows = texts(
            p.db(side),
            "SELECT username AS t FROM auth_user WHERE last_login IS NOT NULL",
        );
        assert_eq!(rows, ["alice"], "{side:?}");
    }
}

pub(crate) async fn revoke_token_profile(ctx: Arc<Ctx>) {
    let Some(p) = Pair::start(&ctx, &[("SIMPLE_JWT__CHECK_REVOKE_TOKEN", "true")]).await else {
        return;
    };
    // hash_password: the same MD5 of the same Django-made hash on both sides
    let (django, ours) = p.obtain(OBTAIN, "alice", "pw-alice-1").await;
    p.same_each(
        REFRESH,
        "refresh",
        django["refresh"].as_str().unwrap(),
        ours["refresh"].as_str().unwrap(),
    )
    .await;
    // the password changes (the same new Django-made hash on both sides)
    let new_hash = texts(
        p.db(Side::Django),
        &format!(
            "SELECT password AS t FROM auth_user WHERE id = {}",
            user_id("zoë")
        ),
    )
    .remove(0);
    for side in [Side::Django, Side::Ours] {
        execute(
            p.db(side),
            &format!(
                "UPDATE auth_user SET password = '{new_hash}' WHERE id = {}",
                user_id("alice")
            ),
        );
    }
    // stateless /protected/ does not check it on either side; verify never does
    for access in [&django["access"], &ours["access"]] {
        p.same(&Req::protected(Some(&format!(
            "Bearer {}",
            access.as_str().unwrap()
        ))))
        .await
        .assert(200, r#"{"content":"This view is protected"}"#);
        p.same(&Req::form(VERIFY, &[("token", access.as_str().unwrap())]))
            .await
            .assert(200, "{}");
    }
    // DELIBERATE (simplejwt master): refresh checks the claim. 5.5.1 keeps refreshing with
    // the old password's token; master and we answer 401 and blacklist the token.
    let (d, o) = p
        .each(
            &Req::form(REFRESH, &[("refresh", django["refresh"].as_str().unwrap())]),
            &Req::form(REFRESH, &[("refresh", ours["refresh"].as_str().unwrap())]),
        )
        .await;
    assert_eq!(d.status, 200, "{}", d.text);
    o.assert_401(r#"{"detail":"The user's password has been changed."}"#);
    let o = p
        .send(
            Side::Ours,
            &Req::form(REFRESH, &[("refresh", ours["refresh"].as_str().unwrap())]),
        )
        .await;
    o.assert_401(BLACKLISTED);
    // DELIBERATE (simplejwt master): a token without the claim is refused the same way.
    let (d, o) = p
        .both(&Req::form(
            REFRESH,
            &[("refresh", &forge(&payload("refresh", alice())))],
        ))
        .await;
    assert_eq!(d.status, 200, "{}", d.text);
    o.assert_401(r#"{"detail":"The user's password has been changed."}"#);
    // a new login gets the new hash's MD5, the same on both sides
    let (django, ours) = p.obtain(OBTAIN, "alice", "pässwörd ✓").await;
    p.same_each(
        REFRESH,
        "refresh",
        django["refresh"].as_str().unwrap(),
        ours["refresh"].as_str().unwrap(),
    )
    .await;
}

pub(crate) async fn header_and_token_class_profile(ctx: Arc<Ctx>) {
    let Some(p) = Pair::start(
        &ctx,
        &[
            ("SIMPLE_JWT__AUTH_HEADER_TYPES", "JWT,Bearer"),
            ("SIMPLE_JWT__AUTH_HEADER_NAME", "HTTP_X_AUTH"),
            (
                "SIMPLE_JWT__AUTH_TOKEN_CLASSES",
                "rest_framework_simplejwt.tokens.AccessToken,rest_framework_simplejwt.tokens.SlidingToken",
            ),
            ("SIMPLE_JWT__LEEWAY", "30"),
        ],
    )
    .await
    else {
        return;
    };
    let t = now();
    let good = payload("access", alice());
    let token = forge(&good);
    let x_auth = |value: &str| Req::new(Method::GET, PROTECTED).header("X-Auth", value);
    let mut requests = vec![
        Req::protected(None),
        Req::protected(Some(&format!("Bearer {token}"))),
        x_auth(&format!("JWT {token}")),
        x_auth(&format!("Bearer {token}")),
        x_auth(&format!("bearer {token}")),
        x_auth("JWT"),
        x_auth("Token abc"),
    ];
    let mut sliding = tokens::with(&good, "token_type", json!("sliding"));
    sliding["refresh_exp"] = json!(t + 600);
    for payload in [
        sliding,
        tokens::with(&good, "token_type", json!("refresh")),
        // LEEWAY: 10 s late is still fine, 60 s is not
        tokens::with(&good, "exp", json!(t - 10)),
        tokens::with(&good, "exp", json!(t - 60)),
        tokens::with(&good, "iat", json!(t + 10)),
        tokens::with(&good, "nbf", json!(t + 10)),
        tokens::with(&good, "iat", json!(t + 60)),
    ] {
        requests.push(x_auth(&format!("JWT {}", forge(&payload))));
    }
    for request in &requests {
        p.same(request).await;
    }
    // the 401s of the token views name the first header type too
    p.same(&Req::form(
        OBTAIN,
        &[("username", "alice"), ("password", "wrong")],
    ))
    .await;
    let late = payload("refresh", alice());
    for payload in [
        tokens::with(&late, "exp", json!(t - 10)),
        tokens::with(&late, "exp", json!(t - 60)),
    ] {
        let request = Req::form(REFRESH, &[("refresh", &forge(&payload))]);
        let (d, o) = p.both(&request).await;
        if d.status == 200 {
            p.assert_same_tokens(&request.describe(), &d, &o);
        } else {
            p.assert_same(&request.describe(), &d, &o);
        }
    }
    // a blacklisted sliding token (no view blacklists one: rows written directly, alike)
    let mut listed = tokens::with(&good, "token_type", json!("sliding"));
    listed["refresh_exp"] = json!(t + 600);
    let jti = listed["jti"].as_str().unwrap().to_owned();
    let listed = forge(&listed);
    for side in [Side::Django, Side::Ours] {
        execute(
            p.db(side),
            &format!(
                "INSERT INTO token_blacklist_outstandingtoken (token, created_at, expires_at, user_id, jti) \
                 VALUES ('{listed}', now(), now() + interval '1 hour', {}, '{jti}')",
                user_id("alice")
            ),
        );
        execute(
            p.db(side),
            &format!(
                "INSERT INTO token_blacklist_blacklistedtoken (blacklisted_at, token_id) \
                 SELECT now(), id FROM token_blacklist_outstandingtoken WHERE jti = '{jti}'"
            ),
        );
    }
    p.same(&Req::form(SLIDING_REFRESH, &[("token", &listed)]))
        .await
        .assert(401, BLACKLISTED);
    // DELIBERATE: protected-service is stateless and has no database, so it cannot see the
    // blacklist: the sliding token stays valid there until it expires. simplejwt's stateless
    // class still looks sliding tokens up in the blacklist when the app is installed.
    let (d, o) = p.both(&x_auth(&format!("JWT {listed}"))).await;
    assert_eq!(d.header("www-authenticate"), Some(r#"JWT realm="api""#));
    d.assert(401, &json!({"detail": "Given token not valid for any token type", "code": "token_not_valid", "messages": [
        {"token_class": "AccessToken", "token_type": "access", "message": "Token has wrong type"},
        {"token_class": "SlidingToken", "token_type": "sliding", "message": "Token is blacklisted"},
    ]}).to_string());
    o.assert(200, r#"{"content":"This view is protected"}"#);
}
