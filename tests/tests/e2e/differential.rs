//! Differential tests: the same requests go to the real Django + DRF + simplejwt 5.5.1 (the
//! reference app, `tests::django`) and to our services, both configured with the same
//! SECRET_KEY and `SIMPLE_JWT__…` profile, each on its own clone of one Django-migrated
//! database (same users, same ids, same Django-made hashes). Status, body and the headers
//! clients read (`WWW-Authenticate`, `Content-Type`, `Allow`, `Location`, `Vary`) must be the
//! same; tokens each side issues must have the same header, the same claims in the same
//! order with the same values (bar `jti` and times, whose offsets must match), byte for byte.
//!
//! Where we differ on purpose the test asserts both answers and names the deviation
//! (`DELIBERATE: …`, see docs/compatibility.md); differences found and not yet fixed are
//! marked `KNOWN DIFFERENCE (reported): …` and assert today's behaviour.
//!
//! Then the shared-database mode (Django's database used by our services and the reverse)
//! on PostgreSQL and SQLite. PostgreSQL only except where a test says otherwise: the
//! reference app's clones live there; on the SQLite half those tests return at once.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use diesel::RunQueryDsl;
use jsonwebtoken::Algorithm;
use reqwest::{Client, Method, RequestBuilder, header};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Instant;

use auth_service::db::{DatabaseTarget, DbConnection, migrations};
use tests::app::{TEST_SECRET_KEY, client};
use tests::django::{
    self, DJANGO_PBKDF2_ITERATIONS, DjangoDb, DjangoServer, DjangoSqlite, USERS, user_id,
};
use tests::tokens::{self, forge, forge_with, now, parts, payload_text};
use tests::{Answer, Backend, Ctx, TestApp, e2e_django, harness::E2e};

pub fn tests() -> Vec<E2e> {
    e2e_django![
        obtain_rows,
        field_validation_rows,
        view_plumbing_on_every_token_view,
        refresh_rows,
        verify_and_blacklist_rows,
        sliding_rows,
        protected_rows,
        rotation_and_blacklist_profile,
        rotation_race,
        audience_and_issuer_profile,
        claim_names_lifetimes_and_last_login_profile,
        revoke_token_profile,
        header_and_token_class_profile,
        shared_postgres_database,
        shared_sqlite_database,
        django_adopts_our_database,
    ]
}

const OBTAIN: &str = "/api/token/";
const REFRESH: &str = "/api/token/refresh/";
const VERIFY: &str = "/api/token/verify/";
const BLACKLIST: &str = "/api/token/blacklist/";
const SLIDING: &str = "/api/token/sliding/";
const SLIDING_REFRESH: &str = "/api/token/sliding/refresh/";
const PROTECTED: &str = "/protected/";
const TOKEN_VIEWS: [&str; 6] = [OBTAIN, REFRESH, VERIFY, BLACKLIST, SLIDING, SLIDING_REFRESH];

const HS256: &str = r#"{"alg":"HS256","typ":"JWT"}"#;
const BLACKLISTED: &str = r#"{"detail":"Token is blacklisted","code":"token_not_valid"}"#;
const NO_ACTIVE_ACCOUNT: &str = r#"{"detail":"No active account found for the given token."}"#;

/// The headers compared besides status and body.
const COMPARED_HEADERS: [&str; 9] = [
    "www-authenticate",
    "content-type",
    "allow",
    "location",
    "vary",
    "x-frame-options",
    "x-content-type-options",
    "referrer-policy",
    "cross-origin-opener-policy",
];

fn not_valid(message: &str) -> String {
    json!({"detail": message, "code": "token_not_valid"}).to_string()
}

// ---------------------------------------------------------------------------------------
// Requests, sent alike to both sides
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Body {
    Empty,
    Form(Vec<(String, String)>),
    Multipart(Vec<(String, String)>),
    Raw(Option<String>, Vec<u8>),
}

#[derive(Clone, Debug)]
struct Req {
    method: Method,
    path: String,
    headers: Vec<(String, String)>,
    body: Body,
}

