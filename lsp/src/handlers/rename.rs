//! Rename with prepare-rename, across files, tests and import paths, from the resolver's
//! kept references. Refused, with a message: names that are not identifiers, reserved
//! words, built-ins (for slots and results) and names already taken in the same scope.
//! Renaming an `import` path moves the file and rewrites every import of it.

use crate::context::Ctx;
use crate::documents::uri_for;
use crate::navigation::def_id_at;
use csflow_compiler::analysis::normalize;
use csflow_compiler::resolve::{DefId, DefKind};
use csflow_compiler::source::Span;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use tower_lsp_server::ls_types::*;

/// Words no name may take (the language's reserved words).
pub const RESERVED: [&str; 9] = [
    "true", "false", "none", "and", "or", "not", "is", "in", "matches",
];

/// The span under the cursor naming `id`: a reference there, or the definition's name.
fn span_at(ctx: &Ctx, position: Position, id: DefId) -> Option<Span> {
    let analysis = &ctx.snapshot.analysis;
    let offset = ctx.offset(position) as u32;
    analysis
        .resolution
        .reference_at(ctx.file, offset)
        .filter(|r| r.def == id || analysis.def(r.def).duplicate_of == Some(id))
        .map(|r| r.span)
        .or(analysis.def(id).name)
}

/// The text between an import string's quotes.
fn inside_quotes(ctx: &Ctx, span: Span) -> Span {
    let text = ctx.sources().slice(span);
    if text.len() >= 2 && text.starts_with('"') && text.ends_with('"') {
        Span::new(span.file, span.start as usize + 1, span.end as usize - 1)
    } else {
        span
    }
}

pub fn prepare_rename(
    ctx: &Ctx,
    position: Position,
) -> Result<Option<PrepareRenameResponse>, String> {
    let Some(id) = def_id_at(ctx, position) else {
        return Err("there is nothing to rename here: put the cursor on a name".to_string());
    };
    let analysis = &ctx.snapshot.analysis;
    match analysis.def(id).kind {
        DefKind::Builtin(b) => Err(format!(
            "`{}` is a built-in of the language; it cannot be renamed",
            b.name
        )),
        DefKind::Channel(name) => Err(format!("`{name}` is a channel name; it cannot be renamed")),
        DefKind::File(_) => {
            let span = span_at(ctx, position, id).ok_or("put the cursor on the import path")?;
            let inner = inside_quotes(ctx, span);
            Ok(Some(PrepareRenameResponse::RangeWithPlaceholder {
                range: ctx.range(inner),
                placeholder: ctx.sources().slice(inner).to_string(),
            }))
        }
        _ => {
            let span = span_at(ctx, position, id).ok_or("nothing to rename here")?;
            Ok(Some(PrepareRenameResponse::RangeWithPlaceholder {
                range: ctx.range(span),
                placeholder: analysis.def_name(id).to_string(),
            }))
        }
    }
}

fn is_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Kinds whose names share one scope: a slot, a call result and an enum value of one flow
/// are all names in its expressions.
fn same_scope(a: DefKind, b: DefKind) -> bool {
    let variable = |k: DefKind| matches!(k, DefKind::Slot | DefKind::Result | DefKind::EnumValue);
    a == b || (variable(a) && variable(b))
}

/// Why `new_name` cannot be the name of `id`, if it cannot.
fn refusal(ctx: &Ctx, id: DefId, new_name: &str) -> Option<String> {
    let analysis = &ctx.snapshot.analysis;
    let def = analysis.def(id);
    let what = def.kind.describe();
    if !is_identifier(new_name) {
        return Some(format!(
            "`{new_name}` is not a valid name: use letters, digits and `_`, not starting with a digit"
        ));
    }
    if RESERVED.contains(&new_name) {
        return Some(format!("`{new_name}` is a reserved word of the language"));
    }
    if matches!(def.kind, DefKind::Slot | DefKind::Result)
        && csflow_compiler::resolve::builtin_names().any(|b| b == new_name)
    {
        return Some(format!(
            "`{new_name}` is an expression built-in; a {what} may not take its name"
        ));
    }
    let flow_parent = |d: DefId| -> Option<DefId> {
        let def = analysis.def(d);
        match def.kind {
            DefKind::EnumValue => def.parent.and_then(|slot| analysis.def(slot).parent),
            _ => def.parent,
        }
    };
    let clash = analysis.resolution.defs().find(|(other, d)| {
        *other != id
            && d.duplicate_of.is_none()
            && same_scope(d.kind, def.kind)
            && flow_parent(*other) == flow_parent(id)
            && analysis.def_name(*other) == new_name
    });
    clash.map(|(other, d)| {
        let scope = match flow_parent(other) {
            Some(parent) => format!(
                " in the {} `{}`",
                analysis.def(parent).kind.describe(),
                analysis.def_name(parent)
            ),
            None => " in this project".to_string(),
        };
        format!(
            "a {} called `{new_name}` already exists{scope}",
            d.kind.describe()
        )
    })
}

