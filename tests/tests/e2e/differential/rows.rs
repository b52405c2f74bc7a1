//! The default profile: every row of docs/simplejwt.md §2.1, §2.2 and §1.1.

use super::*;

pub(crate) async fn obtain_rows(ctx: Arc<Ctx>) {
    let Some(p) = Pair::start(&ctx, &[]).await else {
        return;
    };
    // §2.1 obtain: wrong password / unknown user / inactive / unusable password / wrong case
    for (username, password) in [
        ("alice", "wrong"),
        ("nobody", "pw-alice-1"),
        ("bob", "pw-bob-1"),
        ("bob", "wrong"),
        ("carol", "anything"),
        ("Alice", "pw-alice-1"),
        // the stored password has spaces around it; simplejwt trims the submitted one
        ("dave", " pw dave "),
        ("dave", "pw dave"),
    ] {
        let answer = p
            .same(&Req::form(
                OBTAIN,
                &[("username", username), ("password", password)],
            ))
            .await;
        answer.assert_401(r#"{"detail":"No active account found with the given credentials"}"#);
    }
    // success: pair, sliding; as form, JSON and multipart; trimmed; Unicode
    p.obtain(OBTAIN, "alice", "pw-alice-1").await;
    p.obtain(OBTAIN, " alice ", " pw-alice-1 ").await;
    p.obtain(OBTAIN, "zoë", "pässwörd ✓").await;
    p.obtain(SLIDING, "alice", "pw-alice-1").await;
    for request in [
        Req::json(
            OBTAIN,
            &json!({"username": "alice", "password": "pw-alice-1"}),
        ),
        Req::multipart(OBTAIN, &[("username", "alice"), ("password", "pw-alice-1")]),
        // extra fields ignored; duplicate keys: the last one wins (form and JSON)
        Req::raw(
            OBTAIN,
            Some("application/json; charset=utf-8"),
            r#"{"username":"bob","username":"alice","password":"pw-alice-1","extra":[1]}"#,
        ),
        Req::raw(
            OBTAIN,
            Some("application/x-www-form-urlencoded"),
            "username=bob&username=alice&password=pw-alice-1&extra=1",
        ),
        // the token views ignore Authorization, even a malformed one
        Req::form(OBTAIN, &[("username", "alice"), ("password", "pw-alice-1")])
            .header("Authorization", "Bearer"),
    ] {
        let (django, ours) = p.both(&request).await;
        p.assert_same_tokens(&request.describe(), &django, &ours);
    }
    // UPDATE_LAST_LOGIN is off by default: neither side wrote last_login
    for side in [Side::Django, Side::Ours] {
        assert_eq!(
            count(p.db(side), "auth_user WHERE last_login IS NOT NULL"),
            0,
            "{side:?}"
        );
    }
    // every login recorded one outstanding token (refresh or sliding), access tokens none
    assert_eq!(
        outstanding_rows(p.db(Side::Ours)),
        outstanding_rows(p.db(Side::Django))
    );
}

pub(crate) async fn field_validation_rows(ctx: Arc<Ctx>) {
    let Some(p) = Pair::start(&ctx, &[]).await else {
        return;
    };
    let json = |v: Value| Req::json(OBTAIN, &v);
    let cases = vec![
        // missing field(s), blank, whitespace-only (§2.1, §1.1)
        Req::form(OBTAIN, &[]),
        Req::form(OBTAIN, &[("username", "alice")]),
        Req::form(OBTAIN, &[("password", "pw-alice-1")]),
        Req::form(OBTAIN, &[("username", "alice"), ("password", "")]),
        Req::form(OBTAIN, &[("username", "   "), ("password", " \t ")]),
        Req::raw(OBTAIN, None, ""),
        Req::raw(OBTAIN, Some("application/json"), ""),
        json(json!({"username": null, "password": null})),
        json(json!({"username": ["alice"], "password": {"a": 1}})),
        json(json!({"username": true, "password": false})),
        // numbers become strings
        json(json!({"username": 123, "password": 4.5})),
        json(json!({"username": "ali\u{0}ce", "password": "pw"})),
        Req::form(OBTAIN, &[("username", "ali\u{0}ce"), ("password", "pw")]),
        Req::raw(
            OBTAIN,
            Some("application/json"),
            r#"{"username":"\ud800","password":"x"}"#,
        ),
        Req::raw(
            OBTAIN,
            Some("application/json"),
            r#"{"username":"a\udfffb","password":"\ud83d"}"#,
        ),
        // JSON values that are not objects
        Req::raw(OBTAIN, Some("application/json"), "null"),
        Req::raw(OBTAIN, Some("application/json"), "[1,2]"),
        Req::raw(OBTAIN, Some("application/json"), "\"alice\""),
        Req::raw(OBTAIN, Some("application/json"), "12"),
        Req::raw(OBTAIN, Some("application/json"), "1.5"),
        Req::raw(OBTAIN, Some("application/json"), "true"),
        // refresh/verify/blacklist/sliding-refresh: missing field
        Req::form(REFRESH, &[]),
        Req::form(VERIFY, &[]),
        Req::form(BLACKLIST, &[]),
        Req::form(SLIDING_REFRESH, &[]),
        Req::form(REFRESH, &[("refresh", "")]),
        Req::json(VERIFY, &json!({"token": null})),
        Req::json(SLIDING_REFRESH, &json!({"token": 12})),
    ];
    for request in cases {
        p.same(&request).await;
    }
}

pub(crate) async fn view_plumbing_on_every_token_view(ctx: Arc<Ctx>) {
    let Some(p) = Pair::start(&ctx, &[]).await else {
        return;
    };
    for path in TOKEN_VIEWS {
        for method in [
            Method::GET,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ] {
            p.same(&Req::new(method, path)).await;
        }
        // HEAD: 405, empty body, and the type GET's body would have had
        let head = p.same(&Req::new(Method::HEAD, path)).await;
        assert_eq!(head.header("content-type"), Some("application/json"));
        for content_type in [
            "text/plain",
            "application/vnd.api+json",
            "application/json-patch+json",
        ] {
            p.same(&Req::raw(path, Some(content_type), "{}")).await;
        }
        // §1.1 Accept: JSON or anything; an unsupported one → 406
        for accept in [
            "application/json",
            "*/*",
            "application/xml",
            "application/json; charset=utf-8",
            "application/*",
            "application/xml, application/json;q=0.1",
            "text/plain, */*;q=0.1",
        ] {
            p.same_as(accept, &Req::form(path, &[]).header("Accept", accept))
                .await;
        }
        // DRF's JSON renderer honours an `indent` parameter of the accepted type
        for accept in [
            "application/json; indent=4",
            "application/json; indent=2",
            "application/json; indent=0",
            "*/*; indent=4",
        ] {
            p.same_as(accept, &Req::form(path, &[]).header("Accept", accept))
                .await;
        }
        // APPEND_SLASH: 301 to the slashed path (empty body typed text/html, as Django)
        let unslashed = p.same(&Req::form(path.trim_end_matches('/'), &[])).await;
        assert_eq!(unslashed.status, 301);
        // malformed JSON: Python's parser writes the message, only the prefix is ours to match
        for text in [
            r#"{"username": "alice", }"#,
            "{",
            r#"{"a":1"#,
            "[1,]",
            "\u{1}",
        ] {
            let (django, ours) = p
                .both(&Req::raw(path, Some("application/json"), text))
                .await;
            assert_eq!((django.status, ours.status), (400, 400), "{path} {text:?}");
            for answer in [&django, &ours] {
                let body = answer.json();
                assert_eq!(body.as_object().unwrap().len(), 1, "{}", answer.text);
                assert!(
                    body["detail"]
                        .as_str()
                        .unwrap()
                        .starts_with("JSON parse error - "),
                    "{path} {text:?}: {}",
                    answer.text
                );
            }
        }
        // NaN/Infinity: Python's json accepts them, DRF then refuses them (exact text)
        for text in [r#"{"a": NaN}"#, r#"{"a": Infinity}"#, r#"{"a": -Infinity}"#] {
            p.same(&Req::raw(path, Some("application/json"), text))
                .await;
        }
    }
    // English only: the reference app, like most, has no LocaleMiddleware
    p.same(&Req::form(OBTAIN, &[]).header("Accept-Language", "de"))
        .await;
    // the security headers of Django's default middleware, on every answer
    let (django, ours) = p.both(&Req::form(OBTAIN, &[])).await;
    for (name, value) in [
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("cross-origin-opener-policy", "same-origin"),
    ] {
        assert_eq!(django.header(name), Some(value), "{name}");
        assert_eq!(ours.header(name), Some(value), "{name}");
    }
    // DELIBERATE: a body over TOKENPAIR__MAX_BODY_BYTES (64 KiB by default) gets 413 from us;
    // Django reads up to DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) and answers as usual.
    let big = "x".repeat(100_000);
    let (django, ours) = p.both(&Req::form(OBTAIN, &[("junk", &big)])).await;
    django.assert(
        400,
        r#"{"username":["This field is required."],"password":["This field is required."]}"#,
    );
    ours.assert(
        413,
        r#"{"detail":"Request body is larger than the limit of 65536 bytes."}"#,
    );
    // DELIBERATE: JSON nested deeper than Python's recursion limit: Django's parser raises
    // RecursionError, which DRF does not catch (500); we answer DRF's parse-error shape.
    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    let (django, ours) = p
        .both(&Req::raw(OBTAIN, Some("application/json"), deep))
        .await;
    assert_eq!(django.status, 500, "{}", django.text);
    assert_eq!(ours.status, 400, "{}", ours.text);
    assert!(
        ours.json()["detail"]
            .as_str()
            .unwrap()
            .starts_with("JSON parse error - "),
        "{}",
        ours.text
    );
    // DELIBERATE: `Accept: text/html` selects DRF's browsable API in Django (an HTML page);
    // we have no browsable API and always answer JSON.
    let request = Req::form(OBTAIN, &[]).header("Accept", "text/html");
    let (django, ours) = p.both(&request).await;
    assert_eq!(django.status, 400);
    assert!(
        django
            .header("content-type")
            .unwrap_or_default()
            .starts_with("text/html"),
        "{:?}",
        django.headers
    );
    ours.assert(
        400,
        r#"{"username":["This field is required."],"password":["This field is required."]}"#,
    );
    assert_eq!(ours.header("content-type"), Some("application/json"));
}

pub(crate) async fn refresh_rows(ctx: Arc<Ctx>) {
    let Some(p) = Pair::start(&ctx, &[]).await else {
        return;
    };
    let good = payload("refresh", alice());
    let form = |token: &str| Req::form(REFRESH, &[("refresh", token)]);
    for (reason, token) in invalid_variants(&good) {
        p.same_as(reason, &form(&token))
            .await
            .assert_401(&not_valid("Token is invalid"));
    }
    let t = now();
    let cases = vec![
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
    ];
    for (payload, message) in cases {
        p.same(&form(&forge(&payload)))
            .await
            .assert_401(&not_valid(message));
    }
    // accepted: float exp, no iat, an integer user id (simplejwt < 5.5.1), no user claim,
    // aud/iss present but not configured, custom claims (copied, ASCII-escaped)
    let mut custom = tokens::with(&good, "custom", json!("Zoë ✓"));
    custom["nested"] = json!({"roles": ["a", "b"], "n": 1.5});
    for payload in [
        tokens::with(&good, "exp", json!(t as f64 + 600.5)),
        tokens::without(&good, "iat"),
        tokens::with(&good, "user_id", json!(user_id("alice"))),
        tokens::without(&good, "user_id"),
        tokens::with(&good, "user_id", json!("")),
        tokens::with(&good, "user_id", json!(0)),
        tokens::with(&tokens::with(&good, "aud", json!("x")), "iss", json!("y")),
        custom,
    ] {
        let request = form(&forge(&payload));
        let (django, ours) = p.both(&request).await;
        p.assert_same_tokens(&request.describe(), &django, &ours);
    }
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
    let (d, o) = p
        .same_each(
            REFRESH,
            "refresh",
            django["refresh"].as_str().unwrap(),
            ours["refresh"].as_str().unwrap(),
        )
        .await;
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
    let verify = |token: &str| Req::form(VERIFY, &[("token", token)]);
    let blacklist = |token: &str| Req::form(BLACKLIST, &[("refresh", token)]);
    let good = payload("refresh", alice());
    // verify: any type or none, any user (even one that does not exist)
    for payload in [
        good.clone(),
        tokens::with(&good, "token_type", json!("access")),
        tokens::with(&good, "token_type", json!("sliding")),
        tokens::with(&good, "token_type", json!("anything")),
        tokens::without(&good, "token_type"),
        tokens::with(&good, "user_id", json!("424242")),
        tokens::with(&good, "user_id", json!("abc")),
        tokens::without(&good, "user_id"),
    ] {
        p.same(&verify(&forge(&payload))).await.assert(200, "{}");
    }
    for (reason, token) in invalid_variants(&good) {
        p.same_as(reason, &verify(&token))
            .await
            .assert_401(&not_valid("Token is invalid"));
    }
    for (payload, message) in [
        (tokens::with(&good, "exp", json!(t - 1)), "Token is expired"),
        (tokens::without(&good, "jti"), "Token has no id"),
        (tokens::without(&good, "exp"), "Token has no 'exp' claim"),
    ] {
        p.same(&verify(&forge(&payload)))
            .await
            .assert_401(&not_valid(message));
    }
    // blacklist: refresh tokens only; a second time it is already blacklisted
    let (django, ours) = p.obtain(OBTAIN, "alice", "pw-alice-1").await;
    let (d, _) = p
        .same_each(
            BLACKLIST,
            "refresh",
            django["refresh"].as_str().unwrap(),
            ours["refresh"].as_str().unwrap(),
        )
        .await;
    d.assert(200, "{}");
    let (d, _) = p
        .same_each(
            BLACKLIST,
            "refresh",
            django["refresh"].as_str().unwrap(),
            ours["refresh"].as_str().unwrap(),
        )
        .await;
    d.assert_401(BLACKLISTED);
    p.same_each(
        REFRESH,
        "refresh",
        django["refresh"].as_str().unwrap(),
        ours["refresh"].as_str().unwrap(),
    )
    .await
    .0
    .assert_401(BLACKLISTED);
    // verify ignores the blacklist unless BLACKLIST_AFTER_ROTATION
    p.same_each(
        VERIFY,
        "token",
        django["refresh"].as_str().unwrap(),
        ours["refresh"].as_str().unwrap(),
    )
    .await
    .0
    .assert(200, "{}");
    // the access token of a blacklisted refresh token keeps working
    p.same_each(
        VERIFY,
        "token",
        django["access"].as_str().unwrap(),
        ours["access"].as_str().unwrap(),
    )
    .await
    .0
    .assert(200, "{}");
    p.same(&blacklist(&forge(&tokens::with(
        &good,
        "token_type",
        json!("access"),
    ))))
    .await
    .assert_401(&not_valid("Token has wrong type"));
    p.same(&blacklist(&forge(&tokens::with(
        &good,
        "exp",
        json!(t - 1),
    ))))
    .await
    .assert_401(&not_valid("Token is expired"));
    for (reason, token) in invalid_variants(&good) {
        p.same_as(reason, &blacklist(&token))
            .await
            .assert_401(&not_valid("Token is invalid"));
    }
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
    let refresh = |token: &str| Req::form(SLIDING_REFRESH, &[("token", token)]);
    let (django, ours) = p.obtain(SLIDING, "alice", "pw-alice-1").await;
    let (d, o) = p
        .same_each(
            SLIDING_REFRESH,
            "token",
            django["token"].as_str().unwrap(),
            ours["token"].as_str().unwrap(),
        )
        .await;
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
    for (reason, token) in invalid_variants(&good) {
        p.same_as(reason, &refresh(&token))
            .await
            .assert_401(&not_valid("Token is invalid"));
    }
    for (payload, message) in [
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
        p.same(&refresh(&forge(&payload)))
            .await
            .assert_401(&not_valid(message));
    }
    // DELIBERATE: a non-string `iss` (ISSUER not configured): Django 500, ours 401
    p.non_string_iss_is_invalid(&refresh(&forge(&tokens::with(&good, "iss", json!(123)))))
        .await;
    // a forged sliding token with custom claims: all kept
    let custom = tokens::with(&good, "custom", json!("Zoë"));
    let request = refresh(&forge(&custom));
    let (d, o) = p.both(&request).await;
    p.assert_same_tokens(&request.describe(), &d, &o);
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

pub(crate) async fn protected_rows(ctx: Arc<Ctx>) {
    let Some(p) = Pair::start(&ctx, &[]).await else {
        return;
    };
    let t = now();
    let good = payload("access", alice());
    let token = forge(&good);
    let bearer = |token: &str| Req::protected(Some(&format!("Bearer {token}")));
    let mut requests = vec![Req::protected(None)];
    // §2.2: headers
    for value in [
        String::new(),
        "   ".to_owned(),
        format!("bearer {token}"),
        format!("JWT {token}"),
        "Basic dXNlcjpwYXNz".to_owned(),
        token.clone(),
        "Bearer".to_owned(),
        "Bearer ".to_owned(),
        format!("Bearer {token} extra"),
        format!("Bearer  {token}"),
        format!("Bearer\t{token}"),
        format!("Bearer {token} "),
        format!(" Bearer {token}"),
    ] {
        requests.push(Req::protected(Some(&value)));
    }
    // §2.2: tokens
    for (reason, token) in invalid_variants(&good) {
        p.same_as(reason, &bearer(&token)).await;
    }
    for payload in [
        good.clone(),
        tokens::with(&good, "token_type", json!("refresh")),
        tokens::with(&good, "token_type", json!("sliding")),
        tokens::with(&good, "exp", json!(t - 1)),
        tokens::with(&good, "exp", json!(t)),
        tokens::without(&good, "exp"),
        tokens::without(&good, "jti"),
        tokens::without(&good, "token_type"),
        tokens::without(&good, "user_id"),
        // stateless: the user is never looked up (unknown, inactive, unparsable id: 200)
        tokens::with(&good, "user_id", json!("424242")),
        tokens::with(&good, "user_id", json!(user_id("bob").to_string())),
        tokens::with(&good, "user_id", json!("abc")),
        tokens::with(&good, "user_id", json!(1)),
        tokens::with(&good, "user_id", json!("")),
        tokens::with(&good, "exp", json!(t as f64 + 60.5)),
        tokens::with(&tokens::with(&good, "aud", json!("x")), "iss", json!("y")),
        tokens::with(&good, "aud", json!(123)),
    ] {
        requests.push(bearer(&forge(&payload)));
    }
    for request in &requests {
        p.same(request).await;
    }
    // a non-string `iss` (ISSUER not configured): not looked at, on both
    p.same(&bearer(&forge(&tokens::with(&good, "iss", json!(123)))))
        .await
        .assert(200, r#"{"content":"This view is protected"}"#);
    // HEAD, POST and OPTIONS on /protected/
    for method in [Method::HEAD, Method::OPTIONS, Method::POST] {
        p.same(&Req::new(method.clone(), PROTECTED)).await;
        p.same(&Req::new(method, PROTECTED).header("Authorization", &format!("Bearer {token}")))
            .await;
    }
    // each side's tokens at the other side's /protected/
    let (django, ours) = p.obtain(OBTAIN, "alice", "pw-alice-1").await;
    for access in [&django["access"], &ours["access"]] {
        p.same(&bearer(access.as_str().unwrap()))
            .await
            .assert(200, r#"{"content":"This view is protected"}"#);
    }
}
