//! The table runs of the canonical layout: consecutive one-line items (menu options,
//! escalate rules, flow-level handlers, knowledge fields, hours lines, one-line queues)
//! whose first column is padded to the widest of the run. A blank line, an own-line
//! comment or an item that is not one line ends a run.

use super::printer::Printer;

/// One item of a block: its source extent and the display width of its first column, or
/// `None` when it does not take part in alignment.
#[derive(Clone, Copy)]
pub struct Row {
    pub start: usize,
    pub end: usize,
    pub head: Option<usize>,
}

impl Row {
    pub fn none(start: usize, end: usize) -> Row {
        Row {
            start,
            end,
            head: None,
        }
    }
}

/// For each row, the width its first column is padded to (the widest of its run).
pub fn runs(p: &Printer, rows: &[Row]) -> Vec<Option<usize>> {
    let mut out = vec![None; rows.len()];
    let mut i = 0;
    while i < rows.len() {
        if rows[i].head.is_none() {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < rows.len()
            && rows[j].head.is_some()
            && !p.breaks_run(rows[j - 1].end, rows[j].start)
        {
            j += 1;
        }
        let widest = rows[i..j].iter().filter_map(|r| r.head).max();
        for slot in &mut out[i..j] {
            *slot = widest;
        }
        i = j;
    }
    out
}
