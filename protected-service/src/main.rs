fn main() -> std::process::ExitCode {
    protected_service::cli::main()
}
