//! How a Rust `String` holds a Python string with lone surrogates.

// Lone UTF-16 surrogates are valid in Python strings (and `json.loads` yields
// them for escapes such as "\ud800"), but a Rust `String` cannot hold them.
// They are stored as MARK followed by a character of Plane 15's private use
// area (U+F0000 + offset from U+D800), and a literal MARK in the input is
// doubled, so every Python string has exactly one encoding and strings
// without either (all real-world input) are stored unchanged. MARK is a
// Unicode noncharacter, the code points set aside for internal use like
// this. [`py_code_points`] undoes the encoding.
pub(super) const MARK: char = '\u{FDD0}';
const SURROGATE_BASE: u32 = 0xF0000;

pub(super) fn push_code_point(out: &mut String, cp: u32) {
    if (0xD800..=0xDFFF).contains(&cp) {
        out.push(MARK);
        if let Some(c) = char::from_u32(SURROGATE_BASE + (cp - 0xD800)) {
            out.push(c);
        }
    } else if let Some(c) = char::from_u32(cp) {
        if c == MARK {
            out.push(MARK);
        }
        out.push(c);
    }
}

/// The Python string a [`loads`] string stands for, as code points (lone
/// surrogates included).
pub(crate) fn py_code_points(s: &str) -> Vec<u32> {
    let mut out = Vec::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != MARK {
            out.push(u32::from(c));
            continue;
        }
        match chars.peek().copied() {
            Some(MARK) => {
                chars.next();
                out.push(u32::from(MARK));
            }
            Some(next) if (SURROGATE_BASE..SURROGATE_BASE + 0x800).contains(&u32::from(next)) => {
                chars.next();
                out.push(u32::from(next) - SURROGATE_BASE + 0xD800);
            }
            _ => out.push(u32::from(c)),
        }
    }
    out
}
