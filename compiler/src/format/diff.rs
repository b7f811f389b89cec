//! The unified diff of `csflow fmt --check`. The printer records where a token begins a
//! line of both the input and the output ([`super::Formatted`]), so the two texts are cut
//! there into pieces diffed one by one: pieces the formatter left alone are compared, not
//! diffed, the others are small (a line or a few), and they are diffed on all cores. A
//! line diff of a whole 100,000-state file, changed on every menu, took longer than
//! formatting it and still had to give up on a minimal answer. Any cut at line starts of
//! both texts gives a correct diff (each piece of the input becomes its piece of the
//! output); cutting where the same token begins a line gives the one a reader expects.

use similar::{Algorithm, DiffOp, DiffTag};
use std::fmt::Write;
use std::time::{Duration, Instant};

/// Lines of context around each change, as `diff -u`.
const CONTEXT: usize = 3;

/// A piece this long in lines is diffed with a deadline: past it `similar` gives a correct,
/// coarser diff (only a pathological file has one).
const DEADLINE: Duration = Duration::from_millis(500);

/// The unified diff from `before` to `after` (`--- a/NAME`, `+++ b/NAME`, hunks), empty
/// when they are equal. `cuts`: byte offsets (input, output) where both begin a line.
pub fn unified(name: &str, before: &str, after: &str, cuts: &[(u32, u32)]) -> String {
    if before == after {
        return String::new();
    }
    let old = Lines::new(before);
    let new = Lines::new(after);
    let pieces = pieces(&old, &new, cuts);
    let ops: Vec<Vec<DiffOp>> =
        crate::parallel::map_in_order(&pieces, 256, |_, piece| diff_piece(&old, &new, piece));
    // Neighbouring pieces' equal runs are one run (the grouping trims context per run), and
    // their changes one change: every old line of it, then every new one, as `diff -u`
    // shows a block of changed lines rather than one line in two at a time.
    let mut merged: Vec<DiffOp> = Vec::with_capacity(ops.len());
    for op in ops.into_iter().flatten() {
        let joined = match merged.last() {
            Some(&DiffOp::Equal {
                old_index,
                new_index,
                len,
            }) if op.tag() == DiffTag::Equal => Some(DiffOp::Equal {
                old_index,
                new_index,
                len: len + op.old_range().len(),
            }),
            Some(last) if last.tag() != DiffTag::Equal && op.tag() != DiffTag::Equal => {
                let (old, new) = (last.old_range(), last.new_range());
                Some(DiffOp::Replace {
                    old_index: old.start,
                    old_len: op.old_range().end - old.start,
                    new_index: new.start,
                    new_len: op.new_range().end - new.start,
                })
            }
            _ => None,
        };
        match (joined, merged.last_mut()) {
            (Some(joined), Some(last)) => *last = joined,
            _ => merged.push(op),
        }
    }
    let mut out = String::new();
    let _ = writeln!(out, "--- a/{name}\n+++ b/{name}");
    for group in similar::group_diff_ops(merged, CONTEXT) {
        hunk(&mut out, &old, &new, &group);
    }
    out
}

/// A text's lines, each with its line break.
struct Lines<'a> {
    text: &'a str,
    /// Byte offset where each line starts, and the text's length at the end.
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Lines<'a> {
        let mut starts = Vec::with_capacity(text.len() / 24 + 2);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        if starts.last() != Some(&text.len()) {
            starts.push(text.len());
        }
        Lines { text, starts }
    }

    fn len(&self) -> usize {
        self.starts.len() - 1
    }

    fn line(&self, i: usize) -> &'a str {
        &self.text[self.starts[i]..self.starts[i + 1]]
    }

    /// The lines `range` as one slice of the text.
    fn slice(&self, from: usize, to: usize) -> &'a str {
        &self.text[self.starts[from]..self.starts[to]]
    }

    /// The line that starts at byte `at`, if one does.
    fn line_at(&self, at: usize) -> Option<usize> {
        self.starts[..self.len()].binary_search(&at).ok()
    }
}

/// A piece: lines `old.0..old.1` of the input become lines `new.0..new.1` of the output.
struct Piece {
    old: (usize, usize),
    new: (usize, usize),
}

