//! Python's `str()` of the numbers `json.loads` produces: what DRF's
//! `CharField` makes of a JSON number.

use serde_json::Number;

/// Python's `str()` of the number a JSON number literal parses to.
///
/// A literal without fraction or exponent is a Python `int` (exact digits at
/// any size); anything else is a `float`, printed the way `repr()` does.
pub fn py_str_number(n: &Number) -> String {
    let text = n.as_str();
    if text.contains(['.', 'e', 'E']) {
        match text.parse::<f64>() {
            Ok(x) => py_float_repr(x),
            // Unreachable for numbers serde_json accepted; keep the text rather than panic.
            Err(_) => text.to_owned(),
        }
    } else {
        py_int_str(text)
    }
}

fn py_int_str(text: &str) -> String {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        // Python has no negative zero integer: int("-0") is 0.
        "0".to_owned()
    } else if negative {
        format!("-{digits}")
    } else {
        digits.to_owned()
    }
}

/// `repr(float)`: the shortest digits that round-trip, positional notation
/// while the decimal exponent is in -4..16, scientific (`1e+16`, `1e-05`)
/// outside it, and a `.0` on integral values.
fn py_float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_owned();
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x.is_infinite() {
        return format!("{sign}inf");
    }
    if x == 0.0 {
        return format!("{sign}0.0");
    }
    // Python prints the shortest digit count that round-trips, with the digits
    // correctly rounded (half to even) from the exact binary value. Rust's
    // `{:e}` finds the same count but breaks exact ties upwards
    // (188571447730000.125 gives ...0.13, Python ...0.12), while Rust's
    // fixed-precision `{:.N$e}` rounds half to even. So take the count from
    // the one and the digits from the other.
    let (shortest, _) = split_sci(&format!("{:e}", x.abs()));
    let precision = shortest.len().saturating_sub(1);
    let (digits, exponent) = split_sci(&format!("{:.precision$e}", x.abs()));
    let digits = match digits.trim_end_matches('0') {
        "" => "0".to_owned(),
        trimmed => trimmed.to_owned(),
    };
    // Python's `decpt`: the value is 0.<digits> * 10**decpt.
    let decpt = exponent + 1;
    let n = digits.len() as i64;
    let body = if -4 < decpt && decpt <= 16 {
        if decpt <= 0 {
            format!("0.{}{digits}", "0".repeat((-decpt) as usize))
        } else if decpt >= n {
            format!("{digits}{}.0", "0".repeat((decpt - n) as usize))
        } else {
            let (int, frac) = digits.split_at(decpt as usize);
            format!("{int}.{frac}")
        }
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        if rest.is_empty() {
            format!("{first}e{exp_sign}{:02}", exponent.abs())
        } else {
            format!("{first}.{rest}e{exp_sign}{:02}", exponent.abs())
        }
    };
    format!("{sign}{body}")
}

/// The significant digits and the exponent of Rust's `{:e}` output.
fn split_sci(sci: &str) -> (String, i64) {
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci, "0"));
    let digits = mantissa.chars().filter(char::is_ascii_digit).collect();
    (digits, exponent.parse().unwrap_or(0))
}
