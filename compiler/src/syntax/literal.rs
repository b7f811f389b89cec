//! Literals, shared by both parsers (pest's lowering and the fast path) and by the
//! formatter: decoding escapes, dates, times and durations, and [`quote`], the inverse of
//! reading a string literal.

use crate::ast::{Date, Time};

/// The character an escape `\c` stands for (the grammar's `str_escape`).
pub fn unescape_char(c: char) -> Option<char> {
    Some(match c {
        '"' => '"',
        '\\' => '\\',
        'n' => '\n',
        't' => '\t',
        '{' => '{',
        '}' => '}',
        _ => return None,
    })
}

/// The text of an escape as written (`\\n`, two characters).
pub fn unescape(escape: &str) -> &'static str {
    match escape {
        "\\n" => "\n",
        "\\t" => "\t",
        "\\\"" => "\"",
        "\\{" => "{",
        "\\}" => "}",
        _ => "\\",
    }
}

/// `text` as a string literal that reads back as `text`: quotes, backslashes, newlines,
/// tabs and braces (which would start an interpolation) escaped.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '{' => out.push_str("\\{"),
            '}' => out.push_str("\\}"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `2026-11-23` (the grammar checked the shape; impossible dates are the checks' job).
pub fn date(text: &str) -> Date {
    let mut parts = text.split('-').map(|p| p.parse::<u32>().unwrap_or(0));
    let year = parts.next().unwrap_or(0) as i32;
    let month = parts.next().unwrap_or(0);
    let day = parts.next().unwrap_or(0);
    Date { year, month, day }
}

/// `09:00`
pub fn time(text: &str) -> Time {
    let mut parts = text.split(':').map(|p| p.parse::<u32>().unwrap_or(99));
    Time {
        hour: parts.next().unwrap_or(99),
        minute: parts.next().unwrap_or(99),
    }
}

/// `5s`, `2m`, `1h`, `300ms`
pub fn duration_millis(text: &str) -> u64 {
    let digits: String = text.chars().take_while(|c| c.is_ascii_digit()).collect();
    let value: u64 = digits.parse().unwrap_or(u64::MAX);
    let unit = &text[digits.len()..];
    let factor = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        _ => 3_600_000,
    };
    value.saturating_mul(factor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{ExprKind, Item, StmtKind, StrPart};
    use crate::source::FileId;

    /// The text of the only `say` of a one-state flow.
    fn said(source: &str) -> Vec<StrPart> {
        let parsed = crate::syntax::parse_file(FileId(0), source);
        assert!(
            parsed.diagnostics.is_empty(),
            "{source}: {:?}",
            parsed.diagnostics
        );
        let Some(Item::Flow(flow)) = parsed.file.items.first() else {
            panic!("{source}");
        };
        let StmtKind::Say(text) = &flow.states[0].body.statements[0].kind else {
            panic!("{source}");
        };
        text.parts.clone()
    }

    #[test]
    fn quote_reads_back_as_the_same_text() {
        for text in [
            "plain",
            "tab\there",
            "new\nline",
            "{braces} and }} and {{",
            "quote \" and back\\slash",
            "# not a comment",
            "",
            "你好 {name}",
        ] {
            let source = format!("flow f {{ start a state a {{ say {} end }} }}", quote(text));
            let parts = said(&source);
            let decoded: String = parts
                .iter()
                .map(|p| match p {
                    StrPart::Text(t, _) => t.clone(),
                    StrPart::Interpolation(_) => panic!("{source}: an interpolation"),
                })
                .collect();
            assert_eq!(decoded, text, "{source}");
        }
    }

    #[test]
    fn string_parts_span_their_source_escapes_included() {
        let source = "flow f { start a state a { say \"a\\tb {x} c}}d\" end } }";
        for source in [source.to_string(), source.replace("say", "say  ")] {
            let parts = said(&source);
            let slices: Vec<&str> = parts
                .iter()
                .map(|p| match p {
                    StrPart::Text(_, span) => &source[span.range()],
                    StrPart::Interpolation(e) => {
                        assert!(matches!(e.kind, ExprKind::Name(_)));
                        &source[e.span.range()]
                    }
                })
                .collect();
            assert_eq!(slices, ["a\\tb ", "x", " c}}d"], "{source}");
        }
    }
}
