//! The template format of interpolated text, in one place for both sides: the compiler
//! encodes `"Hello {name}, {{literal}}"` as `Hello {0}, {{literal}}` (and pushes `name`'s
//! value), the VM decodes it when it says the text.
//!
//! - `{N}` (decimal N) is placeholder N: the N-th value the instruction pops, in push order.
//! - `{{` and `}}` are a literal `{` and `}`; a lone `}` is literal too.
//! - A `{` not followed by digits (which the compiler never writes) is dropped, with a `}`
//!   right after it; `{N` without its `}` is still placeholder N.

/// One piece of a decoded template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'t> {
    /// Literal text, borrowed from the template.
    Text(&'t str),
    /// Placeholder N.
    Arg(usize),
}

/// Builds a template (the compiler's side).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Template {
    text: String,
    args: u32,
}

impl Template {
    pub fn new() -> Template {
        Template::default()
    }

    /// Appends literal text, its braces doubled.
    pub fn text(&mut self, literal: &str) {
        for c in literal.chars() {
            match c {
                '{' => self.text.push_str("{{"),
                '}' => self.text.push_str("}}"),
                c => self.text.push(c),
            }
        }
    }

    /// Appends the next placeholder (`{0}`, then `{1}` …) and returns its number.
    pub fn placeholder(&mut self) -> u32 {
        let n = self.args;
        self.text.push('{');
        self.text.push_str(&n.to_string());
        self.text.push('}');
        self.args += 1;
        n
    }

    /// The encoded text and how many values fill it.
    pub fn finish(self) -> (String, u32) {
        (self.text, self.args)
    }
}

/// Whether `text` holds `{` or `}` (a text without either is said as it is), eight bytes at
/// a time: every prompt of every turn is scanned, and `str::contains` with a char set took
/// ~350 instructions for a 50-byte one.
pub fn has_brace(text: &str) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGH != 0;
    let mut words = text.as_bytes().chunks_exact(8);
    for word in &mut words {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        let x = u64::from_le_bytes(bytes);
        if has_zero_byte(x ^ (ONES * u64::from(b'{')))
            || has_zero_byte(x ^ (ONES * u64::from(b'}')))
        {
            return true;
        }
    }
    words.remainder().iter().any(|b| matches!(b, b'{' | b'}'))
}

/// The pieces of `template` in order (the VM's side).
pub fn pieces(template: &str) -> Pieces<'_> {
    Pieces { rest: template }
}

/// See [`pieces`].
pub struct Pieces<'t> {
    rest: &'t str,
}

impl<'t> Iterator for Pieces<'t> {
    type Item = Piece<'t>;

    fn next(&mut self) -> Option<Piece<'t>> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let Some(at) = self.rest.find(['{', '}']) else {
                let text = self.rest;
                self.rest = "";
                return Some(Piece::Text(text));
            };
            if at > 0 {
                let (text, tail) = self.rest.split_at(at);
                self.rest = tail;
                return Some(Piece::Text(text));
            }
            let (brace, after) = self.rest.split_at(1);
            if after.starts_with(brace) {
                // `{{` or `}}`: a literal brace.
                self.rest = &after[1..];
                return Some(Piece::Text(brace));
            }
            if brace == "}" {
                // A lone `}` is literal text.
                self.rest = after;
                return Some(Piece::Text(brace));
            }
            let digits = after
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(after.len());
            let index = after[..digits].parse::<usize>().ok();
            let next = &after[digits..];
            self.rest = next.strip_prefix('}').unwrap_or(next);
            if let Some(index) = index {
                return Some(Piece::Arg(index));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fills a template the way the VM does, with `args` shown as they are.
    fn fill(template: &str, args: &[&str]) -> String {
        pieces(template)
            .map(|piece| match piece {
                Piece::Text(text) => text,
                Piece::Arg(i) => args.get(i).copied().unwrap_or(""),
            })
            .collect()
    }

    #[test]
    fn what_the_encoder_writes_the_decoder_reads_back() {
        let cases: &[&[Result<&str, &str>]] = &[
            &[Ok("plain 文本")],
            &[Ok("ref "), Err("R-1"), Ok(", card "), Err("1234"), Ok(".")],
            &[Ok("{literal} }{ {{ }} {0} {"), Err("x"), Ok("}")],
            &[Err("a"), Err("b"), Err("c")],
            &[Ok("tab\tand\nnewline {")],
            &[],
        ];
        for parts in cases {
            let mut template = Template::new();
            let mut args = Vec::new();
            let mut expected = String::new();
            for part in *parts {
                match part {
                    Ok(text) => {
                        template.text(text);
                        expected.push_str(text);
                    }
                    Err(value) => {
                        assert_eq!(template.placeholder() as usize, args.len());
                        args.push(*value);
                        expected.push_str(value);
                    }
                }
            }
            let (text, count) = template.finish();
            assert_eq!(count as usize, args.len(), "{text}");
            assert_eq!(fill(&text, &args), expected, "{text}");
            assert_eq!(
                has_brace(&text),
                !args.is_empty() || expected.contains(['{', '}'])
            );
        }
    }

    #[test]
    fn decoding_what_the_compiler_never_writes() {
        assert_eq!(fill("{7} missing", &["a"]), " missing");
        assert_eq!(fill("lone } brace", &[]), "lone } brace");
        assert_eq!(fill("{} {x} {1", &["a", "b"]), " x} b");
        assert_eq!(
            pieces("a{0}b").collect::<Vec<_>>(),
            [Piece::Text("a"), Piece::Arg(0), Piece::Text("b")]
        );
    }

    #[test]
    fn braces_are_found_at_any_offset() {
        assert!(!has_brace(""));
        assert!(!has_brace(
            "State 12: menu 12, please choose one of 3 options."
        ));
        for len in 1..20 {
            for at in 0..len {
                for brace in ['{', '}'] {
                    let mut text: Vec<char> = "a".repeat(len).chars().collect();
                    text[at] = brace;
                    let text: String = text.into_iter().collect();
                    assert!(has_brace(&text), "{text}");
                }
            }
        }
        assert!(!has_brace("｛全角｝ and 文本"));
    }
}
