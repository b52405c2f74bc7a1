fn main() -> std::process::ExitCode {
    protected_service::commands::main()
}
