//! Shared-database mode: our services on Django's database, and Django on ours.

use super::*;

/// The schema as Django sees it, one line per column (in table order), constraint and index
/// (our own tables left out).
pub(crate) fn postgres_schema(url: &str) -> Vec<String> {
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

pub(crate) fn sqlite_schema(url: &str) -> Vec<String> {
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

pub(crate) fn schema(url: &str) -> Vec<String> {
    if url.starts_with("sqlite://") {
        sqlite_schema(url)
    } else {
        postgres_schema(url)
    }
}

/// Two schemas must be the same; the failure shows only the lines that differ.
#[track_caller]
pub(crate) fn assert_same_schema(what: &str, ours: &[String], django: &[String]) {
    let only = |a: &[String], b: &[String]| -> Vec<String> {
        a.iter().filter(|line| !b.contains(line)).cloned().collect()
    };
    let (extra, missing) = (only(ours, django), only(django, ours));
    assert!(
        extra.is_empty() && missing.is_empty(),
        "{what}:\nonly in ours: {extra:#?}\nonly in Django's: {missing:#?}"
    );
}

pub(crate) fn migration_history(url: &str) -> Vec<String> {
    texts(
        url,
        "SELECT app || '.' || name AS t FROM django_migrations ORDER BY id",
    )
}

pub(crate) fn password_of(url: &str, username: &str) -> String {
    texts(
        url,
        &format!("SELECT password AS t FROM auth_user WHERE username = '{username}'"),
    )
    .remove(0)
}

/// Django's own checks on `url` afterwards: `check` with the database checks, no unapplied
/// migration, no model change, and its ORM reads every token row (ours included).
pub(crate) fn django_still_works(url: &str) {
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
pub(crate) async fn shared_database(ctx: &Ctx, url: String) {
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
    // every migration of ours (one directory each; both engines have the same ones)
    let ours = std::fs::read_dir(django::workspace().join("auth-service/migrations/postgres"))
        .expect("our migrations")
        .count();
    assert_eq!(applied.len(), ours, "{applied:?}");
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
        .assert(200, tests::bodies::PROTECTED);
    get(&ours.protected, &django_pair.field("access"))
        .await
        .assert(200, tests::bodies::PROTECTED);
    let refreshed = post(
        &django.url,
        REFRESH,
        &[("refresh", &ours_pair.field("refresh"))],
    )
    .await;
    get(&ours.protected, &refreshed.field("access"))
        .await
        .assert(200, tests::bodies::PROTECTED);
    let refreshed = post(
        &ours.auth,
        REFRESH,
        &[("refresh", &django_pair.field("refresh"))],
    )
    .await;
    get(&django.url, &refreshed.field("access"))
        .await
        .assert(200, tests::bodies::PROTECTED);
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
    // outstanding rows: ours hold `header.payload`, never the signature; simplejwt writes
    // whole tokens, which our `flushexpiredtokens` strips; Django works on stripped rows
    let row = |jti: &str| {
        texts(
            &url,
            &format!("SELECT token AS t FROM token_blacklist_outstandingtoken WHERE jti = '{jti}'"),
        )
    };
    let jti_of = |token: &str| parts(token).1["jti"].as_str().unwrap().to_owned();
    let unsigned = |token: &str| token.rsplit_once('.').unwrap().0.to_owned();
    let (ours_refresh, django_refresh) = (ours_pair.field("refresh"), django_pair.field("refresh"));
    assert_eq!(row(&jti_of(&ours_refresh)), [unsigned(&ours_refresh)]);
    assert_eq!(
        row(&jti_of(&django_refresh)),
        std::slice::from_ref(&django_refresh),
        "simplejwt stores whole tokens"
    );
    let settings = ctx.settings(&our_settings(&[], &url));
    blocking(move || {
        auth_service::commands::run(auth_service::cli::Command::Flushexpiredtokens, settings)
    })
    .await
    .expect("flushexpiredtokens");
    assert_eq!(row(&jti_of(&django_refresh)), [unsigned(&django_refresh)]);
    assert_eq!(
        count(
            &url,
            "token_blacklist_outstandingtoken WHERE token LIKE '%.%.%'"
        ),
        0
    );
    let fresh = post(
        &ours.auth,
        OBTAIN,
        &[("username", "alice"), ("password", "pw-alice-1")],
    )
    .await
    .field("refresh");
    post(&django.url, BLACKLIST, &[("refresh", &fresh)])
        .await
        .assert(200, "{}");
    post(&ours.auth, REFRESH, &[("refresh", &fresh)])
        .await
        .assert_401(BLACKLISTED);
    drop(django);
    blocking(move || django_still_works(&url)).await;
}

pub(crate) async fn shared_postgres_database(ctx: Arc<Ctx>) {
    if ctx.backend() == Backend::Sqlite {
        return;
    }
    let db = blocking(DjangoDb::clone_template).await;
    shared_database(&ctx, db.url.clone()).await;
}

/// SQLite: a `db.sqlite3` made by Django's `migrate`, users made by its hasher.
pub(crate) async fn shared_sqlite_database(ctx: Arc<Ctx>) {
    if ctx.backend() == Backend::Postgres {
        return;
    }
    let db = blocking(|| DjangoSqlite::migrated(true)).await;
    shared_database(&ctx, db.url.clone()).await;
}

/// The reverse: a database made by our `migrate` is taken over by Django's plain `migrate`
/// (our migration 000004 made the rest of auth/contenttypes and recorded their history).
/// Both engines.
pub(crate) async fn django_adopts_our_database(ctx: Arc<Ctx>) {
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
