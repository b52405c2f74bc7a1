//! End-to-end tests: real HTTP against both services on a real database.
//! Run with `cargo test`; see the README for PostgreSQL.

mod cli;
mod differential;
mod lifecycle;
mod observability;
mod obtain;
mod protected;
mod refresh;
mod robustness;
mod stack;
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
    tests::harness::main(tests)
}