fn owned(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

impl Req {
    fn new(method: Method, path: &str) -> Self {
        Self {
            method,
            path: path.to_owned(),
            headers: Vec::new(),
            body: Body::Empty,
        }
    }

    /// A urlencoded POST.
    fn form(path: &str, fields: &[(&str, &str)]) -> Self {
        Self {
            body: Body::Form(owned(fields)),
            ..Self::new(Method::POST, path)
        }
    }

    fn multipart(path: &str, fields: &[(&str, &str)]) -> Self {
        Self {
            body: Body::Multipart(owned(fields)),
            ..Self::new(Method::POST, path)
        }
    }

    /// A POST with this body text and Content-Type (none: no header).
    fn raw(path: &str, content_type: Option<&str>, body: impl Into<Vec<u8>>) -> Self {
        Self {
            body: Body::Raw(content_type.map(str::to_owned), body.into()),
            ..Self::new(Method::POST, path)
        }
    }

    fn json(path: &str, body: &Value) -> Self {
        Self::raw(path, Some("application/json"), body.to_string())
    }

    /// `GET /protected/` with this `Authorization` value.
    fn protected(authorization: Option<&str>) -> Self {
        let request = Self::new(Method::GET, PROTECTED);
        match authorization {
            Some(value) => request.header("Authorization", value),
            None => request,
        }
    }

    fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    fn build(&self, client: &Client, base: &str) -> RequestBuilder {
        let mut request = client.request(self.method.clone(), format!("{base}{}", self.path));
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        match &self.body {
            Body::Empty => request,
            Body::Form(fields) => request.form(fields),
            Body::Multipart(fields) => {
                let mut form = reqwest::multipart::Form::new();
                for (name, value) in fields {
                    form = form.text(name.clone(), value.clone());
                }
                request.multipart(form)
            }
            Body::Raw(content_type, bytes) => {
                let request = request.body(bytes.clone());
                match content_type {
                    Some(ct) => request.header(header::CONTENT_TYPE, ct),
                    None => request,
                }
            }
        }
    }

    fn describe(&self) -> String {
        let mut text = format!(
            "{} {} {:?} {:?}",
            self.method, self.path, self.headers, self.body
        );
        if text.len() > 400 {
            let mut end = 400;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
            text.push('…');
        }
        text
    }
}

// ---------------------------------------------------------------------------------------
// The two sides
// ---------------------------------------------------------------------------------------

/// Django and ours with one settings profile, each on its own clone of the template.
struct Pair {
    django: DjangoServer,
    ours: TestApp,
    client: Client,
    django_db: DjangoDb,
    our_db: DjangoDb,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Django,
    Ours,
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("{e}"),
    }
}

fn connect(url: &str) -> DbConnection {
    DatabaseTarget::from_url(Some(url))
        .and_then(|t| t.connect().map_err(|e| e.to_string()))
        .unwrap_or_else(|e| panic!("connect {url}: {e}"))
}

/// Our migrations on `url`; the names applied.
fn migrate_ours(url: &str) -> Vec<String> {
    migrations::run(&mut connect(url)).expect("our migrations")
}

fn execute(url: &str, sql: &str) {
    diesel::sql_query(sql)
        .execute(&mut connect(url))
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// One text column of every row of `sql` (which names it `t`).
fn texts(url: &str, sql: &str) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        t: String,
    }
    diesel::sql_query(sql)
        .load::<Row>(&mut connect(url))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|r| r.t)
        .collect()
}

fn count(url: &str, from: &str) -> i64 {
    texts(
        url,
        &format!("SELECT CAST(COUNT(*) AS TEXT) AS t FROM {from}"),
    )[0]
    .parse()
    .expect("count")
}

/// The outstanding-token rows of one side, in insertion order, as what must match between
/// sides: each row's `jti` and `expires_at` must be its token's `jti` and `exp`; then its
/// user, whether `created_at` is set, the token's type and whether it is blacklisted.
fn outstanding_rows(url: &str) -> Vec<String> {
    let rows = texts(
        url,
        "SELECT coalesce(CAST(o.user_id AS TEXT), 'NULL') || ' ' || \
                CASE WHEN o.created_at IS NULL THEN 'uncreated' ELSE 'created' END || ' ' || \
                CASE WHEN b.id IS NULL THEN 'outstanding' ELSE 'blacklisted' END || ' ' || \
                CAST(CAST(EXTRACT(EPOCH FROM o.expires_at) AS BIGINT) AS TEXT) || ' ' || \
                o.jti || ' ' || o.token AS t \
           FROM token_blacklist_outstandingtoken o \
           LEFT JOIN token_blacklist_blacklistedtoken b ON b.token_id = o.id ORDER BY o.id",
    );
    rows.iter()
        .map(|row| {
            let fields: Vec<&str> = row.split(' ').collect();
            let (_, claims) = parts(fields[5]);
            assert_eq!(
                claims["exp"],
                json!(fields[3].parse::<i64>().unwrap()),
                "{row}"
            );
            assert_eq!(claims["jti"], json!(fields[4]), "{row}");
            format!(
                "user={} {} {} {}",
                fields[0], fields[1], fields[2], claims["token_type"]
            )
        })
        .collect()
}

