//! Both services started in-process on port 0 against a test database, and
//! typed helpers for talking to them over real HTTP.

use actix_web::dev::ServerHandle;
use auth_service::AuthSettings;
use chrono::Utc;
use reqwest::{Client, Response, header};
use serde_json::Value;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use auth_service::db::users::{self, NewUser};
use auth_service::hashers::{self, HasherConfig, HasherKind};

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

    /// Another auth-service on the same database (scale-out tests).
    pub fn spawn_auth(&self, settings: AuthSettings) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let app = auth_service::Application::build(settings, listener)
            .unwrap_or_else(|e| panic!("auth-service failed to start: {e}"));
        let url = format!("http://127.0.0.1:{}", app.port());
        self.register(app.handle());
        tokio::spawn(app.run_until_stopped());
        url
    }

    pub fn spawn_protected(&self, settings: impl Into<shared::Settings>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let app = protected_service::Application::build(settings.into(), listener)
            .unwrap_or_else(|e| panic!("protected-service failed to start: {e}"));
        let url = format!("http://127.0.0.1:{}", app.port());
        self.register(app.handle());
        tokio::spawn(app.run_until_stopped());
        url
    }

    fn register(&self, handle: ServerHandle) {
        self.servers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(handle);
    }
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
        HasherConfig::new(HasherKind::Pbkdf2Sha256, TEST_ITERATIONS)
    }

    /// A user as Django's `create_user` makes one; returns its id.
    pub fn create_user(&self, username: &str, password: &str) -> i32 {
        let hash = hashers::make_password(password, &self.hasher());
        self.insert_user(username, &hash, true)
    }

    /// A user with a given stored hash and active flag.
    pub fn insert_user(&self, username: &str, hash: &str, active: bool) -> i32 {
        let mut conn = self.db.connect();
        let user = NewUser {
            password: hash.to_owned(),
            last_login: None,
            is_superuser: false,
            username: username.to_owned(),
            first_name: String::new(),
            last_name: String::new(),
            email: format!("{username}@example.com"),
            is_staff: false,
            is_active: active,
            date_joined: Utc::now().naive_utc(),
        };
        users::insert(&mut conn, &user).expect("insert user").id
    }

    pub fn user(&self, username: &str) -> Option<users::User> {
        users::by_username(&mut self.db.connect(), username).expect("select user")
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
