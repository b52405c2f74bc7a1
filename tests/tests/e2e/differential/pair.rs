//! The pair of servers that answers requests sent alike to both sides (`req`).

use super::*;

// ---------------------------------------------------------------------------------------
// The two sides
// ---------------------------------------------------------------------------------------

/// Django and ours with one settings profile, each on its own clone of the template.
pub(crate) struct Pair {
    pub(crate) django: DjangoServer,
    pub(crate) ours: TestApp,
    pub(crate) client: Client,
    pub(crate) django_db: DjangoDb,
    pub(crate) our_db: DjangoDb,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    Django,
    Ours,
}

pub(crate) async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("{e}"),
    }
}

pub(crate) fn connect(url: &str) -> DbConnection {
    tests::db::connect(url)
}

/// Our migrations on `url`; the versions applied.
pub(crate) fn migrate_ours(url: &str) -> Vec<String> {
    tests::db::migrate_applied(url)
}

pub(crate) fn execute(url: &str, sql: &str) {
    tests::db::execute(&mut connect(url), sql);
}

/// One text column of every row of `sql` (which names it `t`).
pub(crate) fn texts(url: &str, sql: &str) -> Vec<String> {
    tests::db::texts(&mut connect(url), sql)
}

pub(crate) fn count(url: &str, from: &str) -> i64 {
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
pub(crate) fn outstanding_rows(url: &str) -> Vec<String> {
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

/// Our settings for a differential run: the profile, our database, Django 5.2's iterations,
/// and no login throttles (simplejwt has none).
pub(crate) fn our_settings<'a>(
    profile: &[(&'a str, &'a str)],
    url: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut settings = django::UNTHROTTLED.to_vec();
    settings.extend_from_slice(profile);
    settings.push(("DATABASE_URL", url));
    settings.push(("TOKENPAIR__PBKDF2_ITERATIONS", DJANGO_PBKDF2_ITERATIONS));
    settings
}

impl Pair {
    /// Both sides with `profile`; `None` on the SQLite half (the reference app's databases
    /// are PostgreSQL clones).
    pub(crate) async fn start(ctx: &Ctx, profile: &[(&str, &str)]) -> Option<Pair> {
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

    pub(crate) fn base(&self, side: Side, path: &str) -> &str {
        match side {
            Side::Django => &self.django.url,
            Side::Ours if path.starts_with(PROTECTED) => &self.ours.protected,
            Side::Ours => &self.ours.auth,
        }
    }

    pub(crate) fn db(&self, side: Side) -> &str {
        match side {
            Side::Django => &self.django_db.url,
            Side::Ours => &self.our_db.url,
        }
    }

    pub(crate) async fn send(&self, side: Side, request: &Req) -> Answer {
        let response = request
            .build(&self.client, self.base(side, &request.path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{side:?}: {}: {e}", request.describe()));
        Answer::read(response).await
    }

    /// The same request to Django, then to ours.
    pub(crate) async fn both(&self, request: &Req) -> (Answer, Answer) {
        (
            self.send(Side::Django, request).await,
            self.send(Side::Ours, request).await,
        )
    }

    /// Each side its own request (their own tokens), Django first.
    pub(crate) async fn each(&self, django: &Req, ours: &Req) -> (Answer, Answer) {
        (
            self.send(Side::Django, django).await,
            self.send(Side::Ours, ours).await,
        )
    }

    /// Same status, body and compared headers; returns our answer.
    pub(crate) async fn same(&self, request: &Req) -> Answer {
        self.same_as("", request).await
    }

    /// [`Pair::same`], the failure message led by `label`.
    pub(crate) async fn same_as(&self, label: &str, request: &Req) -> Answer {
        let (django, ours) = self.both(request).await;
        self.assert_same(&format!("{label} {}", request.describe()), &django, &ours);
        ours
    }

    pub(crate) fn assert_same(&self, what: &str, django: &Answer, ours: &Answer) {
        self.assert_same_except(what, django, ours, &[]);
    }

    /// [`Pair::assert_same`] but for the headers in `except`.
    pub(crate) fn assert_same_except(
        &self,
        what: &str,
        django: &Answer,
        ours: &Answer,
        except: &[&str],
    ) {
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
    pub(crate) async fn non_string_iss_is_invalid(&self, request: &Req) {
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
    pub(crate) fn assert_same_tokens(&self, what: &str, django: &Answer, ours: &Answer) {
        self.assert_same_renewed(what, django, ours, None);
    }

    /// [`Self::assert_same_tokens`] for tokens issued from a token each side was sent
    /// (`sent`: Django's, ours): a time claim both sides carry over unchanged is equal to the
    /// token sent (itself compared with Django's when it was issued), so its offset from the new
    /// `iat`, which depends on how long ago each side issued the token sent (a sliding token
    /// keeps its first `refresh_exp`), is not compared.
    fn assert_same_renewed(
        &self,
        what: &str,
        django: &Answer,
        ours: &Answer,
        sent: Option<(&str, &str)>,
    ) {
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
            let what = format!("{what}: {key}");
            let (django, ours) = (d[&key].as_str().unwrap(), o[&key].as_str().unwrap());
            // Carried over by both sides (a claim equal to the sent one on one side only,
            // e.g. an `iat` in the same second, is compared by its offset as usual).
            let kept = sent.map_or_else(Vec::new, |(django_sent, ours_sent)| {
                let ours_kept = carried_over(ours_sent, ours);
                carried_over(django_sent, django)
                    .into_iter()
                    .filter(|name| ours_kept.contains(name))
                    .collect()
            });
            assert_same_token(&what, django, ours, &kept);
        }
        assert_same_headers(what, django, ours, &[]);
    }

    /// Both sides log `username` in; their answers are compared; (Django's, ours).
    pub(crate) async fn obtain(
        &self,
        path: &str,
        username: &str,
        password: &str,
    ) -> (Value, Value) {
        let request = Req::form(path, &[("username", username), ("password", password)]);
        let (django, ours) = self.both(&request).await;
        self.assert_same_tokens(&request.describe(), &django, &ours);
        (django.json(), ours.json())
    }

    /// Each side posts its own token in `field` to `path`; the answers must be the same
    /// (200s that carry tokens: the same shape of tokens).
    pub(crate) async fn same_each(
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
            self.assert_same_renewed(&what, &d, &o, Some((django, ours)));
        } else {
            self.assert_same(&what, &d, &o);
        }
        (d, o)
    }
}

/// The compared headers but those in `except` are the same.
#[track_caller]
pub(crate) fn assert_same_headers(what: &str, django: &Answer, ours: &Answer, except: &[&str]) {
    for name in COMPARED_HEADERS.into_iter().filter(|h| !except.contains(h)) {
        assert_eq!(
            ours.header(name),
            django.header(name),
            "{what}: header {name}: ours (left) differs from Django (right)"
        );
    }
}

pub(crate) fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

pub(crate) fn is_jti(value: &Value) -> bool {
    value.as_str().is_some_and(|s| {
        s.len() == 32
            && s.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    })
}

/// The time claims of `issued` equal to those of `sent`: what a renewal carried over.
fn carried_over(sent: &str, issued: &str) -> Vec<String> {
    let ((_, sent), (_, issued)) = (parts(sent), parts(issued));
    let issued = issued.as_object().unwrap();
    issued
        .iter()
        .filter(|(name, value)| value.is_number() && sent.get(name.as_str()) == Some(*value))
        .map(|(name, _)| name.clone())
        .collect()
}

/// Two tokens issued the same way by Django and by us: the same JOSE header text; the same
/// claims in the same order; equal values except ids (32 lowercase hex each) and times, whose
/// offsets from `iat` must match (±2 s: the two sides issue at different instants, simplejwt
/// reads the clock twice when refreshing, and a sliding token keeps its first `refresh_exp`); and
/// the same payload bytes once those values are swapped in (compact, ASCII-escaped JSON).
/// Numeric claims in `kept` were checked against the token each side was sent instead
/// (see [`Pair::assert_same_renewed`]): their offsets from `iat` are not compared.
#[track_caller]
fn assert_same_token(what: &str, django: &str, ours: &str, kept: &[String]) {
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
            if kept.contains(name) {
                // equal to the token each side was sent (checked by the caller)
            } else if let (Some(di), Some(oi)) = (iat(d), iat(o)) {
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

pub(crate) fn alg_none(payload: &Value) -> String {
    format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    )
}

pub(crate) fn payload(token_type: &str, user: Value) -> Value {
    let now = now();
    json!({"token_type": token_type, "exp": now + 600, "iat": now - 5, "jti": uuid::Uuid::new_v4().simple().to_string(), "user_id": user})
}

pub(crate) fn alice() -> Value {
    json!(user_id("alice").to_string())
}

/// Tokens that are invalid for every view, one reason each (docs/simplejwt.md §2.1 row "garbage / …").
pub(crate) fn invalid_variants(good: &Value) -> Vec<(&'static str, String)> {
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
