//! The end-to-end runner: every test runs once per database engine, each in its
//! own runtime, database and servers, several at a time. Without a reachable
//! PostgreSQL the PostgreSQL half is skipped, loudly, unless
//! `TOKENPAIR_REQUIRE_POSTGRES=1` (CI), where it fails instead. Tests that need the
//! Django reference app (`e2e_django!`) are skipped the same way without its
//! virtualenv, unless `TOKENPAIR_REQUIRE_DJANGO=1`.

use libtest_mimic::{Arguments, Failed, Trial};
use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;

use crate::app::Ctx;
use crate::db::{Backend, postgres_admin_url, postgres_available};
use crate::logs::Capture;

pub type TestFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// One end-to-end test: a name and an async body taking its context.
pub struct E2e {
    pub name: &'static str,
    pub run: fn(Arc<Ctx>) -> TestFuture,
    /// Needs the Django reference app (`crate::django`).
    pub django: bool,
}

/// `e2e![module::test_fn, ...]`
#[macro_export]
macro_rules! e2e {
    ($($path:path),* $(,)?) => {
        vec![$($crate::harness::E2e {
            name: concat!(module_path!(), "::", stringify!($path)),
            run: |ctx| Box::pin($path(ctx)),
            django: false,
        }),*]
    };
}

/// `e2e_django![module::test_fn, ...]`: tests that need the Django reference app.
#[macro_export]
macro_rules! e2e_django {
    ($($path:path),* $(,)?) => {
        vec![$($crate::harness::E2e {
            name: concat!(module_path!(), "::", stringify!($path)),
            run: |ctx| Box::pin($path(ctx)),
            django: true,
        }),*]
    };
}

/// Something a whole test binary needs besides the database (the browser test: Chromium and
/// its WebDriver). When it is missing, the tests are skipped, or fail when it is required.
pub struct Needs {
    pub available: Result<(), String>,
    /// e.g. `TOKENPAIR_REQUIRE_BROWSER=1`.
    pub required: bool,
    /// One test at a time (heavy tests: a browser each).
    pub serial: bool,
}

pub fn main(tests: Vec<E2e>) -> ExitCode {
    main_with(tests, &[Backend::Postgres, Backend::Sqlite], None)
}

/// [`main`] on `backends` only, and with what `needs` says.
pub fn main_with(tests: Vec<E2e>, backends: &[Backend], needs: Option<Needs>) -> ExitCode {
    crate::logs::install();
    let mut args = Arguments::from_args();
    // Mostly waiting on sockets and PostgreSQL: more threads than cores pay off.
    let threads = if needs.as_ref().is_some_and(|n| n.serial) {
        1
    } else {
        4
    };
    args.test_threads.get_or_insert(threads);
    let required = std::env::var("TOKENPAIR_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    let postgres = postgres_available();
    let skip_postgres = postgres.is_err() && !required;
    let django = if tests.iter().any(|t| t.django) {
        crate::django::reference().map(drop)
    } else {
        Ok(())
    };
    let skip_django = django.is_err() && !crate::django::required();
    crate::db::prepare_templates(postgres.is_ok());

    let needed = needs
        .as_ref()
        .and_then(|needs| needs.available.clone().err().map(|e| (e, needs.required)));
    let mut trials = Vec::new();
    for test in &tests {
        for &backend in backends {
            let run = test.run;
            let unavailable = match (&postgres, backend) {
                (Err(e), Backend::Postgres) => Some(format!(
                    "PostgreSQL is required (TOKENPAIR_REQUIRE_POSTGRES=1) but unreachable: {e}"
                )),
                _ => None,
            };
            let unavailable = unavailable.or(match (&django, test.django) {
                (Err(e), true) => Some(format!(
                    "the Django reference app is required ({}=1) but unavailable: {e}",
                    crate::django::REQUIRE_VAR
                )),
                _ => None,
            });
            let unavailable = unavailable.or(needed.as_ref().map(|(why, _)| why.clone()));
            // module_path! starts with the test binary's name: drop it
            let path = test
                .name
                .split_once("::")
                .map_or(test.name, |(_, rest)| rest);
            let name = format!("{}::{path}", backend.name());
            let trial = Trial::test(name, move || {
                if let Some(why) = unavailable {
                    return Err(why.into());
                }
                run_one(run, backend)
            });
            let ignored = (skip_postgres && backend == Backend::Postgres)
                || (skip_django && test.django)
                || needed.as_ref().is_some_and(|(_, required)| !required);
            trials.push(trial.with_ignored_flag(ignored));
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);
    crate::db::drop_templates();
    if let (true, Err(why)) = (skip_postgres, &postgres) {
        let line = "=".repeat(78);
        eprintln!(
            "\n{line}\nPOSTGRESQL HALF SKIPPED: no PostgreSQL at {} ({}).\n\
             The end-to-end tests ran on SQLite only. To run them on PostgreSQL too, start a\n\
             server and point TOKENPAIR_TEST_DATABASE_URL at its maintenance database with a\n\
             role that may CREATE DATABASE (default postgres://postgres@127.0.0.1:5432/postgres),\n\
             or run `bash .ci/run`, which starts PostgreSQL and requires it.\n{line}",
            postgres_admin_url(),
            why.lines().next().unwrap_or_default().trim(),
        );
    }
    if let (true, Err(why)) = (skip_django, &django) {
        let line = "=".repeat(78);
        eprintln!(
            "\n{line}\nDJANGO DIFFERENTIAL TESTS SKIPPED: {why}.\n\
             The tests against the real Django + simplejwt (and the shared-database tests) did\n\
             not run. Make the reference virtualenv (.django-ref-venv) with\n\
             `reference/django/setup.sh` run from the repository root, or run\n\
             `bash .ci/run`, which makes it and requires it ({}=1).\n{line}",
            crate::django::REQUIRE_VAR,
        );
    }
    conclusion.exit_code()
}

fn run_one(run: fn(Arc<Ctx>) -> TestFuture, backend: Backend) -> Result<(), Failed> {
    let capture = Capture::start();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_in_runtime(run, backend, &capture)
    }));
    let logs = capture.finish();
    let failed = !matches!(outcome, Ok(Ok(())));
    if failed && !logs.is_empty() {
        // one write, so that the lines of tests failing at once do not interleave
        eprint!(
            "\n---- service logs while this test ran ----\n{logs}---- end of service logs ----\n"
        );
    }
    match outcome {
        Ok(result) => result,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

fn run_in_runtime(
    run: fn(Arc<Ctx>) -> TestFuture,
    backend: Backend,
    capture: &Capture,
) -> Result<(), Failed> {
    let tag = capture.tagger();
    tag();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_start(tag)
        .build()
        .map_err(|e| Failed::from(e.to_string()))?;
    let ctx = Arc::new(Ctx::new(backend));
    let outcome = runtime.block_on(async {
        let outcome = tokio::spawn(run(ctx.clone())).await;
        ctx.stop_servers().await;
        outcome
    });
    drop(runtime);
    drop(ctx);
    match outcome {
        Ok(()) => Ok(()),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(e.to_string().into()),
    }
}
