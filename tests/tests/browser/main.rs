//! The browser test: the `/demo/` page and auth-service's browsable obtain form driven in
//! headless Chromium through chromedriver (Debian's `chromium` and `chromium-driver`), against
//! the real services on PostgreSQL. Screenshots of every step go to
//! `target/browser-screenshots/`.
//!
//! Without Chromium or chromedriver the tests are skipped with a banner;
//! `TOKENPAIR_REQUIRE_BROWSER=1` (`.ci/run`) makes that a failure.

mod browsable;
mod demo;
mod driver;

use tests::Backend;
use tests::harness::{self, Needs};

const REQUIRE_VAR: &str = "TOKENPAIR_REQUIRE_BROWSER";

fn main() -> std::process::ExitCode {
    let mut tests = Vec::new();
    tests.extend(demo::tests());
    tests.extend(browsable::tests());
    let available = driver::find_browser().map(drop);
    let required = std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1");
    if let (Err(why), false) = (&available, required) {
        let line = "=".repeat(78);
        eprintln!(
            "\n{line}\nBROWSER TESTS SKIPPED: {why}.\n\
             Install Chromium and its WebDriver (Debian: `apt-get install chromium \
             chromium-driver`),\nor run `bash .ci/run`, which installs them and requires them \
             ({REQUIRE_VAR}=1).\n{line}"
        );
    }
    // One browser at a time: each is a few processes, on machines with few cores.
    let needs = Needs {
        available,
        required,
        serial: true,
    };
    harness::main_with(tests, &[Backend::Postgres], Some(needs))
}
