//! Over-long expression chains, cut short before pest sees them.
//!
//! An expression may have at most [`MAX_CHAIN`] `and`/`or` parts, `+ -` parts, `* /` parts,
//! `not`s in a row and `.field` accesses (the lowering reports more as a syntax error). pest, though, builds
//! its whole token queue before the lowering can count: a 3,000,000-part `and` chain cost
//! 2.7 GB and 20 s to report that one error. So before a declaration or flow segment goes
//! to pest, a byte scan (strings, regexes and comments skipped, like the chunker's) counts
//! each chain, and past the limit blanks the rest of it with spaces — the same bytes'
//! length, so every span stays true. pest then sees a chain of just over the limit, and the
//! lowering reports it exactly as before, its span underlining the chain from its first part
//! to the one past the limit.
//!
//! Counting is per parenthesis level and follows the grammar (`or` of `and`s of `not`s of
//! comparisons of sums of products of postfix `.field`s). It errs towards counting less: a
//! chain is taken to end at a brace, a comma, a bracket, a bare `=`, a statement keyword, a
//! line break not next to an operator, or (for `+ - * /`) a comparison or two operands side
//! by side (`09:00-12:00 13:00-17:00`); a `+`/`-` after an operator is a sign, not a part,
//! and a `/` is a regex only after `matches`, `matching` or `say`. A chain counted short is
//! still refused by the lowering, only at pest's cost.

use super::lower::MAX_CHAIN;

/// `text` with every chain past the limit blanked after its first `MAX_CHAIN + 1` parts, or
/// `None` when no chain is that long (the common case: no copy).
pub fn cut_long_chains(text: &str) -> Option<String> {
    // Cheap test first: a text without that many operator words has no such chain.
    if text.len() < 4 * MAX_CHAIN {
        return None;
    }
    let cuts = scan(text.as_bytes());
    if cuts.is_empty() {
        return None;
    }
    let mut bytes = text.as_bytes().to_vec();
    for (from, to) in cuts {
        for b in &mut bytes[from..to] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    }
    // Only whole UTF-8 sequences were replaced (cuts start and end at ASCII tokens), so
    // this never fails; if it did, pest gets the original text.
    String::from_utf8(bytes).ok()
}

/// What a chain counts, at one parenthesis level.
#[derive(Default, Clone, Copy)]
struct Level {
    ors: usize,
    ands: usize,
    /// `+`/`-` operators of the current sum, `*`/`/` of the current product.
    sums: usize,
    products: usize,
    nots: usize,
    fields: usize,
    /// A part past the limit started here: blank from it to the end of the chain.
    cut: Option<usize>,
    /// The `not`s past the limit of the current run: the first and the second. A long run
    /// keeps only its parity (see `lower::negated`), so an even number of them is blanked.
    not_cut: Option<(usize, Option<usize>)>,
}

/// Token kinds the counting cares about.
#[derive(PartialEq, Eq, Clone, Copy)]
enum Last {
    Operator,
    Other,
}

/// The `(from, to)` byte ranges to blank.
fn scan(text: &[u8]) -> Vec<(usize, usize)> {
    let mut cuts = Vec::new();
    let mut levels = vec![Level::default()];
    let mut last = Last::Other;
    let mut previous_word: &[u8] = b"";
    // A line break not after an operator ends the chain, unless the next token continues it.
    let mut line_break = false;
    let mut pos = 0;
    let end_all = |levels: &mut Vec<Level>, cuts: &mut Vec<(usize, usize)>, at: usize| {
        for level in levels.iter_mut() {
            end_nots(level, cuts, at);
            if let Some(from) = level.cut.take() {
                cuts.push((from, at));
            }
            *level = Level::default();
        }
        levels.truncate(1);
    };
    let end_level = |level: &mut Level, cuts: &mut Vec<(usize, usize)>, at: usize| {
        end_nots(level, cuts, at);
        if let Some(from) = level.cut.take() {
            cuts.push((from, at));
        }
        *level = Level::default();
    };
    while pos < text.len() {
        let byte = text[pos];
        if byte == b'\n' {
            if last != Last::Operator {
                line_break = true;
            }
            pos += 1;
            continue;
        }
        if byte.is_ascii_whitespace() {
            pos += 1;
            continue;
        }
        if byte == b'#' {
            pos = memchr::memchr(b'\n', &text[pos..]).map_or(text.len(), |i| pos + i);
            continue;
        }
        let regex = matches!(previous_word, b"matches" | b"matching" | b"say");
        let token_end = token_end(text, pos, regex);
        let token = &text[pos..token_end];
        let continues = matches!(token, b"and" | b"or" | b"." | b"+" | b"-" | b"*" | b"/");
        if line_break && !continues {
            end_all(&mut levels, &mut cuts, pos);
        }
        line_break = false;
        match token {
            b"(" => {
                levels.push(Level::default());
                last = Last::Operator;
            }
            b")" => {
                match levels.pop() {
                    Some(mut inner) if !levels.is_empty() => end_level(&mut inner, &mut cuts, pos),
                    _ => {
                        levels.push(Level::default());
                        end_all(&mut levels, &mut cuts, pos);
                    }
                }
                last = Last::Other;
            }
            b"{" | b"}" | b"=" => {
                end_all(&mut levels, &mut cuts, pos);
                last = Last::Other;
            }
            word if ends_statement(word, previous_word) => {
                end_all(&mut levels, &mut cuts, pos);
                last = Last::Other;
            }
            _ => {
                if let Some(level) = levels.last_mut() {
                    last = count(level, token, last, &mut cuts, pos);
                }
            }
        }
        previous_word = token;
        pos = token_end;
    }
    let at = text.len();
    end_all(&mut levels, &mut cuts, at);
    cuts
}

