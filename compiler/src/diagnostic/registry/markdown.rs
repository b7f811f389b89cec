//! `docs/checks.md` and the SARIF rules' help, generated from the registry so the docs can
//! never disagree with `csflow explain`.

use super::{CHECKS, Check};

const INTRO: &str = "\
# Checks

<!-- Generated from compiler/src/diagnostic/registry.rs by `checks_markdown()`.
     Do not edit by hand: run `CSFLOW_BLESS=1 cargo test -p csflow-compiler docs_checks_md`. -->

`csflow check` runs every check below on a project and reports what it finds. Each check has
a stable **name** (the contract: use it in scripts and suppressions) and a stable **code**
(never reused). Errors stop `csflow build`; warnings do not, unless `--deny-warnings` is given.

`csflow explain NAME` (or `csflow explain CODE`) prints the same text in the terminal. Every
example below is a complete one-file project: the *bad* one triggers the check, the *fixed*
one does not.
";

/// The whole of `docs/checks.md`: the intro, a table of every check, then one section each.
pub fn checks_markdown() -> String {
    let mut out = String::from(INTRO);
    out.push_str("\n| code | name | severity | summary |\n|---|---|---|---|\n");
    for check in CHECKS {
        out.push_str(&format!(
            "| {} | [`{}`](#{}) | {} | {} |\n",
            check.code,
            check.name,
            check.name,
            check.severity.as_str(),
            check.summary.replace('|', "\\|")
        ));
    }
    for check in CHECKS {
        out.push_str(&format!("\n## {}\n\n", check.name));
        out.push_str(&check_markdown(check));
    }
    out
}

/// One check's section without its heading: code, severity, summary, explanation, examples.
pub fn check_markdown(check: &Check) -> String {
    let mut out = format!(
        "**{}** · {} · {}\n\n{}\n",
        check.code,
        check.severity.as_str(),
        check.summary,
        check.explanation
    );
    for (title, example) in [("Bad", check.bad), ("Fixed", check.fixed)] {
        if !example.is_empty() {
            out.push_str(&format!(
                "\n{title}:\n\n```csflow\n{}\n```\n",
                example.trim_matches('\n')
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// `docs/checks.md` is generated; `CSFLOW_BLESS=1` rewrites it.
    #[test]
    fn docs_checks_md_is_up_to_date() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/checks.md");
        let expected = checks_markdown();
        if std::env::var_os("CSFLOW_BLESS").is_some_and(|v| v == "1") {
            std::fs::write(&path, &expected).expect("write docs/checks.md");
            return;
        }
        let actual = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            actual == expected,
            "docs/checks.md is out of date with the registry; regenerate it with \
             `CSFLOW_BLESS=1 cargo test -p csflow-compiler docs_checks_md`"
        );
    }
}
