//! What the bot knows and understands: `stale-knowledge`, `duplicate-question` (within one
//! knowledge base) and `ambiguous-example` (across all intents of the project). "The same"
//! and "nearly the same" are defined in [`super::similar`].

use super::Context;
use super::similar::{self, Duplicate};
use crate::ast::NameText;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::ids;
use chrono::NaiveDate;

pub fn check(context: &Context, diagnostics: &mut Vec<Diagnostic>) {
    stale(context, diagnostics);
    duplicate_questions(context, diagnostics);
    ambiguous_examples(context, diagnostics);
}

fn stale(context: &Context, diagnostics: &mut Vec<Diagnostic>) {
    // The checks never read the clock: "today" comes in through the options (the CLI gives
    // the local date), so a language server or a test decides what today is.
    let Some(today) = context.options.today else {
        return;
    };
    for kb in context.model.knowledge.iter() {
        for entry in &kb.entries {
            let (Some((date, span)), Some(name)) = (entry.review_by, &entry.name) else {
                continue;
            };
            let Some(due) = NaiveDate::from_ymd_opt(date.year, date.month, date.day) else {
                continue;
            };
            if due >= today {
                continue;
            }
            let days = (today - due).num_days();
            let mut diagnostic = Diagnostic::new(
                ids::STALE_KNOWLEDGE,
                span,
                format!(
                    "the knowledge entry `{}` was due for review on {due}",
                    name.name
                ),
            )
            .with_primary_message(format!(
                "{days} day{} ago",
                if days == 1 { "" } else { "s" }
            ))
            .with_label(name.span, "this entry's answer may be out of date");
            let who = match &entry.owner {
                Some(owner) => format!(
                    "ask its owner \"{}\" to check the answer",
                    owner.plain_text()
                ),
                None => "check the answer".to_string(),
            };
            diagnostic = diagnostic.with_note(format!(
                "{who}, then move `review_by` to the next review date"
            ));
            diagnostics.push(diagnostic);
        }
    }
}

fn duplicate_questions(context: &Context, diagnostics: &mut Vec<Diagnostic>) {
    for kb in context.model.knowledge.iter() {
        let mut texts = Vec::new();
        let mut questions = Vec::new();
        // Entries whose name was not written are broken lines, already reported.
        let named = kb
            .entries
            .iter()
            .filter_map(|e| Some((e.name.as_ref()?, e)));
        for (e, (name, entry)) in named.enumerate() {
            for question in &entry.questions {
                if question.has_interpolation() {
                    continue;
                }
                let text = plain(question);
                texts.push((e, text));
                questions.push((name, question));
            }
        }
        let texts: Vec<(usize, &str)> = texts.iter().map(|(e, t)| (*e, t.as_str())).collect();
        for Duplicate {
            later,
            earlier,
            exact,
        } in similar::find_duplicates(&texts)
        {
            let (entry, question) = questions[later];
            let (first_entry, first_question) = questions[earlier];
            let how = if exact {
                "the same question"
            } else {
                "nearly the same question"
            };
            diagnostics.push(
                Diagnostic::new(
                    ids::DUPLICATE_QUESTION,
                    question.span,
                    format!(
                        "the entries `{}` and `{}` of `{}` have {how}",
                        first_entry.name,
                        entry.name,
                        kb.name.text().unwrap_or_default()
                    ),
                )
                .with_primary_message(format!("in the entry `{}`", entry.name))
                .with_label(first_question.span, format!("already a question of the entry `{}`", first_entry.name))
                .with_note("which answer a customer gets is a toss-up: keep the question in the entry whose answer fits it and remove it from the other"),
            );
        }
    }
}

fn ambiguous_examples(context: &Context, diagnostics: &mut Vec<Diagnostic>) {
    let mut texts = Vec::new();
    let mut examples = Vec::new();
    for (i, intent) in context.model.intents.iter().enumerate() {
        // The intents of the table all have names.
        let name = intent.name.text().unwrap_or_default();
        for example in &intent.examples {
            texts.push((i, plain(example)));
            examples.push((name, example));
        }
    }
    let texts: Vec<(usize, &str)> = texts.iter().map(|(i, t)| (*i, t.as_str())).collect();
    for (later, earlier) in similar::repeats_within_groups(&texts) {
        let (intent, example) = examples[later];
        let (_, first_example) = examples[earlier];
        diagnostics.push(
            Diagnostic::new(
                ids::DUPLICATE_EXAMPLE,
                example.span,
                format!("the intent `{intent}` has this example twice"),
            )
            .with_primary_message("the same example again")
            .with_label(first_example.span, "first given here")
            .with_note("a repeated example adds nothing to the intent: remove the copy"),
        );
    }
    for Duplicate {
        later,
        earlier,
        exact,
    } in similar::find_duplicates(&texts)
    {
        let (intent, example) = examples[later];
        let (first_intent, first_example) = examples[earlier];
        let how = if exact {
            "the same example"
        } else {
            "nearly the same example"
        };
        diagnostics.push(
            Diagnostic::new(
                ids::AMBIGUOUS_EXAMPLE,
                example.span,
                format!("the intents `{first_intent}` and `{intent}` have {how}"),
            )
            .with_primary_message(format!("an example of `{intent}`"))
            .with_label(first_example.span, format!("already an example of `{first_intent}`"))
            .with_note("the matcher cannot tell which intent a customer means: keep the phrase in the intent it belongs to and remove it from the other"),
        );
    }
}

fn plain(text: &crate::ast::Str) -> String {
    text.plain_text()
}
