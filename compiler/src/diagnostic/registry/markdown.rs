//! `docs/checks.md` and the SARIF rules' help, generated from the registry so the docs can
//! never disagree with `csflow explain`.

use super::{CHECKS, Check};

const INTRO_HEAD: &str = "\
# Checks

<!-- Generated from compiler/src/diagnostic/registry.rs by `checks_markdown()`.
     Do not edit by hand: run `CSFLOW_BLESS=1 cargo test -p csflow-compiler docs_checks_md`. -->

`csflow check` runs every check below on a project and reports what it finds. Each check has
a stable **name** (the contract: use it in scripts and suppressions) and a stable **code**
(never reused). Errors stop `csflow build`; warnings do not, unless `--deny-warnings` is given.

`csflow explain NAME` (or `csflow explain CODE`) prints the same text in the terminal. Every
example below is a complete one-file project: the *bad* one triggers the check, the *fixed*
one does not. Warnings can be allowed, kept or denied per project in `csflow.toml`, and
silenced in one place with `# csflow: allow(NAME)`: see [configuration.md](configuration.md).

";

/// `csflow check`'s formats and the JSON shape (a raw string: the example is JSON).
const OUTPUT_FORMATS: &str = r#"## Output formats

`csflow check [PATH…] --format FORMAT` (default path `.`; directories are searched for
`*.csflow`). Exit status: 0 no errors (warnings allowed unless `--deny-warnings`), 1 errors
(or warnings with `--deny-warnings`), 2 bad usage or a file that cannot be read.

