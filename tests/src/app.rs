//! Both services started in-process on port 0 against a test database, and
//! typed helpers for talking to them over real HTTP.

use actix_web::dev::ServerHandle;
use auth_service::AuthSettings;
use chrono::{NaiveDateTime, Utc};
use diesel::{QueryableByName, RunQueryDsl};
use reqwest::{Client, Response, header};
use serde_json::Value;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use django_hashers::{self as hashers, HasherConfig, HasherKind};

use crate::db::{Backend, TestDb};

/// The signing key every test app shares unless a test overrides it.
pub const TEST_SECRET_KEY: &str = "tokenpair-test-secret-key-0123456789abcdef";

/// PBKDF2 iterations for users created by tests: fast, and still Django's format.
pub const TEST_ITERATIONS: u32 = 1000;

/// What a test gets: its database and a register of servers to stop afterwards.
pub struct Ctx {
    pub db: Arc<TestDb>,
    servers: Mutex<Vec<ServerHandle>>,
}

impl Ctx {
    pub fn new(backend: Backend) -> Self {
        Self {
            db: Arc::new(TestDb::create(backend)),
            servers: Mutex::new(Vec::new()),
        }
    }

    pub fn backend(&self) -> Backend {
        self.db.backend
    }

    /// Stop every server this test started.
    pub async fn stop_servers(&self) {
        let handles = std::mem::take(&mut *self.servers.lock().unwrap_or_else(|e| e.into_inner()));
        for handle in handles {
            handle.stop(false).await;
        }
    }

    /// Start both services with the test defaults plus `overrides` (environment
    /// syntax: `SIMPLE_JWT__ROTATE_REFRESH_TOKENS=true`).
    pub fn spawn(&self, overrides: &[(&str, &str)]) -> TestApp {
        let settings = self.settings(overrides);
        let auth = self.spawn_auth(settings.clone());
        let protected = self.spawn_protected(settings.clone());
        TestApp {
            auth,
            protected,
            client: client(),
            db: self.db.clone(),
            settings,
        }
    }

