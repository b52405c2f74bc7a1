//! What both services' command lines end with.

use std::process::ExitCode;

/// A command's outcome as the process's exit status: a failure is its one-line
/// message on stderr and a non-zero status, which is what scripts and compose read.
pub fn exit_status(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}
