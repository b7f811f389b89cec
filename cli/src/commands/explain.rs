//! `csflow explain NAME|CODE`: what a check means, why it matters and how to fix it, with a
//! bad and a fixed example, all from the compiler's registry (the same text as
//! `docs/checks.md` and the SARIF rules).

use super::common;
use csflow_compiler::diagnostic::registry::{self, CHECKS, Check};

#[derive(clap::Args)]
#[command(
    about = "Explain a check: why it matters, how to fix it, a bad and a fixed example",
    after_help = "Examples:\n  csflow explain unreachable-state\n  csflow explain W0101\n  \
csflow explain --list"
)]
pub struct Args {
    /// check name or code, e.g. unreachable-state or W0101
    #[arg(required_unless_present = "list")]
    pub name: Option<String>,
    /// List every check: code, severity, name and summary
    #[arg(long, conflicts_with = "name")]
    pub list: bool,
}

/// Prints the explanation (or the list) to stdout and returns 0; an unknown name prints the
/// closest known names to stderr and returns 2 (bad usage).
pub fn run(args: Args) -> u8 {
    if args.list {
        common::print(&list());
        return 0;
    }
    let query = args.name.unwrap_or_default();
    match find(&query) {
        Some(check) => {
            common::print(&explain(check));
            0
        }
        None => {
            common::eprint(&unknown(&query));
            2
        }
    }
}

/// By code (any case) or by name, forgiving case and `_` for `-`.
fn find(query: &str) -> Option<&'static Check> {
    let normalized = query.trim().to_lowercase().replace('_', "-");
    registry::lookup(&normalized)
}

fn list() -> String {
    let width = CHECKS.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for check in CHECKS {
        out.push_str(&format!(
            "{}  {:<7}  {:<width$}  {}\n",
            check.code,
            check.severity.as_str(),
            check.name,
            check.summary
        ));
    }
    out
}

fn explain(check: &Check) -> String {
    let mut out = format!(
        "{} ({}, {})\n\n{}\n\n{}\n",
        check.name,
        check.code,
        check.severity.as_str(),
        check.summary,
        wrap(check.explanation, 88)
    );
    for (title, example) in [("Bad", check.bad), ("Fixed", check.fixed)] {
        if example.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{title}:\n\n"));
        for line in example.trim_matches('\n').lines() {
            if line.is_empty() {
                out.push('\n');
            } else {
                out.push_str(&format!("    {line}\n"));
            }
        }
    }
    out
}

fn unknown(query: &str) -> String {
    let mut out = format!("error: no check is called `{query}`\n");
    let suggestions = closest(query);
    if !suggestions.is_empty() {
        let names: Vec<String> = suggestions
            .iter()
            .map(|c| format!("{} ({})", c.name, c.code))
            .collect();
        out.push_str(&format!("did you mean: {}?\n", names.join(", ")));
    }
    out.push_str("run `csflow explain --list` to see every check\n");
    out
}

/// Up to five checks whose name contains the query or is a few edits away from it.
fn closest(query: &str) -> Vec<&'static Check> {
    let query = query.trim().to_lowercase().replace('_', "-");
    let limit = (query.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &'static Check)> = CHECKS
        .iter()
        .filter_map(|check| {
            let distance = csflow_compiler::suggest::edit_distance(&query, check.name);
            let contains = query.len() >= 3 && check.name.contains(query.as_str());
            (distance <= limit || contains).then_some((if contains { 0 } else { distance }, check))
        })
        .collect();
    scored.sort_by_key(|(distance, check)| (*distance, check.name));
    scored.into_iter().take(5).map(|(_, check)| check).collect()
}

/// Greedy word wrap; the explanations are plain sentences without long words.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line_length = 0;
    for word in text.split_whitespace() {
        let length = word.chars().count();
        if line_length > 0 && line_length + 1 + length > width {
            out.push('\n');
            line_length = 0;
        } else if line_length > 0 {
            out.push(' ');
            line_length += 1;
        }
        out.push_str(word);
        line_length += length;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_by_name_code_and_forgiving_spelling() {
        assert_eq!(find("unreachable-state").map(|c| c.code), Some("W0101"));
        assert_eq!(find("w0101").map(|c| c.name), Some("unreachable-state"));
        assert_eq!(
            find("Unreachable_State").map(|c| c.name),
            Some("unreachable-state")
        );
        assert!(find("unreachable").is_none());
    }

    #[test]
    fn unknown_names_get_suggestions() {
        let message = unknown("unreachable-stat");
        assert!(
            message.contains("did you mean: unreachable-state (W0101)"),
            "{message}"
        );
        let message = unknown("unused");
        for name in [
            "unused-slot",
            "unused-intent",
            "unused-queue",
            "unused-knowledge",
        ] {
            assert!(message.contains(name), "{message}");
        }
        assert!(!unknown("zzzzzzzzzzzz").contains("did you mean"));
    }

    #[test]
    fn explanation_has_every_part() {
        let check = find("trap-state").expect("trap-state");
        let text = explain(check);
        assert!(text.starts_with("trap-state (W0102, warning)\n"));
        assert!(text.contains(check.summary));
        assert!(text.contains("\nBad:\n\n    ") && text.contains("\nFixed:\n\n    "));
        assert!(text.lines().all(|line| line.chars().count() <= 150));
    }

    #[test]
    fn list_has_one_line_per_check() {
        assert_eq!(list().lines().count(), CHECKS.len());
    }
}