    /// The settings the apps get: test defaults, then `overrides`. auth-service's, which hold
    /// protected-service's (`.into()`).
    pub fn settings(&self, overrides: &[(&str, &str)]) -> AuthSettings {
        let mut env: Vec<(String, String)> = vec![
            ("SECRET_KEY".into(), TEST_SECRET_KEY.into()),
            ("DATABASE_URL".into(), self.db.url.clone()),
            (
                "TOKENPAIR__PBKDF2_ITERATIONS".into(),
                TEST_ITERATIONS.to_string(),
            ),
            ("TOKENPAIR__WORKERS".into(), "1".into()),
            ("TOKENPAIR__DB_POOL_SIZE".into(), "4".into()),
        ];
        env.extend(
            overrides
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        AuthSettings::from_sources(None, env).unwrap_or_else(|e| panic!("test settings: {e}"))
    }

    /// `auth-service COMMAND` with the test settings, in-process, off the async threads
    /// (the command blocks on the database).
    pub async fn command(&self, command: auth_service::cli::Command) -> Result<(), String> {
        let settings = self.settings(&[]);
        tokio::task::spawn_blocking(move || auth_service::commands::run(command, settings))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Another auth-service on the same database (scale-out tests).
    pub fn spawn_auth(&self, settings: AuthSettings) -> String {
        self.spawn_auth_urls(settings).0
    }

    /// auth-service's URL and, with `TOKENPAIR__ADMIN_BIND`, its internal endpoints' URL.
    pub fn spawn_auth_urls(&self, settings: AuthSettings) -> (String, Option<String>) {
        self.spawn_auth_on(settings, TcpListener::bind("127.0.0.1:0").expect("bind"))
    }

    /// auth-service on a listener bound beforehand (when its settings need the port, e.g.
    /// the other service's CORS origin).
    pub fn spawn_auth_on(
        &self,
        settings: AuthSettings,
        listener: TcpListener,
    ) -> (String, Option<String>) {
        let app = auth_service::Application::build(settings, listener)
            .unwrap_or_else(|e| panic!("auth-service failed to start: {e}"));
        self.run(app)
    }

    pub fn spawn_protected(&self, settings: impl Into<shared::Settings>) -> String {
        self.spawn_protected_urls(settings).0
    }

    /// protected-service's URL and, with `TOKENPAIR__ADMIN_BIND`, its internal endpoints' URL.
    pub fn spawn_protected_urls(
        &self,
        settings: impl Into<shared::Settings>,
    ) -> (String, Option<String>) {
        self.spawn_protected_on(settings, TcpListener::bind("127.0.0.1:0").expect("bind"))
    }

    /// protected-service on a listener bound beforehand.
    pub fn spawn_protected_on(
        &self,
        settings: impl Into<shared::Settings>,
        listener: TcpListener,
    ) -> (String, Option<String>) {
        let app = protected_service::Application::build(settings.into(), listener)
            .unwrap_or_else(|e| panic!("protected-service failed to start: {e}"));
        self.run(app)
    }

    /// Both services with these settings, as a [`TestApp`].
    pub fn app(&self, auth: AuthSettings, protected: shared::Settings) -> TestApp {
        TestApp {
            auth: self.spawn_auth(auth.clone()),
            protected: self.spawn_protected(protected),
            client: client(),
            db: self.db.clone(),
            settings: auth,
        }
    }

    fn run(&self, app: shared::app::Service) -> (String, Option<String>) {
        let url = format!("http://127.0.0.1:{}", app.port());
        let admin = app
            .admin_port()
            .map(|port| format!("http://127.0.0.1:{port}"));
        self.register(app.handle());
        tokio::spawn(app.run_until_stopped());
        (url, admin)
    }

    fn register(&self, handle: ServerHandle) {
        self.servers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(handle);
    }
}

/// Sends the head of a POST of 100 bytes to `base`'s `path` and only 10 of them, then
/// waits with the connection open; what the server wrote before it closed it.
pub async fn stalled_body(base: &str, path: &str, within: std::time::Duration) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\n\r\n{{\"usernam"
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    let read = tokio::time::timeout(within, stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "connection still open after {within:?}");
    String::from_utf8_lossy(&answer).into_owned()
}

/// `n` refreshes of one `token` released at once by a barrier, each on its own client, the
/// i-th to `urls[i % urls.len()]` (full refresh URLs): the answers, in completion order.
pub async fn simultaneous_refreshes(urls: &[String], token: &str, n: usize) -> Vec<Answer> {
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let (client, barrier) = (client(), barrier.clone());
        let (url, token) = (urls[i % urls.len()].clone(), token.to_owned());
        tasks.spawn(async move {
            barrier.wait().await;
            let response = client
                .post(url)
                .form(&[("refresh", token)])
                .send()
                .await
                .unwrap();
            Answer::read(response).await
        });
    }
    let mut answers = Vec::new();
    while let Some(answer) = tasks.join_next().await {
        answers.push(answer.unwrap());
    }
    answers
}

/// protected-service's settings: one worker, then `env` only (no database, no `SECRET_KEY`
/// unless given).
pub fn protected_settings(env: &[(&str, &str)]) -> shared::Settings {
    let all: Vec<(String, String)> = [("TOKENPAIR__WORKERS", "1")]
        .iter()
        .chain(env)
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    shared::Settings::from_sources(None, all).unwrap_or_else(|e| panic!("protected settings: {e}"))
}

/// The path of a key file of the shared crate's test data (`shared/src/tokens/testdata`),
/// beside this package in the workspace.
pub fn testdata(name: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .join("shared/src/tokens/testdata")
        .join(name)
        .display()
        .to_string()
}

pub fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        // Below the services' 5 s keep-alive: a connection left idle while a test waits
        // (a Django `migrate`, a sleep) is not reused just as the server closes it, which
        // fails the next request with "IncompleteMessage" (seen in CI).
        .pool_idle_timeout(std::time::Duration::from_secs(2))
        .build()
        .expect("reqwest client")
}

/// A running pair of services.
pub struct TestApp {
    pub auth: String,
    pub protected: String,
    pub client: Client,
    pub db: Arc<TestDb>,
    pub settings: AuthSettings,
}

/// A response read whole: status, headers and body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: header::HeaderMap,
    pub text: String,
}

impl Answer {
    pub async fn read(response: Response) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("response body");
        Self {
            status,
            headers,
            text,
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Status and exact body text, the way the wire shows them.
    #[track_caller]
    pub fn assert(&self, status: u16, body: &str) {
        assert_eq!(
            (self.status, self.text.as_str()),
            (status, body),
            "unexpected answer"
        );
    }

    /// A 401 with simplejwt's challenge header.
    #[track_caller]
    pub fn assert_401(&self, body: &str) {
        self.assert(401, body);
        assert_eq!(
            self.header("www-authenticate"),
            Some("Bearer realm=\"api\"")
        );
    }

    pub fn field(&self, name: &str) -> String {
        self.json()[name]
            .as_str()
            .unwrap_or_else(|| panic!("no string {name:?} in {}", self.text))
            .to_owned()
    }
}

impl TestApp {
    pub fn hasher(&self) -> HasherConfig {
        test_hasher()
    }

    /// A user as Django's `create_user` makes one; returns its id.
    pub fn create_user(&self, username: &str, password: &str) -> i32 {
        create_user(&self.db, username, password)
    }

    /// A user with a given stored hash and active flag.
    pub fn insert_user(&self, username: &str, hash: &str, active: bool) -> i32 {
        insert_user(&self.db, username, hash, active)
    }

    pub fn user(&self, username: &str) -> Option<User> {
        user(&self.db, username)
    }

