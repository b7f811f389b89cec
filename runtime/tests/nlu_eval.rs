//! The input-understanding evaluation: a labelled corpus (tests/nlu_corpus/*.tsv, English and
//! Chinese) run through the same parsers and matchers the VM uses. Prints the accuracy per
//! category (`cargo test -p csflow-runtime --test nlu_eval -- --nocapture`) and fails below
//! the targets: no polarity error at all (a yes read as no, a complaint read as praise),
//! at least 95 % of slot values and yes/no answers, 90 % of sentiment, 85 % of intents.

use csflow_runtime::bundle::{Bundle, Date, SlotType};
use csflow_runtime::nlu::slots::{Reply, parse_slot};
use csflow_runtime::nlu::{INTENT_THRESHOLD, TextModel, sentiment};
use csflow_runtime::value::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

fn corpus(name: &str) -> Vec<Vec<String>> {
    let path = format!("{}/tests/nlu_corpus/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

/// Per-category tallies, printed as one table.
#[derive(Default)]
struct Score {
    categories: BTreeMap<String, (usize, usize)>,
    polarity_errors: Vec<String>,
    misses: Vec<String>,
}

impl Score {
    fn record(&mut self, category: &str, ok: bool, what: impl FnOnce() -> String) {
        let entry = self.categories.entry(category.to_string()).or_default();
        entry.1 += 1;
        if ok {
            entry.0 += 1;
        } else {
            self.misses.push(format!("[{category}] {}", what()));
        }
    }

    fn accuracy(&self, prefix: &str) -> f64 {
        let (ok, all) = self
            .categories
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .fold((0, 0), |(a, b), (_, (ok, all))| (a + ok, b + all));
        if all == 0 {
            0.0
        } else {
            ok as f64 / all as f64
        }
    }

    fn report(&self, title: &str) {
        println!("\n{title}");
        for (category, (ok, all)) in &self.categories {
            println!(
                "  {category:<20} {ok:>4}/{all:<4} {:>6.1} %",
                100.0 * *ok as f64 / *all as f64
            );
        }
        for miss in &self.misses {
            println!("  miss: {miss}");
        }
        for error in &self.polarity_errors {
            println!("  POLARITY ERROR: {error}");
        }
    }
}

/// `keys:` and `voice:` prefixes mark keypad and spoken replies.
fn reply_of(raw: &str) -> (&str, bool, bool) {
    if let Some(rest) = raw.strip_prefix("keys:") {
        (rest, true, false)
    } else if let Some(rest) = raw.strip_prefix("voice:") {
        (rest, false, true)
    } else {
        (raw, false, false)
    }
}

#[test]
fn yes_no_answers() {
    let bundle = Bundle::default();
    let mut score = Score::default();
    for row in corpus("yes_no.tsv") {
        let [expected, raw] = row.as_slice() else {
            panic!("bad yes_no row {row:?}");
        };
        let (text, keys, voice) = reply_of(raw);
        let reply = Reply {
            text,
            keys,
            voice,
            today: None,
        };
        let got = match parse_slot(&SlotType::YesNo, &bundle, reply) {
            Some(Value::Bool(true)) => "yes",
            Some(Value::Bool(false)) => "no",
            _ => "none",
        };
        let chinese = text.chars().any(|c| c as u32 >= 0x3000);
        let category = format!("yes_no.{}", if chinese { "zh" } else { "en" });
        if (expected == "yes" && got == "no") || (expected == "no" && got == "yes") {
            score.polarity_errors.push(format!("{raw:?} read as {got}"));
        }
        score.record(&category, got == expected, || {
            format!("{raw:?}: expected {expected}, got {got}")
        });
    }
    score.report("yes/no");
    assert!(score.polarity_errors.is_empty(), "polarity errors");
    assert!(score.accuracy("yes_no") >= 0.95, "yes/no below 95 %");
}

fn slot_type(spec: &str, bundle: &mut Bundle) -> SlotType {
    let (name, args) = match spec.split_once('(') {
        Some((name, rest)) => (name, rest.trim_end_matches(')')),
        None => (spec, ""),
    };
    match name {
        "number" => SlotType::Number,
        "integer" => SlotType::Integer,
        "digits" => {
            let n = args.parse().ok();
            SlotType::Digits { min: n, max: n }
        }
        "phone" => SlotType::Phone,
        "date" => SlotType::Date,
        "time" => SlotType::Time,
        "email" => SlotType::Email,
        "enum" => SlotType::Enum(
            args.split(' ')
                .map(|v| {
                    bundle.strings.push(Arc::from(v));
                    (bundle.strings.len() - 1) as u32
                })
                .collect(),
        ),
        other => panic!("unknown slot type {other}"),
    }
}

fn shown(value: &Value) -> String {
    match value {
        Value::Number(n) => format!("{n}"),
        Value::Text(t) => t.clone(),
        Value::Date(d) => format!("{:04}-{:02}-{:02}", d.year, d.month, d.day),
        Value::Time(t) => format!("{:02}:{:02}", t.hour, t.minute),
        other => format!("{other:?}"),
    }
}

#[test]
fn slot_values() {
    let mut bundle = Bundle::default();
    let mut today = None;
    let mut score = Score::default();
    for row in corpus("slots.tsv") {
        if row[0] == "@today" {
            let parts: Vec<i32> = row[1].split('-').filter_map(|p| p.parse().ok()).collect();
            today = Some(Date {
                year: parts[0],
                month: parts[1] as u8,
                day: parts[2] as u8,
            });
            continue;
        }
        let [spec, raw, expected] = row.as_slice() else {
            panic!("bad slot row {row:?}");
        };
        let ty = slot_type(spec, &mut bundle);
        let (text, keys, voice) = reply_of(raw);
        let reply = Reply {
            text,
            keys,
            voice,
            today,
        };
        let got = parse_slot(&ty, &bundle, reply).map_or("-".to_string(), |v| shown(&v));
        let category = format!("slot.{}", spec.split('(').next().unwrap_or(spec));
        score.record(&category, &got == expected, || {
            format!("{spec} {raw:?}: expected {expected}, got {got}")
        });
    }
    score.report("slot values");
    assert!(score.accuracy("slot") >= 0.95, "slots below 95 %");
}

#[test]
fn sentiment_scores() {
    let mut score = Score::default();
    for row in corpus("sentiment.tsv") {
        let [label, text] = row.as_slice() else {
            panic!("bad sentiment row {row:?}");
        };
        let s = sentiment(text);
        let ok = match label.as_str() {
            "complaint" => s < -0.6,
            "neutral" => s > -0.6 && s < 0.3,
            "positive" => s > 0.3,
            other => panic!("unknown label {other}"),
        };
        if (label == "complaint" && s > 0.0) || (label == "positive" && s < 0.0) {
            score
                .polarity_errors
                .push(format!("{text:?} ({label}) scored {s:.2}"));
        }
        score.record(&format!("sentiment.{label}"), ok, || {
            format!("{text:?} ({label}) scored {s:.2}")
        });
    }
    score.report("sentiment");
    assert!(score.polarity_errors.is_empty(), "polarity errors");
    assert!(score.accuracy("sentiment") >= 0.90, "sentiment below 90 %");
}

#[test]
fn intent_paraphrases() {
    let mut score = Score::default();
    let mut set = String::new();
    let mut names: Vec<String> = Vec::new();
    let mut examples: Vec<(u32, String)> = Vec::new();
    let mut model = TextModel::default();
    for row in corpus("intents.tsv") {
        let first = &row[0];
        if let Some(name) = first.strip_prefix("@set ") {
            set = name.to_string();
            names.clear();
            examples.clear();
            continue;
        }
        if let Some(decl) = first.strip_prefix("intent ") {
            let (name, list) = decl.split_once(':').expect("intent NAME: examples");
            names.push(name.trim().to_string());
            for example in list.split('|') {
                examples.push(((names.len() - 1) as u32, example.trim().to_string()));
            }
            model = TextModel::new(examples.iter().map(|(g, t)| (*g, t.as_str())), false);
            continue;
        }
        let [expected, text] = row.as_slice() else {
            panic!("bad intent row {row:?}");
        };
        let got = model
            .best(text, INTENT_THRESHOLD)
            .map_or("none", |(i, _)| names[i].as_str());
        score.record(&format!("intent.{set}"), got == expected, || {
            let scores = model.scores(text);
            let best = scores.iter().cloned().fold(0.0f32, f32::max);
            format!("{text:?}: expected {expected}, got {got} (best score {best:.2})")
        });
    }
    score.report("intent paraphrases");
    assert!(score.accuracy("intent") >= 0.85, "intents below 85 %");
}
