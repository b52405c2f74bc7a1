//! auth-service's command line as its binary runs it (auth-service/src/main.rs), built
//! inside this package so that the end-to-end tests can run a command in a process of
//! its own: with its own environment (`createsuperuser --noinput` reads
//! DJANGO_SUPERUSER_*), its own stdout and its exit status, as a deployment script sees
//! them. Cargo hands the tests its path (`CARGO_BIN_EXE_auth-service-cli`).

fn main() -> std::process::ExitCode {
    auth_service::commands::main()
}