/// Counts one token of a chain at its level; returns what the token was.
fn count(
    level: &mut Level,
    token: &[u8],
    last: Last,
    cuts: &mut Vec<(usize, usize)>,
    pos: usize,
) -> Last {
    // A sum or product ends where the comparison or the `and`/`or`/`not` around it goes on,
    // and where a second operand follows one without an operator between them.
    let arithmetic = matches!(token, b"+" | b"-" | b"*" | b"/" | b".");
    if !arithmetic && (last == Last::Other || is_comparison(token) || is_logic(token)) {
        level.sums = 0;
        level.products = 0;
    }
    // `not`s in a row, and `.field`s, are counted only while they continue.
    if token != b"not" {
        end_nots(level, cuts, pos);
    }
    // An identifier right after `.` is the field; anything else ends the accesses.
    if token != b"." && last != Last::Operator {
        level.fields = 0;
    }
    let past = |n: usize, limit: usize, level: &mut Level| {
        if n > limit && level.cut.is_none() {
            level.cut = Some(pos);
        }
    };
    match token {
        b"and" => {
            level.ands += 1;
            past(level.ands, MAX_CHAIN, level);
        }
        b"or" => {
            level.ors += 1;
            level.ands = 0;
            past(level.ors, MAX_CHAIN, level);
        }
        b"not" => {
            level.nots += 1;
            if level.nots > MAX_CHAIN + 1 {
                match &mut level.not_cut {
                    None => level.not_cut = Some((pos, None)),
                    Some((_, second @ None)) => *second = Some(pos),
                    Some(_) => {}
                }
            }
        }
        b"." => {
            level.fields += 1;
            past(level.fields, MAX_CHAIN, level);
        }
        // After an operator (or at the start), `+`/`-` is a sign and `*`/`/` no part.
        b"+" | b"-" | b"*" | b"/" if last == Last::Operator => {}
        b"+" | b"-" => {
            level.sums += 1;
            level.products = 0;
            past(level.sums, MAX_CHAIN, level);
        }
        b"*" | b"/" => {
            level.products += 1;
            past(level.products, MAX_CHAIN, level);
        }
        token if is_comparison(token) => {}
        b"," | b"[" | b"]" => {
            end_nots(level, cuts, pos);
            if let Some(from) = level.cut.take() {
                cuts.push((from, pos));
            }
            *level = Level::default();
            return Last::Other;
        }
        _ => return Last::Other,
    }
    Last::Operator
}

/// The end of a run of `not`s at `at`: blank all but `MAX_CHAIN + 1` of them, or one more
/// when that leaves an odd number blanked (a run's parity is its meaning).
fn end_nots(level: &mut Level, cuts: &mut Vec<(usize, usize)>, at: usize) {
    let run = std::mem::take(&mut level.nots);
    if let Some((first, second)) = level.not_cut.take() {
        let blanked = run - (MAX_CHAIN + 1);
        let from = if blanked.is_multiple_of(2) {
            Some(first)
        } else {
            second
        };
        if let Some(from) = from {
            cuts.push((from, at));
        }
    }
}