pub fn rename(
    ctx: &Ctx,
    position: Position,
    new_name: &str,
) -> Result<Option<WorkspaceEdit>, String> {
    let Some(id) = def_id_at(ctx, position) else {
        return Err("there is nothing to rename here: put the cursor on a name".to_string());
    };
    let analysis = &ctx.snapshot.analysis;
    match analysis.def(id).kind {
        DefKind::Builtin(_) | DefKind::Channel(_) => {
            return prepare_rename(ctx, position).map(|_| None);
        }
        DefKind::File(file) => return move_file(ctx, id, file, new_name),
        _ => {}
    }
    let new_name = new_name.trim();
    if let Some(reason) = refusal(ctx, id, new_name) {
        return Err(reason);
    }
    let mut spans: Vec<Span> = analysis.def(id).name.into_iter().collect();
    spans.extend(analysis.references_to(id).map(|r| r.span));
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for span in spans {
        if let Some(location) = ctx.location(span) {
            changes.entry(location.uri).or_default().push(TextEdit {
                range: location.range,
                new_text: new_name.to_string(),
            });
        }
    }
    Ok(Some(WorkspaceEdit {
        changes: Some(changes),
        ..Default::default()
    }))
}

/// `to` relative to the directory `from`, with `/` separators.
fn relative(from: &Path, to: &Path) -> String {
    let from: Vec<Component> = from.components().collect();
    let to_parts: Vec<Component> = to.components().collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for part in &to_parts[common..] {
        out.push(part.as_os_str());
    }
    out.to_string_lossy().replace('\\', "/")
}

/// Renaming an import path: the file moves to the new path (relative to the importing file
/// under the cursor) and every import of it is rewritten.
fn move_file(
    ctx: &Ctx,
    id: DefId,
    file: csflow_compiler::source::FileId,
    new_path: &str,
) -> Result<Option<WorkspaceEdit>, String> {
    let analysis = &ctx.snapshot.analysis;
    let new_path = new_path.trim();
    if new_path.is_empty()
        || !new_path.ends_with(".csflow")
        || Path::new(new_path).is_absolute()
        || new_path.contains('"')
    {
        return Err(format!(
            "`{new_path}` is not a relative path to a .csflow file"
        ));
    }
    let here = Path::new(&ctx.source().path)
        .parent()
        .ok_or("this file has no folder")?;
    let target = normalize(&here.join(new_path));
    if target.exists() {
        return Err(format!("{} already exists", target.display()));
    }
    let old_path = analysis.sources.get(file).path.clone();
    let old_uri = uri_for(&old_path).ok_or("the imported file has no file URI")?;
    let new_uri = Uri::from_file_path(&target).ok_or("the new path is not a file URI")?;
    let mut edits: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for reference in analysis.references_to(id) {
        let importer = &analysis.sources.get(reference.span.file).path;
        let Some(dir) = Path::new(importer).parent() else {
            continue;
        };
        let Some(location) = ctx.location(inside_quotes(ctx, reference.span)) else {
            continue;
        };
        edits.entry(location.uri).or_default().push(TextEdit {
            range: location.range,
            new_text: relative(dir, &target),
        });
    }
    // The moved file's own imports, now relative to its new folder.
    if let (Some(old_dir), Some(new_dir), Some(moved)) = (
        Path::new(&old_path).parent(),
        target.parent(),
        ctx.snapshot.ast(file),
    ) {
        for item in &moved.items {
            if let csflow_compiler::ast::Item::Import(import) = item {
                let imported = normalize(&old_dir.join(import.path.plain_text()));
                let Some(location) = ctx.location(inside_quotes(ctx, import.path.span)) else {
                    continue;
                };
                let rewritten = relative(new_dir, &imported);
                if rewritten != import.path.plain_text() {
                    edits.entry(location.uri).or_default().push(TextEdit {
                        range: location.range,
                        new_text: rewritten,
                    });
                }
            }
        }
    }
    let mut operations: Vec<DocumentChangeOperation> = edits
        .into_iter()
        .map(|(uri, edits)| {
            DocumentChangeOperation::Edit(TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier { uri, version: None },
                edits: edits.into_iter().map(OneOf::Left).collect(),
            })
        })
        .collect();
    operations.push(DocumentChangeOperation::Op(ResourceOp::Rename(
        RenameFile {
            old_uri,
            new_uri,
            options: None,
            annotation_id: None,
        },
    )));
    Ok(Some(WorkspaceEdit {
        document_changes: Some(DocumentChanges::Operations(operations)),
        ..Default::default()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_between_folders() {
        assert_eq!(
            relative(Path::new("/a/b"), Path::new("/a/b/c.csflow")),
            "c.csflow"
        );
        assert_eq!(
            relative(Path::new("/a/b"), Path::new("/a/d/c.csflow")),
            "../d/c.csflow"
        );
        assert!(
            is_identifier("_a1")
                && !is_identifier("1a")
                && !is_identifier("a-b")
                && !is_identifier("升级")
        );
    }
}
