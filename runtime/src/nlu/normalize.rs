//! Text normalization shared by every matcher: lowercase, full-width → half-width,
//! punctuation and symbols → spaces, runs of whitespace → one space, trimmed.

/// Normalizes `text` for matching. Apostrophes are dropped rather than spaced so that
/// "don't" becomes "dont" (one word for the negation lexicon).
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for raw in text.chars() {
        let c = half_width(raw);
        if c == '\'' || c == '’' || c == '‘' {
            continue;
        }
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// Full-width ASCII variants (U+FF01–U+FF5E) and the ideographic space to their ASCII forms.
pub fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// CJK and other scripts written without spaces between words: matched by characters.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // kana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xAC00..=0xD7AF    // hangul syllables
        | 0xF900..=0xFAFF    // compatibility ideographs
        | 0x20000..=0x2FFFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_width_and_punctuation() {
        assert_eq!(normalize("  Hello,  WORLD!! "), "hello world");
        assert_eq!(normalize("ＡＢＣ１２３"), "abc123");
        assert_eq!(normalize("我的卡丢了！！"), "我的卡丢了");
        assert_eq!(normalize("你好，转人工。"), "你好 转人工");
        assert_eq!(normalize("Don't"), "dont");
    }
}