    /// Stores a new password hash for the user, as `set_password` + `save()` do.
    pub fn set_password(&self, id: i32, hash: &str) {
        let updated = self.db.execute(&format!(
            "UPDATE auth_user SET password = {} WHERE id = {id}",
            crate::db::quote(hash)
        ));
        assert_eq!(updated, 1, "no user {id}");
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let url = format!("{}{path}", self.auth);
        Answer::read(
            self.client
                .post(url)
                .form(fields)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Answer {
        let url = format!("{}{path}", self.auth);
        Answer::read(self.client.post(url).json(body).send().await.expect("POST")).await
    }

    /// A POST with a raw body and Content-Type.
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> Answer {
        let url = format!("{}{path}", self.auth);
        let mut request = self.client.post(url).body(body);
        if let Some(ct) = content_type {
            request = request.header(header::CONTENT_TYPE, ct);
        }
        Answer::read(request.send().await.expect("POST")).await
    }

    /// `GET url` (a full URL: either service).
    pub async fn get(&self, url: &str) -> Answer {
        Answer::read(self.client.get(url).send().await.expect("GET")).await
    }

    /// `method url` (a full URL), with `Authorization: Bearer {token}` when given.
    pub async fn bearer(&self, method: reqwest::Method, url: &str, token: Option<&str>) -> Answer {
        let mut request = self.client.request(method, url);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        Answer::read(request.send().await.expect("request")).await
    }

    /// `POST /api/token/logout-all/` with the access token `access`.
    pub async fn logout_all(&self, access: &str) -> Answer {
        let url = format!("{}{}", self.auth, crate::bodies::LOGOUT_ALL);
        self.bearer(reqwest::Method::POST, &url, Some(access)).await
    }

    /// `GET /protected/` with an optional raw `Authorization` header.
    pub async fn protected(&self, authorization: Option<&str>) -> Answer {
        let mut request = self.client.get(format!("{}/protected/", self.protected));
        if let Some(value) = authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        Answer::read(request.send().await.expect("GET")).await
    }

    /// Log in and return (refresh, access).
    pub async fn obtain(&self, username: &str, password: &str) -> (String, String) {
        let answer = self
            .post_form(
                "/api/token/",
                &[("username", username), ("password", password)],
            )
            .await;
        assert_eq!(answer.status, 200, "login failed: {}", answer.text);
        (answer.field("refresh"), answer.field("access"))
    }
}

/// A row of Django's `auth_user`.
#[derive(Debug, Clone, QueryableByName)]
pub struct User {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub id: i32,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub password: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    pub last_login: Option<NaiveDateTime>,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub is_superuser: bool,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub username: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub first_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub last_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub email: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub is_staff: bool,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub is_active: bool,
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    pub date_joined: NaiveDateTime,
}

/// The hasher the test settings configure (PBKDF2-SHA256, [`TEST_ITERATIONS`]).
pub fn test_hasher() -> HasherConfig {
    HasherConfig::new(HasherKind::Pbkdf2Sha256, TEST_ITERATIONS)
}

/// A user as Django's `create_user` makes one, without starting an app; returns its id.
pub fn create_user(db: &TestDb, username: &str, password: &str) -> i32 {
    let hash = hashers::make_password(password, &test_hasher());
    insert_user(db, username, &hash, true)
}

/// A user row as Django's `create_user` writes one (empty names, not staff), with a
/// given stored hash and active flag; returns its id.
pub fn insert_user(db: &TestDb, username: &str, hash: &str, active: bool) -> i32 {
    use diesel::sql_types::{Bool, Text, Timestamp};
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        id: i32,
    }
    diesel::sql_query(
        "INSERT INTO auth_user (password, last_login, is_superuser, username, first_name, \
         last_name, email, is_staff, is_active, date_joined) \
         VALUES ($1, NULL, FALSE, $2, '', '', $3, FALSE, $4, $5) RETURNING id",
    )
    .bind::<Text, _>(hash)
    .bind::<Text, _>(username)
    .bind::<Text, _>(format!("{username}@example.com"))
    .bind::<Bool, _>(active)
    .bind::<Timestamp, _>(Utc::now().naive_utc())
    .get_result::<Id>(&mut db.connect())
    .unwrap_or_else(|e| panic!("insert user {username}: {e}"))
    .id
}

/// The `auth_user` row of `username`.
pub fn user(db: &TestDb, username: &str) -> Option<User> {
    diesel::sql_query("SELECT * FROM auth_user WHERE username = $1")
        .bind::<diesel::sql_types::Text, _>(username)
        .get_result::<User>(&mut db.connect())
        .map(Some)
        .or_else(|e| match e {
            diesel::result::Error::NotFound => Ok(None),
            e => Err(e),
        })
        .unwrap_or_else(|e| panic!("select user {username}: {e}"))
}
