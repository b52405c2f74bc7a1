//! One GET of the JWKS, bounded: a connect timeout, a deadline for the whole exchange, no
//! redirects, and a body cap checked against `Content-Length` first and then while reading,
//! so that a broken or hostile endpoint can neither hang the refresher nor fill its memory.

use reqwest::{Client, StatusCode, header};
use std::time::Duration;

/// A JWKS of `MAX_KEYS` RSA-4096 keys is ~25 KiB; anything 10 times that is not a JWKS.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The whole exchange: connect, request, headers and body.
pub const DEADLINE: Duration = Duration::from_secs(5);

const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Why a fetch failed; also the `outcome` label of `tokenpair_jwks_fetch_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchError {
    /// Connection refused or reset, DNS, the deadline.
    Unreachable,
    /// An answer other than 200.
    Status(StatusCode),
    TooLarge,
}

impl FetchError {
    pub fn label(self) -> &'static str {
        match self {
            Self::Unreachable => "unreachable",
            Self::Status(_) => "http_error",
            Self::TooLarge => "too_large",
        }
    }
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreachable => {
                f.write_str("the JWKS endpoint did not answer (connection or 5 s deadline)")
            }
            Self::Status(status) => write!(f, "the JWKS endpoint answered {}", status.as_u16()),
            Self::TooLarge => write!(f, "the JWKS is larger than {MAX_BODY_BYTES} bytes"),
        }
    }
}

/// The client of one refresher (it keeps the connection to the endpoint alive).
pub fn client() -> Result<Client, reqwest::Error> {
    Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(DEADLINE)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("tokenpair/", env!("CARGO_PKG_VERSION"), " (jwks)"))
        .build()
}

/// The body of `GET url`, at most [`MAX_BODY_BYTES`].
pub async fn fetch(client: &Client, url: &str) -> Result<Vec<u8>, FetchError> {
    let mut response = client
        .get(url)
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|_| FetchError::Unreachable)?;
    if response.status() != StatusCode::OK {
        return Err(FetchError::Status(response.status()));
    }
    if response
        .content_length()
        .is_some_and(|length| length > MAX_BODY_BYTES as u64)
    {
        return Err(FetchError::TooLarge);
    }
    let mut body = Vec::new();
    // The client's deadline covers these reads too.
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|_| FetchError::Unreachable)?
    {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(FetchError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
