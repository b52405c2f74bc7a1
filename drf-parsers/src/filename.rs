//! Whether Django keeps an uploaded file, judged by its name.
//!
//! HTML entities are resolved by `htmlize`, which implements the WHATWG
//! algorithm that Python's `html.unescape` follows (full entity table,
//! references without `;`, the Windows-1252 replacements). The two differ only
//! where Python drops a code point that HTML keeps (C0/C1 controls and
//! noncharacters), and those are removed as non-printable right after, so the
//! verdict is the same.
//!
//! `str.isprintable` is approximated by hand, as std has no Unicode general
//! categories: it errs only on rare format characters and on unassigned code
//! points, which a general-category table would settle.

/// Django's `sanitize_file_name` keeps the file unless nothing usable is
/// left: HTML entities resolved, directories dropped, non-printable
/// characters removed, and "", "." or ".." refused.
pub(super) fn usable_file_name(name: &str) -> bool {
    let name = htmlize::unescape(name);
    let name = name.rsplit('/').next().unwrap_or_default();
    let name = name.rsplit('\\').next().unwrap_or_default();
    let name: String = name.chars().filter(|&c| py_isprintable(c)).collect();
    !matches!(name.as_str(), "" | "." | "..")
}

/// Python's `str.isprintable` for one character: false for categories Cc,
/// Cf, Co, Cn, Zl, Zp and Zs other than the space. Without Unicode tables,
/// Cf is limited to the characters in common use and unassigned code points
/// count as printable.
fn py_isprintable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let cp = u32::from(c);
    let format = matches!(
        cp,
        0xAD | 0x600..=0x605
            | 0x61C
            | 0x6DD
            | 0x70F
            | 0x890..=0x891
            | 0x8E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    );
    let private_use = matches!(cp, 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD);
    let noncharacter = (0xFDD0..=0xFDEF).contains(&cp) || cp & 0xFFFE == 0xFFFE;
    !(format || private_use || noncharacter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_like_django() {
        for name in [
            "a.png", " ", "a/b", "...", "&amp;", "&#46;x", "x&#0;", "&sol;a",
        ] {
            assert!(usable_file_name(name), "{name:?}");
        }
        for name in [
            "",
            ".",
            "..",
            "a/",
            "a\\",
            "a/..",
            "&#47;",
            "\u{200b}",
            "&#46;&#46;",
            "&#x2F;",
            "&sol;",
            "\t",
        ] {
            assert!(!usable_file_name(name), "{name:?}");
        }
    }
}
