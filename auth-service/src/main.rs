fn main() -> std::process::ExitCode {
    auth_service::commands::main()
}