/// `==`, `!=`, `<`, `<=`, `>`, `>=` (a run of those characters is one token).
fn is_comparison(token: &[u8]) -> bool {
    matches!(token.first(), Some(b'=' | b'!' | b'<' | b'>'))
}

fn is_logic(token: &[u8]) -> bool {
    matches!(token, b"and" | b"or" | b"not")
}

/// Words that start a statement, handler or rule: no expression runs past them (`set`
/// only when it is not `is set`).
fn ends_statement(word: &[u8], previous: &[u8]) -> bool {
    const WORDS: &[&[u8]] = &[
        b"say",
        b"ask",
        b"menu",
        b"option",
        b"goto",
        b"end",
        b"handoff",
        b"if",
        b"else",
        b"call",
        b"state",
        b"on",
        b"escalate",
        b"when",
        b"slot",
        b"then",
        b"retry",
        b"answer",
        b"flow",
        b"test",
        b"expect",
        b"send",
        b"mock",
        b"time",
        b"play",
        b"transfer",
        b"priority",
        b"reason",
        b"key",
        b"phrase",
        b"into",
        b"returns",
    ];
    (word == b"set" && previous != b"is") || WORDS.contains(&word)
}

/// The end of the token at `pos`: a word (letters, digits, `_`, and `.` inside a number),
/// a string literal, a regex literal when `regex` (both to their closing quote or the end
/// of the line), a run of comparison characters, or one byte.
fn token_end(text: &[u8], pos: usize, regex: bool) -> usize {
    let byte = text[pos];
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
    if byte.is_ascii_digit() {
        let mut end = pos + 1;
        while end < text.len() && (word(text[end]) || text[end] == b'.') {
            end += 1;
        }
        return end;
    }
    if word(byte) {
        let mut end = pos + 1;
        while end < text.len() && word(text[end]) {
            end += 1;
        }
        return end;
    }
    if byte == b'"' || (byte == b'/' && regex) {
        let mut end = pos + 1;
        while end < text.len() {
            match text[end] {
                b'\\' => end += 2,
                b'\n' => return end,
                b if b == byte => return end + 1,
                _ => end += 1,
            }
        }
        return text.len();
    }
    if matches!(byte, b'=' | b'!' | b'<' | b'>') {
        let mut end = pos + 1;
        while end < text.len() && matches!(text[end], b'=' | b'!' | b'<' | b'>') {
            end += 1;
        }
        return end;
    }
    pos + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(word: &str, n: usize) -> String {
        vec!["x"; n].join(&format!(" {word} "))
    }

    #[test]
    fn chains_up_to_the_limit_and_one_past_it_are_left_alone() {
        for word in ["and", "or"] {
            for n in [1, 2, MAX_CHAIN, MAX_CHAIN + 1] {
                let text = format!("state s {{ if {} {{ end }} }}", chain(word, n));
                assert_eq!(cut_long_chains(&text), None, "{word} × {n}");
            }
        }
    }

    #[test]
    fn a_chain_past_the_limit_keeps_limit_plus_one_parts_and_every_offset() {
        let text = format!(
            "state s {{\n  if {} {{ end }}\n  say \"and and and\"\n}}",
            chain("and", 3 * MAX_CHAIN)
        );
        let cut = cut_long_chains(&text).expect("cut");
        assert_eq!(cut.len(), text.len());
        let condition = cut.lines().nth(1).expect("the if line");
        assert_eq!(condition.matches(" and ").count(), MAX_CHAIN, "{condition}");
        assert!(cut.contains("{ end }") && cut.contains("say \"and and and\""));
        assert_eq!(cut.lines().count(), text.lines().count());
    }

    #[test]
    fn separate_expressions_are_counted_apart() {
        // Many short conditions, one per line or statement: nothing to cut.
        let mut text = String::from("state s {\n");
        for _ in 0..(3 * MAX_CHAIN) {
            text.push_str("  set a = b and c\n  if a and not b.c { goto t }\n");
        }
        text.push_str("  when x is set and y is set handoff q\n}\n");
        let one_line = text.replace('\n', " ");
        assert_eq!(cut_long_chains(&text), None);
        assert_eq!(cut_long_chains(&one_line), None);
        // Parenthesised groups count at their own level.
        let groups = vec![format!("({})", chain("and", 200)); 3].join(" and ");
        assert_eq!(cut_long_chains(&format!("if {groups} {{ end }}")), None);
        // A chain over several lines, operators at the line ends or starts, is one chain.
        let lines = chain("and\n", 2 * MAX_CHAIN);
        assert!(cut_long_chains(&format!("if {lines} {{ end }}")).is_some());
        let lines = vec!["x"; 2 * MAX_CHAIN].join("\n or ");
        assert!(cut_long_chains(&format!("if {lines} {{ end }}")).is_some());
    }

    #[test]
    fn arithmetic_chains_past_the_limit_are_cut_per_sum_and_per_product() {
        for op in ["+", "-", "*", "/"] {
            let text = format!(
                "state s {{\n  set x = {}\n  goto t\n}}",
                chain(op, 3 * MAX_CHAIN)
            );
            let cut = cut_long_chains(&text).expect(op);
            assert_eq!(cut.len(), text.len());
            let line = cut.lines().nth(1).expect("the set line");
            assert_eq!(
                line.matches(&format!(" {op} ")).count(),
                MAX_CHAIN,
                "{line}"
            );
            assert!(cut.contains("goto t"));
            // Up to one past the limit, nothing is cut.
            let short = format!("set x = {}\ngoto t", chain(op, MAX_CHAIN + 1));
            assert_eq!(cut_long_chains(&short), None, "{op}");
        }
        // Over several lines, the operator at the start of each.
        let lines = vec!["1"; 2 * MAX_CHAIN].join("\n  + ");
        assert!(cut_long_chains(&format!("set x = {lines}\ngoto t")).is_some());
    }

    #[test]
    fn what_is_not_one_long_sum_is_left_alone() {
        // Products inside a sum, sums on both sides of a comparison or of `and`, signs after
        // an operator, and sums inside parentheses each count apart.
        let products = vec![chain("*", 200); 200].join(" + ");
        let compared = format!("{} < {}", chain("+", 200), chain("-", 200));
        let logic = format!("{} and {}", chain("+", 200), chain("+", 200));
        let signs = vec!["-1"; 200].join(" - ");
        let groups = vec![format!("({})", chain("+", 200)); 200].join(" * ");
        for expression in [products, compared, logic, signs, groups] {
            let text = format!("state s {{ if {expression} {{ end }} }}");
            assert_eq!(cut_long_chains(&text), None, "{expression}");
        }
        // Hours lines: times, ranges and weekdays side by side are not one chain.
        let ranges = vec!["09:00-10:00"; 3 * MAX_CHAIN].join(" ");
        assert_eq!(
            cut_long_chains(&format!("hours h {{ mon-fri {ranges} }}")),
            None
        );
        // A `/` after `matches` starts a regex (its `+`s and `*`s are no operators), and
        // elsewhere is a division.
        let regex = format!("if x matches /{}/ {{ end }}", "a+ b* ".repeat(1000));
        assert_eq!(cut_long_chains(&regex), None);
        let divisions = format!("if {} matches /x/ {{ end }}", chain("/", 3 * MAX_CHAIN));
        assert!(cut_long_chains(&divisions).is_some());
    }

    #[test]
    fn long_not_runs_and_field_accesses_are_cut_too_but_strings_and_comments_are_not() {
        // A run of `not`s keeps its parity (its meaning): 257 or 258 are left.
        for n in [3 * MAX_CHAIN, 3 * MAX_CHAIN + 1] {
            let nots = format!("if {} x {{ end }}", "not ".repeat(n));
            let cut = cut_long_chains(&nots).expect("cut");
            let kept = cut.matches("not").count();
            assert!(
                kept > MAX_CHAIN && kept <= MAX_CHAIN + 2 && kept % 2 == n % 2,
                "{n}: {kept}"
            );
        }
        let fields = format!("if x{} {{ end }}", ".f".repeat(3 * MAX_CHAIN));
        let cut = cut_long_chains(&fields).expect("cut");
        assert_eq!(cut.matches(".f").count(), MAX_CHAIN);
        let quoted = format!(
            "say \"{}\"\n# {}\nif x matches /{}/ {{ end }}",
            chain("and", 1000),
            chain("or", 1000),
            chain("and", 1000)
        );
        assert_eq!(cut_long_chains(&quoted), None);
        // Numbers with a decimal point are not field accesses.
        assert_eq!(
            cut_long_chains(&format!(
                "if {} {{ end }}",
                vec!["s < 1.5"; 100].join(" and ")
            )),
            None
        );
    }
}