/// Our settings for a differential run: the profile, our database, Django 5.2's iterations.
fn our_settings<'a>(profile: &[(&'a str, &'a str)], url: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut settings = profile.to_vec();
    settings.push(("DATABASE_URL", url));
    settings.push(("TOKENPAIR__PBKDF2_ITERATIONS", DJANGO_PBKDF2_ITERATIONS));
    settings
}

impl Pair {
    /// Both sides with `profile`; `None` on the SQLite half (the reference app's databases
    /// are PostgreSQL clones).
    async fn start(ctx: &Ctx, profile: &[(&str, &str)]) -> Option<Pair> {
        if ctx.backend() == Backend::Sqlite {
            return None;
        }
        let started = Instant::now();
        let owned_profile = owned(profile);
        let (django_db, our_db, django) = blocking(move || {
            let django_db = DjangoDb::clone_template();
            let our_db = DjangoDb::clone_template();
            // our migrations on a Django database: they must change nothing Django relies on
            migrate_ours(&our_db.url);
            let settings: Vec<(&str, &str)> = owned_profile
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let django = DjangoServer::start(&django_db.url, &settings);
            (django_db, our_db, django)
        })
        .await;
        let ours = ctx.spawn(&our_settings(profile, &our_db.url));
        eprintln!(
            "differential: profile {profile:?}: Django up in {:.2?}, both sides ready in {:.2?}",
            django.start_time,
            started.elapsed()
        );
        Some(Pair {
            django,
            ours,
            client: client(),
            django_db,
            our_db,
        })
    }

    fn base(&self, side: Side, path: &str) -> &str {
        match side {
            Side::Django => &self.django.url,
            Side::Ours if path.starts_with(PROTECTED) => &self.ours.protected,
            Side::Ours => &self.ours.auth,
        }
    }

    fn db(&self, side: Side) -> &str {
        match side {
            Side::Django => &self.django_db.url,
            Side::Ours => &self.our_db.url,
        }
    }

