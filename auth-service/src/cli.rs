//! The command line. Kept in the library so tests can check what the compose
//! file and the README run against these exact definitions.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "auth-service",
    version,
    about = "Issues, refreshes, verifies and blacklists simplejwt-compatible JWTs"
)]
pub struct Cli {
    /// TOML settings file (else $TOKENPAIR_CONFIG); the environment overrides it.
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the token API.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8000", value_name = "HOST:PORT")]
        bind: String,
    },
    /// Create the tables (leaves tables Django already created as they are).
    Migrate,
    /// Create a superuser, as Django's `createsuperuser` does.
    Createsuperuser(CreateUserArgs),
    /// Create a regular (non-staff) user; same flags and variables as createsuperuser.
    Createuser(CreateUserArgs),
    /// Change a user's password, as Django's `changepassword` does.
    Changepassword {
        /// The user (default: the current system user's name).
        username: Option<String>,
    },
    /// Delete expired outstanding tokens and their blacklist rows, as Django's
    /// `flushexpiredtokens` does (run it from cron).
    Flushexpiredtokens,
    /// GET a URL (the readiness probe by default) and exit 0 on a 2xx answer, 1
    /// otherwise with the reason on stderr: the container healthcheck, without curl.
    Healthcheck {
        #[arg(
            long,
            default_value = "http://127.0.0.1:8000/readyz",
            value_name = "URL"
        )]
        url: String,
    },
    /// Validate the settings and the database; exit non-zero with the problem.
    Check,
    /// Make a signing key pair, or print the JWKS of the configured keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Write DIR/signing.pem (PKCS#8, mode 0600) and DIR/verifying.pem, print the kid;
    /// never overwrites a key.
    Generate {
        #[arg(long, value_enum)]
        algorithm: KeyAlgorithm,
        /// RSA modulus size (RS256 only; the key also serves RS384/512 and PS*).
        #[arg(long, value_name = "2048|3072|4096")]
        bits: Option<usize>,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Print the JWKS of the configured keys (SIMPLE_JWT__VERIFYING_KEY, then
    /// TOKENPAIR__PREVIOUS_VERIFYING_KEYS), as GET /.well-known/jwks.json serves it.
    Jwks,
}

/// The algorithms `keys generate` makes pairs for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyAlgorithm {
    #[value(name = "EdDSA")]
    EdDSA,
    #[value(name = "RS256")]
    RS256,
    #[value(name = "ES256")]
    ES256,
}

impl KeyAlgorithm {
    pub fn algorithm(self) -> jsonwebtoken::Algorithm {
        match self {
            Self::EdDSA => jsonwebtoken::Algorithm::EdDSA,
            Self::RS256 => jsonwebtoken::Algorithm::RS256,
            Self::ES256 => jsonwebtoken::Algorithm::ES256,
        }
    }
}

#[derive(Debug, Args)]
pub struct CreateUserArgs {
    /// Do not prompt: take the username and email from the flags or from
    /// DJANGO_SUPERUSER_USERNAME / DJANGO_SUPERUSER_EMAIL, the password from
    /// DJANGO_SUPERUSER_PASSWORD (none: an unusable password).
    #[arg(long, alias = "no-input")]
    pub noinput: bool,
    #[arg(long)]
    pub username: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
}
