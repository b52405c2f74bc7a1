//! Headless Chromium through chromedriver (WebDriver, with `fantoccini`): one browser per test,
//! started and ended around its body, and the few page operations the tests use, each waiting
//! for the page rather than for a time.

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::future::Future;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Longest wait for the page to reach a state: far above what a loaded CI machine needs, and
/// a deadline, not a measurement.
const PATIENCE: Duration = Duration::from_secs(20);

/// Chromium and chromedriver: `TOKENPAIR_CHROMIUM` / `TOKENPAIR_CHROMEDRIVER`, else Debian's.
pub fn find_browser() -> Result<(PathBuf, PathBuf), String> {
    let find = |variable: &str, candidates: &[&str]| -> Result<PathBuf, String> {
        if let Ok(path) = std::env::var(variable) {
            let path = PathBuf::from(path);
            return match path.is_file() {
                true => Ok(path),
                false => Err(format!("no {} ({variable})", path.display())),
            };
        }
        candidates
            .iter()
            .map(PathBuf::from)
            .find(|path| path.is_file())
            .or_else(|| {
                let path = std::env::var_os("PATH")?;
                std::env::split_paths(&path)
                    .flat_map(|dir| candidates.iter().map(move |name| dir.join(name)))
                    .find(|path| path.is_file())
            })
            .ok_or_else(|| format!("no {} (or set {variable})", candidates.join(" or ")))
    };
    // Debian's /usr/bin/chromium is a shell wrapper around this binary.
    let chromium = find(
        "TOKENPAIR_CHROMIUM",
        &["/usr/lib/chromium/chromium", "chromium", "chromium-browser"],
    )?;
    let driver = find("TOKENPAIR_CHROMEDRIVER", &["chromedriver"])?;
    Ok((chromium, driver))
}

/// A page's browser, as a test body gets it (the session is ended by [`with_browser`]).
#[derive(Clone)]
pub struct Browser {
    pub client: Client,
    /// Screenshot file names start with it (the test's name).
    name: &'static str,
}

/// Runs `body` with a fresh headless Chromium, then ends it, whether the body passed or
/// panicked (the panic is then re-raised).
pub async fn with_browser<F, Fut>(name: &'static str, body: F)
where
    F: FnOnce(Browser) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (chromium, driver_path) = find_browser().expect("checked by main");
    let driver = Driver::start(&driver_path);
    let profile = std::env::temp_dir().join(format!("tp-chromium-{}", uuid::Uuid::new_v4()));
    let capabilities = json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new",
                // as root (CI) Chromium refuses its sandbox
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--window-size=1000,960",
                format!("--user-data-dir={}", profile.display()),
            ],
        },
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!("a JSON object")
    };
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .unwrap_or_else(|e| panic!("WebDriver session: {e}"));
    let outcome = tokio::spawn(body(Browser {
        client: client.clone(),
        name,
    }))
    .await;
    let _ = client.close().await;
    drop(driver);
    let _ = std::fs::remove_dir_all(&profile);
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("{e}");
    }
}

/// The chromedriver process, killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start(path: &Path) -> Self {
        // A free port, released for chromedriver to take.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let driver = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < PATIENCE, "chromedriver did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where screenshots go: `target/browser-screenshots/` (the workspace's target directory).
pub fn screenshot_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("browser-screenshots")
}

impl Browser {
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
    }

    /// Saves the window as `<test>-<step>.png`; the path.
    pub async fn screenshot(&self, step: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        let path = dir.join(format!("{}-{step}.png", self.name));
        std::fs::write(&path, png).expect("screenshot file");
        path
    }

    pub async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .text()
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
    }

    /// Waits until the text of `css` satisfies `ready` (`what` says what it waits for); the text.
    pub async fn wait_text(&self, css: &str, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let found = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.text().await.ok(),
                Err(_) => None,
            };
            if let Some(text) = &found
                && ready(text)
            {
                return text.clone();
            }
            if started.elapsed() > PATIENCE {
                let shot = self.screenshot("timeout").await;
                panic!(
                    "waited for {what} ({css}), found {found:?}; page in {}",
                    shot.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let element = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        element
            .clear()
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        element
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
    }

    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
    }

    /// A script's result (`return ...;`).
    pub async fn script(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("{script}: {e}"))
    }
}