/// The cuts as line numbers, kept in order in both texts, with the ends added.
fn pieces(old: &Lines, new: &Lines, cuts: &[(u32, u32)]) -> Vec<Piece> {
    let mut at = (0, 0);
    let mut pieces = Vec::with_capacity(cuts.len() + 1);
    let ends = std::iter::once((old.len(), new.len()));
    let lines = cuts
        .iter()
        .filter_map(|&(a, b)| Some((old.line_at(a as usize)?, new.line_at(b as usize)?)));
    for (a, b) in lines.chain(ends) {
        if a < at.0 || b < at.1 || (a, b) == at {
            continue;
        }
        pieces.push(Piece {
            old: (at.0, a),
            new: (at.1, b),
        });
        at = (a, b);
    }
    pieces
}

/// The operations of one piece, in line numbers of the whole texts.
fn diff_piece(old: &Lines, new: &Lines, piece: &Piece) -> Vec<DiffOp> {
    let (a0, a1) = piece.old;
    let (b0, b1) = piece.new;
    if old.slice(a0, a1) == new.slice(b0, b1) {
        return vec![DiffOp::Equal {
            old_index: a0,
            new_index: b0,
            len: a1 - a0,
        }];
    }
    let a: Vec<&str> = (a0..a1).map(|i| old.line(i)).collect();
    let b: Vec<&str> = (b0..b1).map(|i| new.line(i)).collect();
    let deadline = Instant::now().checked_add(DEADLINE);
    let mut ops = similar::capture_diff_slices_deadline(Algorithm::Myers, &a, &b, deadline);
    for op in &mut ops {
        *op = shift(*op, a0, b0);
    }
    ops
}

fn shift(op: DiffOp, da: usize, db: usize) -> DiffOp {
    match op {
        DiffOp::Equal {
            old_index,
            new_index,
            len,
        } => DiffOp::Equal {
            old_index: old_index + da,
            new_index: new_index + db,
            len,
        },
        DiffOp::Delete {
            old_index,
            old_len,
            new_index,
        } => DiffOp::Delete {
            old_index: old_index + da,
            old_len,
            new_index: new_index + db,
        },
        DiffOp::Insert {
            old_index,
            new_index,
            new_len,
        } => DiffOp::Insert {
            old_index: old_index + da,
            new_index: new_index + db,
            new_len,
        },
        DiffOp::Replace {
            old_index,
            old_len,
            new_index,
            new_len,
        } => DiffOp::Replace {
            old_index: old_index + da,
            old_len,
            new_index: new_index + db,
            new_len,
        },
    }
}

/// One `@@ -a,b +c,d @@` hunk, written as `diff -u` (and `similar`) write it.
fn hunk(out: &mut String, old: &Lines, new: &Lines, ops: &[DiffOp]) {
    let (Some(first), Some(last)) = (ops.first(), ops.last()) else {
        return;
    };
    let _ = writeln!(
        out,
        "@@ -{} +{} @@",
        Range(first.old_range().start, last.old_range().end),
        Range(first.new_range().start, last.new_range().end)
    );
    for op in ops {
        let (tag, old_range, new_range) = op.as_tag_tuple();
        match tag {
            DiffTag::Equal => lines(out, ' ', old, old_range),
            DiffTag::Delete => lines(out, '-', old, old_range),
            DiffTag::Insert => lines(out, '+', new, new_range),
            DiffTag::Replace => {
                lines(out, '-', old, old_range);
                lines(out, '+', new, new_range);
            }
        }
    }
}

fn lines(out: &mut String, sign: char, text: &Lines, range: std::ops::Range<usize>) {
    for i in range {
        let line = text.line(i);
        out.push(sign);
        out.push_str(line);
        if !line.ends_with('\n') {
            out.push_str("\n\\ No newline at end of file\n");
        }
    }
}

/// A hunk's line range: 1-based start and length, the length left out when it is 1 and
/// the start one line earlier when it is 0.
struct Range(usize, usize);

impl std::fmt::Display for Range {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let len = self.1.saturating_sub(self.0);
        match len {
            1 => write!(f, "{}", self.0 + 1),
            0 => write!(f, "{},0", self.0),
            _ => write!(f, "{},{}", self.0 + 1, len),
        }
    }
}
