//! End-to-end tests: real HTTP against both services on a real database.
//! Run with `cargo test`; see the README for PostgreSQL.

mod admin;
mod admin_bind;
mod attacks;
mod browsable;
mod catalogue;
mod cli;
mod cookies;
mod differential;
mod hostile_input;
mod jwk_url;
mod keys;
mod keys_files;
mod lifecycle;
mod observability;
mod obtain;
mod outage;
mod pgbouncer;
mod probes;
mod protected;
mod refresh;
mod revocation;
mod robustness;
mod secrets_files;
mod stack;
mod throttle;
mod tutorial;

fn main() -> std::process::ExitCode {
    let mut tests = Vec::new();
    tests.extend(tutorial::tests());
    tests.extend(obtain::tests());
    tests.extend(refresh::tests());
    tests.extend(protected::tests());
    tests.extend(lifecycle::tests());
    tests.extend(cli::tests());
    tests.extend(observability::tests());
    tests.extend(robustness::tests());
    tests.extend(stack::tests());
    tests.extend(differential::tests());
    tests.extend(hostile_input::tests());
    tests.extend(throttle::tests());
    tests.extend(revocation::tests());
    tests.extend(keys_files::tests());
    tests.extend(keys::tests());
    tests.extend(outage::tests());
    tests.extend(probes::tests());
    tests.extend(attacks::tests());
    tests.extend(catalogue::tests());
    tests.extend(secrets_files::tests());
    tests.extend(admin_bind::tests());
    tests.extend(jwk_url::tests());
    tests.extend(pgbouncer::tests());
    tests.extend(admin::tests());
    tests.extend(cookies::tests());
    tests.extend(browsable::tests());
    tests::harness::main(tests)
}