| format | output |
|---|---|
| `human` (default) | rustc-style: the message, a source excerpt with labels, notes and a suggested fix; colour follows the terminal (`NO_COLOR` honoured) |
| `short` | one line each: `file:line:col: severity[code/name]: message` |
| `github` | GitHub Actions workflow commands, `::error file=…,line=…,col=…,title=…::…`, shown as annotations on the pull request |
| `sarif` | SARIF 2.1.0 for code-scanning uploads: one run, one rule per check (`id` = the check name, `name` in PascalCase, help text and a `helpUri` to the check's section below) |
| `json` | one object on stdout, below |

The `json` object:

```json
{ "version": 1,
  "diagnostics": [
    { "name": "unreachable-state", "code": "W0101", "severity": "warning",
      "message": "the state `old_menu` can never be reached",
      "file": "flows/bank.csflow",
      "range": { "start": { "line": 12, "column": 3 }, "end": { "line": 12, "column": 17 } },
      "labels": [ { "file": "flows/bank.csflow", "range": { "start": { "line": 4, "column": 1 }, "end": { "line": 4, "column": 9 } }, "message": "…" } ],
      "notes": [ "…" ] } ],
  "summary": { "files": 3, "errors": 0, "warnings": 1 } }
```

`severity` is `error`, `warning` or `info`. Lines and columns are 1-based; columns count
Unicode scalar values (a Chinese character is one column). Paths are as given on the command
line (relative stays relative). Members may be added (for example `primary_label` and `fix`);
a consumer ignores members it does not know, and existing members are never renamed.

"#;

const INTRO: &str = "\
## The flow graph

The graph checks share one graph per flow, built once. Its **nodes** are the top of each
state, each input point (`ask`, `menu`), each handler block reached from several places
(flow-level handlers, and the `on closed` / `on error` of an `ask` or `menu`), the
`escalate` rules, and two exits, `end` and `handoff`. Its **edges** say where control can
get from a node without waiting for the caller:

| edge | from → to |
|---|---|
| direct | a state (or an input point, after a good answer) → the next input point, the `goto` target, `end`, `handoff`; through every `if` branch (and past an `if` without `else`) and both ways of `answer … else` |
| option | a menu → what each option's action reaches |
| no_match, no_input | an input point → what its handler reaches after the retries (the statement's own handler, else the flow-level one) |
| escalate | every input point → the `escalate` rules → what each rule's action reaches |
| closed | a `handoff` to a queue with `hours` → the `on closed` in scope (the enclosing `ask`/`menu`'s, else the flow's) |
| error | a `call` → the `on error` in scope (the enclosing `ask`/`menu`'s, else the flow's) |

A handler that does not end continues after its statement, as at run time.

| check | edges used |
|---|---|
| `unreachable-state` | all, from the start state |
| `trap-state` | all; a node is trapped when neither exit is reachable. One warning per loop callers end up in (a bottom strongly connected component of the trapped nodes), with the states leading only into it as labels |
| `no-path-to-human` | all; the `handoff` exit must be reachable from the input point (so an `escalate` rule that hands off counts for every input point). Input points inside a reported trap are left to `trap-state` |
| `input-free-cycle` | direct edges between states only (passing through an `ask` of a slot nothing clears, which is skipped once the slot is set): options, handlers and `escalate` follow an input point, and `closed` / `error` edges depend on a queue or service, not on the flow |
| `menu-too-deep` | all, from the start state, counting the menus passed on the way (fewest first); reported on the menus at exactly the threshold, since deeper ones are reached through them |

Lines that did not parse and unknown names change the graph only as described in
[Broken input](#broken-input) below. The other checks read statements directly:
`missing-no-match`, `missing-no-input` and `handoff-without-after-hours` look at each input
point and hand-off with the handlers in scope (reported once per flow, since one flow-level
handler fixes every place); `question-without-input` follows each state's statements until
an input point or the state moves on. `input-free-cycle` counts as no input point an `ask`
of a slot that nothing in the flow clears with `set SLOT = none`: from the second time
round the slot is set, and the `ask` is skipped.

**Same and nearly the same text** (`duplicate-question`, within one knowledge base, and
`ambiguous-example`, across all intents): texts are compared after Unicode NFKC
(full-width `ＡＢＣ１２３？` becomes `ABC123?`), lower-casing, and dropping punctuation,
symbols and spaces. Nearly the same means a Dice coefficient of at least 0.9 between the
two texts' sets of character bigrams, which needs no word boundaries and so works for
Chinese (`你们几点上班` / `你们几点上班呢` are near, `你们几点上班` / `你们几点下班` are not).
Exact repeats are found with a hash map; near ones with a prefix-filtered similarity join
(only texts sharing one of their rarest bigrams, and of similar length, are compared; at
most 200 candidates per text), so large knowledge bases stay fast.

## Broken input

While you type, the file is broken most of the time. The checks keep working on the rest of
it, and say nothing about the broken line that its syntax error does not already say. The
rules, once:

- **A broken line may use, lead to or hand off to only what is written on it**: a name, or
  the start of one you are typing. `goto mai` may lead to `main_menu` (and to `maintenance`),
  so neither is reported as unreachable; `handoff gen` may use the queue `general`, so it is
  not reported unused. Every other state, slot, queue, intent and knowledge base is checked
  as usual. Words inside a string's text do not count; names inside its `{…}` do.
- **How the line moves the caller on is read from its keywords**, allowing one typo:
  a line with `end` (or `edn`) may end the conversation, one with `handoff` or `transfer`
  may reach a person, one with `goto` goes where its names say. So a broken line causes no
  `trap-state` and no `no-path-to-human` it could be the answer to, and causes none it could
  not. A line whose first word is no keyword at all may be anything: it may end, reach a
  person or wait for the caller. `goto` with its name not typed yet may lead to any state:
  until the name is there, `unreachable-state` is not reported for that flow.
- **A broken line is still what it was meant to be** for the checks around it: a broken
  `option` line is an option of its menu (its keys are those written on it; with none
  written, any key the prompt announces may be its, so `prompt-key-mismatch` does not
  report them), and a broken handler line that names `no_match`, `no_input` or `closed`
  (or the start of one) counts as that handler, so `missing-no-match` and its kin do not
  appear because of it. A broken `call` line may fail (the `on error` handler may follow
  it), a broken `handoff` line may find its queue closed (`on closed` may follow), an
  operation whose result record does not parse is still the service's operation (its
  result fields are unknown, so `found.ok` is not reported), and a declaration whose
  keyword has one typo (`queeu desk { hours office }`) is still that declaration for the
  names that use it.
- **A half-written line ends at its line break.** A keyword that needs a name after it,
  left at the end of its line (`goto`, `start`, `expect state`, `slot phone:` with no
  type yet), does not take its name from the next line when that line reads as an item of
  its own (`send key \"1\"`, `on no_match …`, `say \"…\"`): the unfinished line is one
  syntax error and the next line is checked as written. The same holds for a declaration
  cut short (`queue c` above `intent agent {`).
- **An unknown name does not switch anything off.** `goto page_s`, when the flow has the
  state `page`, is an `unknown-state` error with a \"did you mean\"; the graph checks go on as
  if it led to `page`, so every other unreachable state, trap, input-free cycle and too-deep
  menu of the flow is still reported. If nothing else leads to `page`, `page` is reported
  unreachable too, and both diagnostics say that the typo is probably why (with a fix that
  corrects the typo); the states reached only through `page` are not reported, since
  correcting the typo reaches them. An unknown name with no close state leads \"somewhere
  that may end or reach a person\": no trap and no missing way to a person because of it.
  A `start` that names an unknown state starts the graph at the state it probably means.
- A path that falls off the end of a state (a `missing-terminator` error) counts as one that
  may end or reach a person; a second definition of a state (`duplicate-definition`) is not
  reported unreachable.
- A state that is reachable only through another unreachable state says so in a note, so
  you can tell the one to fix from the ones that follow from it.
";

/// The whole of `docs/checks.md`: the intro, a table of every check, then one section each.
pub fn checks_markdown() -> String {
    let mut out = String::from(INTRO_HEAD);
    out.push_str(OUTPUT_FORMATS);
    out.push_str(INTRO);
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
