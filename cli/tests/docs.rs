//! The user documentation stands on its own: every relative link in README.md and docs/*.md
//! resolves (the file exists, and a `#section` names one of its headings), and neither the
//! docs nor any `--help` sends the reader to files the product does not ship (the team's
//! contract files).

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn documents() -> Vec<PathBuf> {
    let mut docs = vec![root().join("README.md")];
    let mut pages: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    docs.extend(pages);
    docs
}

/// Every `[text](target)` outside code blocks and code spans.
fn links(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fenced = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        // Drop code spans: a `[x](y)` inside backticks is an example, not a link.
        let mut text = String::new();
        let mut in_code = false;
        for c in line.chars() {
            if c == '`' {
                in_code = !in_code;
            } else if !in_code {
                text.push(c);
            }
        }
        let mut rest = text.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            out.push(after[..end].trim().to_string());
            rest = &after[end..];
        }
    }
    out
}

/// GitHub's heading anchors: lowercase, spaces to `-`, punctuation other than `-`/`_` dropped.
fn anchors(markdown: &str) -> Vec<String> {
    let mut fenced = false;
    let mut out = Vec::new();
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced || !line.starts_with('#') {
            continue;
        }
        let title = line.trim_start_matches('#').trim();
        let slug: String = title
            .to_lowercase()
            .chars()
            .filter_map(|c| match c {
                ' ' => Some('-'),
                c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                _ => None,
            })
            .collect();
        out.push(slug);
    }
    out
}

#[test]
fn every_relative_link_in_the_docs_resolves() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).expect("readable doc");
        for link in links(&text) {
            if link.contains("://") || link.starts_with("mailto:") {
                continue;
            }
            let (path, anchor) = match link.split_once('#') {
                Some((path, anchor)) => (path, Some(anchor)),
                None => (link.as_str(), None),
            };
            let target = if path.is_empty() {
                doc.clone()
            } else {
                doc.parent().expect("doc dir").join(path)
            };
            checked += 1;
            if !target.exists() {
                broken.push(format!("{}: {link} (no such file)", doc.display()));
                continue;
            }
            if let Some(anchor) = anchor
                && target.extension().is_some_and(|e| e == "md")
            {
                let target_text = std::fs::read_to_string(&target).expect("readable target");
                if !anchors(&target_text).iter().any(|a| a == anchor) {
                    broken.push(format!("{}: {link} (no such section)", doc.display()));
                }
            }
        }
    }
    assert!(
        checked > 10,
        "only {checked} links found: is the link parser broken?"
    );
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// The team's contract files are not part of the product.
const FOREIGN: [&str; 3] = ["LANGUAGE.md", "INTERFACES.md", "../shared"];

#[test]
fn the_docs_never_point_to_files_the_product_does_not_ship() {
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).expect("readable doc");
        for foreign in FOREIGN {
            assert!(
                !text.contains(foreign),
                "{} mentions {foreign}",
                doc.display()
            );
        }
    }
}

#[test]
fn no_help_text_points_to_files_the_product_does_not_ship() {
    for command in ["", "check", "build", "test", "run", "disasm", "explain"] {
        let mut cmd = Command::cargo_bin("csflow").expect("csflow binary");
        if !command.is_empty() {
            cmd.arg(command);
        }
        let output = cmd.arg("--help").output().expect("runs");
        let help = String::from_utf8_lossy(&output.stdout);
        assert!(help.contains("Usage"), "csflow {command} --help: {help}");
        for foreign in FOREIGN {
            assert!(
                !help.contains(foreign),
                "csflow {command} --help mentions {foreign}"
            );
        }
    }
}

#[test]
fn the_link_checker_finds_links_and_anchors() {
    let md = "# A title\n\nSee [b](b.md#two-words) and `[not](a link)`.\n```\n[x](y)\n```\n## Two words\n";
    assert_eq!(links(md), ["b.md#two-words"]);
    assert_eq!(anchors(md), ["a-title", "two-words"]);
}
