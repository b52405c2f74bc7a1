//! The base64url decoding of token segments, shared by the codec (payload, signature) and
//! the key set (the header it reads `kid` and `alg` from).

use base64::Engine;
use base64::alphabet::URL_SAFE;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};

/// Python's base64 decoder is lenient about padding and trailing bits; so are we.
const LENIENT_URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// One segment of a token, decoded as PyJWT decodes it.
pub(super) fn decode(segment: &[u8]) -> Result<Vec<u8>, base64::DecodeError> {
    LENIENT_URL_SAFE.decode(segment)
}