    async fn send(&self, side: Side, request: &Req) -> Answer {
        let response = request
            .build(&self.client, self.base(side, &request.path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{side:?}: {}: {e}", request.describe()));
        Answer::read(response).await
    }

    /// The same request to Django, then to ours.
    async fn both(&self, request: &Req) -> (Answer, Answer) {
        (
            self.send(Side::Django, request).await,
            self.send(Side::Ours, request).await,
        )
    }

    /// Each side its own request (their own tokens), Django first.
    async fn each(&self, django: &Req, ours: &Req) -> (Answer, Answer) {
        (
            self.send(Side::Django, django).await,
            self.send(Side::Ours, ours).await,
        )
    }

    /// Same status, body and compared headers; returns our answer.
    async fn same(&self, request: &Req) -> Answer {
        self.same_as("", request).await
    }

    /// [`Pair::same`], the failure message led by `label`.
    async fn same_as(&self, label: &str, request: &Req) -> Answer {
        let (django, ours) = self.both(request).await;
        self.assert_same(&format!("{label} {}", request.describe()), &django, &ours);
        ours
    }

    fn assert_same(&self, what: &str, django: &Answer, ours: &Answer) {
        self.assert_same_except(what, django, ours, &[]);
    }

    /// [`Pair::assert_same`] but for the headers in `except`.
    fn assert_same_except(&self, what: &str, django: &Answer, ours: &Answer, except: &[&str]) {
        let log = if django.status >= 500 {
            format!("\nDjango's log:\n{}", tail(&self.django.log()))
        } else {
            String::new()
        };
        assert_eq!(
            (ours.status, ours.text.as_str()),
            (django.status, django.text.as_str()),
            "{what}: ours (left) differs from Django (right){log}"
        );
        assert_same_headers(what, django, ours, except);
    }

    /// DELIBERATE: a token whose `iss` is not a string while ISSUER is not configured, at a
    /// view that issues a token from it (refresh, rotation, sliding refresh, blacklist).
    /// PyJWT does not look at `iss` on decode, then refuses to encode the new token that
    /// carries it over (TypeError: Django 500); we answer 401 "Token is invalid", our
    /// documented answer to Django's 500s.
    async fn non_string_iss_is_invalid(&self, request: &Req) {
        let (django, ours) = self.both(request).await;
        assert_eq!(django.status, 500, "{}", django.text);
        assert!(
            self.django
                .log()
                .contains("TypeError: Issuer (iss) must be a string."),
            "{}",
            tail(&self.django.log())
        );
        ours.assert_401(r#"{"detail":"Token is invalid","code":"token_not_valid"}"#);
    }

    /// A 200 whose JSON has the same keys in the same order, every token of the same shape.
    fn assert_same_tokens(&self, what: &str, django: &Answer, ours: &Answer) {
        assert_eq!(
            (django.status, ours.status),
            (200, 200),
            "{what}: Django {} / ours {}",
            django.text,
            ours.text
        );
        let (d, o) = (django.json(), ours.json());
        let keys = |v: &Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
        assert_eq!(keys(&o), keys(&d), "{what}: keys");
        for key in keys(&d) {
            assert_same_token(
                &format!("{what}: {key}"),
                d[&key].as_str().unwrap(),
                o[&key].as_str().unwrap(),
            );
        }
        assert_same_headers(what, django, ours, &[]);
    }

    /// Both sides log `username` in; their answers are compared; (Django's, ours).
    async fn obtain(&self, path: &str, username: &str, password: &str) -> (Value, Value) {
        let request = Req::form(path, &[("username", username), ("password", password)]);
        let (django, ours) = self.both(&request).await;
        self.assert_same_tokens(&request.describe(), &django, &ours);
        (django.json(), ours.json())
    }

    /// Each side posts its own token in `field` to `path`; the answers must be the same
    /// (200s that carry tokens: the same shape of tokens).
    async fn same_each(
        &self,
        path: &str,
        field: &str,
        django: &str,
        ours: &str,
    ) -> (Answer, Answer) {
        let (d, o) = self
            .each(
                &Req::form(path, &[(field, django)]),
                &Req::form(path, &[(field, ours)]),
            )
            .await;
        let what = format!("POST {path} with each side's own {field}");
        if d.status == 200 && d.text.contains("eyJ") {
            self.assert_same_tokens(&what, &d, &o);
        } else {
            self.assert_same(&what, &d, &o);
        }
        (d, o)
    }
}

/// The compared headers but those in `except` are the same.
#[track_caller]
fn assert_same_headers(what: &str, django: &Answer, ours: &Answer, except: &[&str]) {
    for name in COMPARED_HEADERS.into_iter().filter(|h| !except.contains(h)) {
        assert_eq!(
            ours.header(name),
            django.header(name),
            "{what}: header {name}: ours (left) differs from Django (right)"
        );
    }
}

fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

fn is_jti(value: &Value) -> bool {
    value.as_str().is_some_and(|s| {
        s.len() == 32
            && s.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    })
}

/// Two tokens issued the same way by Django and by us: the same JOSE header text; the same
/// claims in the same order; equal values except ids (32 lowercase hex each) and times, whose
/// offsets from `iat` must match (±2 s: the two sides issue at different instants, simplejwt
/// reads the clock twice when refreshing, and a sliding token keeps its first `refresh_exp`); and
/// the same payload bytes once those values are swapped in (compact, ASCII-escaped JSON).
#[track_caller]
fn assert_same_token(what: &str, django: &str, ours: &str) {
    let (django_header, d) = parts(django);
    let (our_header, o) = parts(ours);
    assert_eq!(our_header, django_header, "{what}: JOSE header");
    let (d, o) = (d.as_object().unwrap(), o.as_object().unwrap());
    let keys = |m: &serde_json::Map<String, Value>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(o), keys(d), "{what}: claims and their order");
    let iat = |m: &serde_json::Map<String, Value>| m.get("iat").and_then(Value::as_f64);
    let mut our_text = payload_text(ours);
    for (name, dv) in d {
        let ov = &o[name];
        if dv == ov {
            continue;
        }
        if dv.is_number() && ov.is_number() {
            if let (Some(di), Some(oi)) = (iat(d), iat(o)) {
                let offset = |v: &Value, base: f64| v.as_f64().unwrap() - base;
                let diff = (offset(ov, oi) - offset(dv, di)).abs();
                assert!(diff <= 2.0, "{what}: {name} is {ov} (ours) / {dv} (Django)");
            }
        } else {
            assert!(
                is_jti(dv) && is_jti(ov),
                "{what}: claim {name}: ours {ov} / Django {dv}"
            );
        }
        our_text = our_text.replacen(&format!("\"{name}\":{ov}"), &format!("\"{name}\":{dv}"), 1);
    }
    assert_eq!(our_text, payload_text(django), "{what}: payload bytes");
}

fn alg_none(payload: &Value) -> String {
    format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    )
}

fn payload(token_type: &str, user: Value) -> Value {
    let now = now();
    json!({"token_type": token_type, "exp": now + 600, "iat": now - 5, "jti": uuid::Uuid::new_v4().simple().to_string(), "user_id": user})
}

fn alice() -> Value {
    json!(user_id("alice").to_string())
}

/// Tokens that are invalid for every view, one reason each (spec §2.1 row "garbage / …").
fn invalid_variants(good: &Value) -> Vec<(&'static str, String)> {
    let t = now();
    let mut tampered = forge(good);
    tampered.push('A');
    vec![
        ("garbage", "garbage".to_owned()),
        ("three dots", "a.b.c".to_owned()),
        ("tampered signature", tampered),
        (
            "other key",
            forge_with(
                HS256,
                &good.to_string(),
                "another-key-another-key-0123456789",
                Algorithm::HS256,
            ),
        ),
        (
            "HS384",
            forge_with(
                r#"{"alg":"HS384","typ":"JWT"}"#,
                &good.to_string(),
                TEST_SECRET_KEY,
                Algorithm::HS384,
            ),
        ),
        ("alg none", alg_none(good)),
        (
            "iat in the future",
            forge(&tokens::with(good, "iat", json!(t + 3600))),
        ),
        (
            "nbf in the future",
            forge(&tokens::with(good, "nbf", json!(t + 3600))),
        ),
        (
            "jti not a string",
            forge(&tokens::with(good, "jti", json!(123))),
        ),
        (
            "sub not a string",
            forge(&tokens::with(good, "sub", json!(123))),
        ),
        (
            "exp not a number",
            forge(&tokens::with(good, "exp", json!("soon"))),
        ),
        (
            "iat not a number",
            forge(&tokens::with(good, "iat", json!("then"))),
        ),
    ]
}

// ---------------------------------------------------------------------------------------
// Default profile: the rows of spec §2.1 and §1.1
// ---------------------------------------------------------------------------------------

async fn obtain_rows(ctx: Arc<Ctx>) {
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

async fn field_validation_rows(ctx: Arc<Ctx>) {
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

async fn view_plumbing_on_every_token_view(ctx: Arc<Ctx>) {
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

async fn refresh_rows(ctx: Arc<Ctx>) {
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
    // KNOWN DIFFERENCE (reported): a non-string `iss` (ISSUER not configured)
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

async fn verify_and_blacklist_rows(ctx: Arc<Ctx>) {
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

async fn sliding_rows(ctx: Arc<Ctx>) {
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
    // KNOWN DIFFERENCE (reported): a non-string `iss` (ISSUER not configured)
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

async fn protected_rows(ctx: Arc<Ctx>) {
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

// ---------------------------------------------------------------------------------------
// Settings profiles
// ---------------------------------------------------------------------------------------

const ROTATION: &[(&str, &str)] = &[
    ("SIMPLE_JWT__ROTATE_REFRESH_TOKENS", "true"),
    ("SIMPLE_JWT__BLACKLIST_AFTER_ROTATION", "true"),
];

async fn rotation_and_blacklist_profile(ctx: Arc<Ctx>) {
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
    // KNOWN DIFFERENCE (reported): a non-string `iss` (ISSUER not configured)
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
async fn rotation_race(ctx: Arc<Ctx>) {
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
        let token = token.as_str().unwrap().to_owned();
        let barrier = Arc::new(tokio::sync::Barrier::new(N));
        let mut tasks = Vec::new();
        for _ in 0..N {
            let (client, url, token, barrier) =
                (client(), url.clone(), token.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let response = client
                    .post(url)
                    .form(&[("refresh", token)])
                    .send()
                    .await
                    .unwrap();
                Answer::read(response).await
            }));
        }
        let mut ok = 0;
        for task in tasks {
            let answer = task.await.unwrap();
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

const AUDIENCE: &str = "tokenpair-clients";
const ISSUER: &str = "https://issuer.example";

async fn audience_and_issuer_profile(ctx: Arc<Ctx>) {
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

async fn claim_names_lifetimes_and_last_login_profile(ctx: Arc<Ctx>) {
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

async fn revoke_token_profile(ctx: Arc<Ctx>) {
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

async fn header_and_token_class_profile(ctx: Arc<Ctx>) {
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

// ---------------------------------------------------------------------------------------
// Shared database mode
// ---------------------------------------------------------------------------------------

/// The schema as Django sees it, one line per column (in table order), constraint and index
/// (our own tables left out).
fn postgres_schema(url: &str) -> Vec<String> {
    texts(
        url,
        "SELECT t FROM (
            -- the column's place among the live ones: Django's dropped columns leave gaps
            SELECT 'column ' || table_name || '.' || column_name || ' #'
                || row_number() OVER (PARTITION BY table_name ORDER BY ordinal_position) || ' '
                || data_type || coalesce('(' || character_maximum_length || ')', '') || ' '
                || is_nullable || ' identity=' || is_identity || ' default=' || coalesce(column_default, '') AS t
              FROM information_schema.columns WHERE table_schema = 'public'
            UNION ALL
            SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
              FROM pg_constraint WHERE connamespace = 'public'::regnamespace
            UNION ALL
            SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
        ) s WHERE t NOT LIKE '%diesel%' AND t NOT LIKE '%tokenpair\\_%' ORDER BY t",
    )
}

fn sqlite_schema(url: &str) -> Vec<String> {
    let mut rows: Vec<String> = texts(
        url,
        "SELECT type || ' ' || name || ' ' || coalesce(sql, '') AS t FROM sqlite_master
          WHERE name NOT LIKE '%diesel%' AND name NOT LIKE '%tokenpair\\_%' ESCAPE '\\'
            AND name != 'sqlite_sequence'",
    )
    .into_iter()
    .map(|sql| {
        sql.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .replace("( ", "(")
            .replace(" )", ")")
    })
    .collect();
    rows.sort();
    rows
}

fn schema(url: &str) -> Vec<String> {
    if url.starts_with("sqlite://") {
        sqlite_schema(url)
    } else {
        postgres_schema(url)
    }
}

/// Two schemas must be the same; the failure shows only the lines that differ.
#[track_caller]
fn assert_same_schema(what: &str, ours: &[String], django: &[String]) {
    let only = |a: &[String], b: &[String]| -> Vec<String> {
        a.iter().filter(|line| !b.contains(line)).cloned().collect()
    };
    let (extra, missing) = (only(ours, django), only(django, ours));
    assert!(
        extra.is_empty() && missing.is_empty(),
        "{what}:\nonly in ours: {extra:#?}\nonly in Django's: {missing:#?}"
    );
}

fn migration_history(url: &str) -> Vec<String> {
    texts(
        url,
        "SELECT app || '.' || name AS t FROM django_migrations ORDER BY id",
    )
}

fn password_of(url: &str, username: &str) -> String {
    texts(
        url,
        &format!("SELECT password AS t FROM auth_user WHERE username = '{username}'"),
    )
    .remove(0)
}

/// Django's own checks on `url` afterwards: `check` with the database checks, no unapplied
/// migration, no model change, and its ORM reads every token row (ours included).
fn django_still_works(url: &str) {
    django::manage(url, &["check", "--database", "default"]);
    django::manage(url, &["migrate", "--check"]);
    django::manage(url, &["makemigrations", "--check", "--dry-run"]);
    let out = django::python(
        url,
        "from rest_framework_simplejwt.token_blacklist.models import OutstandingToken, BlacklistedToken\n\
         from django.contrib.auth.models import User\n\
         rows = [(o.jti, o.user_id, o.created_at, o.expires_at, len(o.token)) for o in OutstandingToken.objects.all()]\n\
         bl = [(b.token.jti, b.blacklisted_at) for b in BlacklistedToken.objects.select_related('token')]\n\
         assert all(r[3] is not None for r in rows)\n\
         print(len(rows), len(bl), User.objects.count())\n",
    );
    assert!(!out.trim().is_empty());
}

/// Both services on one database made by Django; `url` in our syntax. Checks cross-issued
/// tokens, the shared blacklist, our logins of every Django hasher, and that Django still
/// works afterwards.
async fn shared_database(ctx: &Ctx, url: String) {
    let before = blocking({
        let url = url.clone();
        move || (schema(&url), migration_history(&url))
    })
    .await;
    let applied = blocking({
        let url = url.clone();
        move || migrate_ours(&url)
    })
    .await;
    assert_eq!(applied.len(), 4, "{applied:?}");
    let after = blocking({
        let url = url.clone();
        move || (schema(&url), migration_history(&url))
    })
    .await;
    assert_same_schema(
        "our migrations changed Django's schema",
        &after.0,
        &before.0,
    );
    assert_eq!(after.1, before.1, "our migrations changed Django's history");

    let django = blocking({
        let url = url.clone();
        move || DjangoServer::start(&url, &[])
    })
    .await;
    let ours = ctx.spawn(&our_settings(&[], &url));
    let http = client();
    let post = |base: &str, path: &str, fields: &[(&str, &str)]| {
        let request = http.post(format!("{base}{path}")).form(fields);
        async move { Answer::read(request.send().await.unwrap()).await }
    };
    let get = |base: &str, token: &str| {
        let request = http
            .get(format!("{base}{PROTECTED}"))
            .header("Authorization", format!("Bearer {token}"));
        async move { Answer::read(request.send().await.unwrap()).await }
    };
    const OK: &str = r#"{"content":"This view is protected"}"#;

    // we log in every user Django made, whatever its hasher, and re-hash nobody
    for user in USERS.iter().filter(|u| u.active && u.username != "dave") {
        let Some(password) = user.password else {
            continue;
        };
        let stored = password_of(&url, user.username);
        let answer = post(
            &ours.auth,
            OBTAIN,
            &[("username", user.username), ("password", password)],
        )
        .await;
        assert_eq!(
            answer.status, 200,
            "{} ({}): {}",
            user.username, user.hasher, answer.text
        );
        assert_eq!(
            password_of(&url, user.username),
            stored,
            "HASH_UPGRADE is off"
        );
    }
    // tokens cross both ways: access at the other's /protected/, refresh at the other's refresh
    let ours_pair = post(
        &ours.auth,
        OBTAIN,
        &[("username", "alice"), ("password", "pw-alice-1")],
    )
    .await;
    let django_pair = post(
        &django.url,
        OBTAIN,
        &[("username", "alice"), ("password", "pw-alice-1")],
    )
    .await;
    get(&django.url, &ours_pair.field("access"))
        .await
        .assert(200, OK);
    get(&ours.protected, &django_pair.field("access"))
        .await
        .assert(200, OK);
    let refreshed = post(
        &django.url,
        REFRESH,
        &[("refresh", &ours_pair.field("refresh"))],
    )
    .await;
    get(&ours.protected, &refreshed.field("access"))
        .await
        .assert(200, OK);
    let refreshed = post(
        &ours.auth,
        REFRESH,
        &[("refresh", &django_pair.field("refresh"))],
    )
    .await;
    get(&django.url, &refreshed.field("access"))
        .await
        .assert(200, OK);
    // one blacklist: blacklisted through one side, refused by the other's refresh
    post(
        &ours.auth,
        BLACKLIST,
        &[("refresh", &ours_pair.field("refresh"))],
    )
    .await
    .assert(200, "{}");
    post(
        &django.url,
        REFRESH,
        &[("refresh", &ours_pair.field("refresh"))],
    )
    .await
    .assert_401(BLACKLISTED);
    post(
        &django.url,
        BLACKLIST,
        &[("refresh", &django_pair.field("refresh"))],
    )
    .await
    .assert(200, "{}");
    post(
        &ours.auth,
        REFRESH,
        &[("refresh", &django_pair.field("refresh"))],
    )
    .await
    .assert_401(BLACKLISTED);
    // and a token neither side recorded, blacklisted by Django, is refused by ours
    let stray = forge(&payload("refresh", alice()));
    post(&django.url, BLACKLIST, &[("refresh", &stray)])
        .await
        .assert(200, "{}");
    post(&ours.auth, REFRESH, &[("refresh", &stray)])
        .await
        .assert_401(BLACKLISTED);
    // Django still logs in, and re-hashes on its side (argon2 → its default), which we read
    let answer = post(
        &django.url,
        OBTAIN,
        &[("username", "argon2user"), ("password", "pw-argon2")],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert!(password_of(&url, "argon2user").starts_with("pbkdf2_sha256$1000000$"));
    let answer = post(
        &ours.auth,
        OBTAIN,
        &[("username", "argon2user"), ("password", "pw-argon2")],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    drop(django);
    blocking(move || django_still_works(&url)).await;
}

async fn shared_postgres_database(ctx: Arc<Ctx>) {
    if ctx.backend() == Backend::Sqlite {
        return;
    }
    let db = blocking(DjangoDb::clone_template).await;
    shared_database(&ctx, db.url.clone()).await;
}

/// SQLite: a `db.sqlite3` made by Django's `migrate`, users made by its hasher.
async fn shared_sqlite_database(ctx: Arc<Ctx>) {
    if ctx.backend() == Backend::Postgres {
        return;
    }
    let db = blocking(|| DjangoSqlite::migrated(true)).await;
    shared_database(&ctx, db.url.clone()).await;
}

/// The reverse: a database made by our `migrate` is taken over by Django's plain `migrate`
/// (our migration 000004 made the rest of auth/contenttypes and recorded their history).
/// Both engines.
async fn django_adopts_our_database(ctx: Arc<Ctx>) {
    let url = ctx.db.url.clone();
    let app = ctx.spawn(&[]);
    let id = app.create_user("kyoko", "contrasenasegura");
    let (refresh, _) = app.obtain("kyoko", "contrasenasegura").await;
    let output = blocking({
        let url = url.clone();
        move || django::manage(&url, &["migrate"])
    })
    .await;
    for ours in [
        "contenttypes.0001",
        "auth.0001",
        "auth.0012",
        "token_blacklist.0001",
        "token_blacklist.0013",
    ] {
        assert!(
            !output.contains(&format!("Applying {ours}")),
            "{ours} applied again:\n{output}"
        );
    }
    assert!(
        output.contains("Applying admin.0001_initial... OK"),
        "{output}"
    );
    assert!(
        output.contains("Applying sessions.0001_initial... OK"),
        "{output}"
    );
    // the same schema as a database Django made itself
    let reference = blocking(move || {
        if url.starts_with("sqlite://") {
            let schema = schema(&DjangoSqlite::migrated(false).url);
            (url, schema)
        } else {
            let made = DjangoDb::clone_template();
            let schema = schema(&made.url);
            (url, schema)
        }
    })
    .await;
    let (url, django_made) = reference;
    assert_same_schema(
        "the adopted schema differs from Django's own",
        &schema(&url),
        &django_made,
    );
    // Django works on it: checks, its ORM on our rows, a login of the user we made
    blocking({
        let url = url.clone();
        move || django_still_works(&url)
    })
    .await;
    let django = blocking({
        let url = url.clone();
        move || DjangoServer::start(&url, &[])
    })
    .await;
    let http = client();
    let login = http
        .post(format!("{}{OBTAIN}", django.url))
        .form(&[("username", "kyoko"), ("password", "contrasenasegura")])
        .send()
        .await
        .unwrap();
    let login = Answer::read(login).await;
    assert_eq!(login.status, 200, "{}", login.text);
    let (_, claims) = parts(&login.field("access"));
    assert_eq!(claims["user_id"], json!(id.to_string()));
    let refreshed = http
        .post(format!("{}{REFRESH}", django.url))
        .form(&[("refresh", refresh.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(Answer::read(refreshed).await.status, 200);
    drop(django);
    // and we keep working on it: nothing left to migrate, the user Django re-hashed logs in
    assert_eq!(migrate_ours(&url), Vec::<String>::new());
    assert!(password_of(&url, "kyoko").starts_with("pbkdf2_sha256$1000000$"));
    app.obtain("kyoko", "contrasenasegura").await;
}
