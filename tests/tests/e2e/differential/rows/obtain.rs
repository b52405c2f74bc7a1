//! Logins (§2.1), field validation (§1.1) and what every token view does with any request.

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
    // `Accept: text/html`, `?format=api`: DRF's browsable API, an HTML page on both sides
    super::browsable::pages_show_what_drfs_show(&p).await;
}
