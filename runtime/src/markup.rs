//! Text inside XML or HTML-like markup — the JUnit report of `csflow test`, the server's
//! TwiML, Graphviz labels of `csflow graph` — escaped by one function, so the three cannot
//! drift apart. Here (and not in the compiler) because the server, which does not link the
//! compiler, needs it too.

/// What becomes of a character XML 1.0 cannot hold (a control character other than tab,
/// line feed and carriage return; U+FFFE; U+FFFF) — and, for one-line labels, of line breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Controls {
    /// Replaced by U+FFFD, so a reader sees that something was there (JUnit reports).
    Replace,
    /// Left out (speech: nothing to say for it).
    Drop,
    /// Every control character, line breaks and tabs included, becomes a space (a label
    /// drawn on one line).
    Space,
}

/// `text` with `&`, `<`, `>`, `"` and `'` written as entities, and the characters XML
/// cannot hold treated as `controls` says.
pub fn escape(text: &str, controls: Controls) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && controls == Controls::Space => out.push(' '),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => match controls {
                Controls::Replace => out.push('\u{FFFD}'),
                Controls::Drop | Controls::Space => {}
            },
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_are_escaped_and_controls_treated_as_asked() {
        let text = "a<b & \"c\" 'd'>\u{1}\n\u{FFFF}";
        assert_eq!(
            escape(text, Controls::Replace),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;\u{FFFD}\n\u{FFFD}"
        );
        assert_eq!(
            escape(text, Controls::Drop),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;\n"
        );
        assert_eq!(
            escape("one\nline\r\u{1b}[2J\tend", Controls::Space),
            "one line  [2J end"
        );
        assert_eq!(escape("余额 ok", Controls::Drop), "余额 ok");
    }
}
