//! The disassembler: a bundle as readable text — declarations, then each flow's code with
//! labels, strings shown inline as quoted text, and the source location of every
//! instruction (`file:line:col`).

use crate::bundle::*;
use std::collections::BTreeMap;
use std::fmt::Write;

pub fn disassemble(bundle: &Bundle) -> String {
    let mut out = String::new();
    let b = bundle;
    let _ = writeln!(
        out,
        "; csflow bundle format {FORMAT_VERSION}, compiler {}",
        quote(&b.compiler_version)
    );
    let _ = writeln!(
        out,
        "; {} strings, {} files, {} flows",
        b.strings.len(),
        b.files.len(),
        b.flows.len()
    );
    for (i, file) in b.files.iter().enumerate() {
        let _ = writeln!(out, "file {i} {}", quote(b.str(*file)));
    }
    for hours in &b.hours {
        let _ = writeln!(
            out,
            "hours {} timezone {}",
            b.str(hours.name),
            quote(b.str(hours.timezone))
        );
        for range in &hours.weekly {
            let day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
                .get(range.day as usize)
                .unwrap_or(&"?");
            let _ = writeln!(out, "  {day} {}-{}", time(range.start), time(range.end));
        }
        for range in &hours.closed {
            let _ = writeln!(out, "  closed {}..{}", date(range.first), date(range.last));
        }
    }
    for queue in &b.queues {
        let _ = write!(out, "queue {}", b.str(queue.name));
        if let Some(hours) = queue.hours.and_then(|h| b.hours.get(h as usize)) {
            let _ = write!(out, " hours {}", b.str(hours.name));
        }
        if !queue.skills.is_empty() {
            let _ = write!(out, " skills [{}]", quoted_list(b, &queue.skills));
        }
        out.push('\n');
    }
    for intent in &b.intents {
        let _ = writeln!(
            out,
            "intent {} [{}]",
            b.str(intent.name),
            quoted_list(b, &intent.examples)
        );
    }
    for kb in &b.knowledge {
        let _ = writeln!(out, "knowledge {}", b.str(kb.name));
        for entry in &kb.entries {
            let _ = writeln!(
                out,
                "  entry {} questions [{}]",
                b.str(entry.name),
                quoted_list(b, &entry.questions)
            );
            let _ = writeln!(out, "    answer {}", quote(b.str(entry.answer)));
            if !entry.tags.is_empty() {
                let _ = writeln!(out, "    tags [{}]", quoted_list(b, &entry.tags));
            }
        }
    }
    for service in &b.services {
        let _ = writeln!(
            out,
            "service {} timeout {}ms",
            b.str(service.name),
            service.timeout_ms
        );
        for op in &service.operations {
            let params: Vec<String> = op.params.iter().map(|f| field(b, f)).collect();
            let returns: Vec<String> = op.returns.iter().map(|f| field(b, f)).collect();
            let _ = writeln!(
                out,
                "  operation {}({}) returns {{ {} }}",
                b.str(op.name),
                params.join(", "),
                returns.join(", ")
            );
        }
    }
    for flow in &b.flows {
        out.push('\n');
        flow_text(&mut out, b, flow);
    }
    out
}

fn flow_text(out: &mut String, b: &Bundle, flow: &Flow) {
    let start = named(b, &flow.states, flow.start, |x| x.name);
    let _ = write!(
        out,
        "flow {} channel {} start {start}",
        b.str(flow.name),
        flow.channel.as_str()
    );
    if let Some(language) = flow.language {
        let _ = write!(out, " language {}", quote(b.str(language)));
    }
    out.push('\n');
    for (i, var) in flow.vars.iter().enumerate() {
        let kind = if var.is_result { "result" } else { "slot" };
        let _ = write!(
            out,
            "  {kind} ${i} {}: {}",
            b.str(var.name),
            type_text(b, &var.ty)
        );
        if var.sensitive {
            out.push_str(" sensitive");
        }
        if var.default != Const::None {
            let _ = write!(out, " = {}", const_text(b, &var.default));
        }
        out.push('\n');
    }
    let mut labels: BTreeMap<Pc, Vec<String>> = BTreeMap::new();
    let mut label = |pc: Pc, text: String| labels.entry(pc).or_default().push(text);
    for state in &flow.states {
        label(state.entry, format!("state {}", b.str(state.name)));
    }
    if let Some(pc) = flow.escalate {
        label(pc, "escalate".into());
    }
    for (name, handler) in [
        ("no_match", &flow.handlers.no_match),
        ("no_input", &flow.handlers.no_input),
    ] {
        if let Some(h) = handler {
            let _ = writeln!(out, "  on {name} {}", handler_text(h));
            label(h.action, format!("flow on {name}"));
            if let Some(m) = h.retry_message {
                label(m, format!("flow on {name} retry message"));
            }
        }
    }
    if let Some(pc) = flow.handlers.closed {
        let _ = writeln!(out, "  on closed @{pc:04}");
        label(pc, "flow on closed".into());
    }
    if let Some(pc) = flow.handlers.error {
        let _ = writeln!(out, "  on error @{pc:04}");
        label(pc, "flow on error".into());
    }
    for (i, point) in flow.points.iter().enumerate() {
        match &point.kind {
            PointKind::Ask { var } => {
                let name = named(b, &flow.vars, *var, |x| x.name);
                let _ = writeln!(
                    out,
                    "  input #{i} ask {name} prompt @{:04} after @{:04}{}",
                    point.prompt,
                    point.after,
                    timing_text(b, &point.timing)
                );
            }
            PointKind::Menu { options } => {
                let _ = writeln!(
                    out,
                    "  input #{i} menu prompt @{:04} after @{:04}{}",
                    point.prompt,
                    point.after,
                    timing_text(b, &point.timing)
                );
                for option in options {
                    let intents: Vec<&str> = option
                        .intents
                        .iter()
                        .map(|n| {
                            b.intents
                                .get(*n as usize)
                                .map(|it| b.str(it.name))
                                .unwrap_or("?")
                        })
                        .collect();
                    let _ = write!(out, "    option {}", quote(b.str(option.label)));
                    if !option.keys.is_empty() {
                        let _ = write!(out, " keys [{}]", quoted_list(b, &option.keys));
                    }
                    if !intents.is_empty() {
                        let _ = write!(out, " intents [{}]", intents.join(", "));
                    }
                    if !option.phrases.is_empty() {
                        let _ = write!(out, " phrases [{}]", quoted_list(b, &option.phrases));
                    }
                    let _ = writeln!(out, " -> @{:04}", option.action);
                    label(
                        option.action,
                        format!("#{i} option {}", quote(b.str(option.label))),
                    );
                }
                if let Some(items) = &point.items {
                    let into = named(b, &flow.vars, items.into, |x| x.name);
                    let _ = writeln!(
                        out,
                        "    options from (after {} options) into {into} -> @{:04}",
                        items.position, items.action
                    );
                    label(items.action, format!("#{i} options from into {into}"));
                }
            }
        }
        for (name, handler) in [("no_match", &point.no_match), ("no_input", &point.no_input)] {
            if let Some(h) = handler {
                let _ = writeln!(out, "    on {name} {}", handler_text(h));
                label(h.action, format!("#{i} on {name}"));
                if let Some(m) = h.retry_message {
                    label(m, format!("#{i} on {name} retry message"));
                }
            }
        }
    }
    for (pc, instr) in flow.code.iter().enumerate() {
        if let Some(names) = labels.get(&(pc as Pc)) {
            for name in names {
                let _ = writeln!(out, "{name}:");
            }
        }
        let text = instr_text(b, flow, instr);
        let loc = flow
            .locs
            .get(pc)
            .map(|l| loc_text(b, l))
            .unwrap_or_default();
        if loc.is_empty() {
            let _ = writeln!(out, "  {pc:04}  {text}");
        } else {
            let _ = writeln!(out, "  {pc:04}  {text:<48} ; {loc}");
        }
    }
}

/// ` timeout 5000ms max_digits 4 finish_key "#"`, the parts an input point sets.
fn timing_text(b: &Bundle, timing: &InputTiming) -> String {
    let mut text = String::new();
    if let Some(ms) = timing.timeout_ms {
        let _ = write!(text, " timeout {ms}ms");
    }
    if let Some(n) = timing.max_digits {
        let _ = write!(text, " max_digits {n}");
    }
    if let Some(key) = timing.finish_key {
        let _ = write!(text, " finish_key {}", quote(b.str(key)));
    }
    text
}

fn handler_text(h: &InputHandler) -> String {
    let mut text = String::new();
    if h.retries > 0 {
        let _ = write!(text, "retry {} ", h.retries);
        if let Some(m) = h.retry_message {
            let _ = write!(text, "message @{m:04} ");
        }
        text.push_str("then ");
    }
    let _ = write!(text, "@{:04}", h.action);
    text
}

fn loc_text(b: &Bundle, loc: &Loc) -> String {
    if loc.file == NO_FILE {
        return String::new();
    }
    let path = b
        .files
        .get(loc.file as usize)
        .map(|f| b.str(*f))
        .unwrap_or("?");
    format!("{path}:{}:{}", loc.line, loc.col)
}

/// The name of `items[index]`, or `?` for an index the verifier would have refused.
fn named<'b, T>(b: &'b Bundle, items: &[T], index: u32, name: fn(&T) -> StrId) -> &'b str {
    items
        .get(index as usize)
        .map(|x| b.str(name(x)))
        .unwrap_or("?")
}

/// One instruction as text, with its strings and names resolved.
pub fn instr_text(b: &Bundle, flow: &Flow, instr: &Instr) -> String {
    let var = |v: u32| named(b, &flow.vars, v, |x| x.name).to_string();
    let opt_pc = |p: &Option<Pc>| p.map(|p| format!(" @{p:04}")).unwrap_or_default();
    match instr {
        Instr::PushNone => "push none".into(),
        Instr::PushBool(v) => format!("push {v}"),
        Instr::PushNumber(n) => format!("push {}", crate::value::Value::Number(*n).display()),
        Instr::PushText(s) => format!("push {}", quote(b.str(*s))),
        Instr::PushDate(d) => format!("push {}", date(*d)),
        Instr::PushTime(t) => format!("push {}", time(*t)),
        Instr::Load(v) => format!("load {}", var(*v)),
        Instr::Field(s) => format!("field {}", b.str(*s)),
        Instr::Builtin(builtin) => format!("builtin {}", builtin.as_str()),
        Instr::IntentIs(i) => format!("intent {}", named(b, &b.intents, *i, |x| x.name)),
        Instr::Open(h) => format!("open {}", named(b, &b.hours, *h, |x| x.name)),
        Instr::Not => "not".into(),
        Instr::Compare(op) => format!("compare {}", op.as_str()),
        Instr::And => "and".into(),
        Instr::Or => "or".into(),
        Instr::IsSet => "is_set".into(),
        Instr::MakeList(n) => format!("list {n}"),
        Instr::In => "in".into(),
        Instr::Matches(r) => format!(
            "matches /{}/",
            b.regexes.get(*r as usize).map(|s| b.str(*s)).unwrap_or("?")
        ),
        Instr::Jump(pc) => format!("jump @{pc:04}"),
        Instr::JumpIfFalse(pc) => format!("jump_if_false @{pc:04}"),
        Instr::JumpIfTrue(pc) => format!("jump_if_true @{pc:04}"),
        Instr::Store(v) => format!("store {}", var(*v)),
        Instr::Say { text, args } => format!("say {}{}", quote(b.str(*text)), args_text(*args)),
        Instr::Wait(p) => format!("wait #{p}"),
        Instr::Goto(s) => format!("goto {}", named(b, &flow.states, *s, |x| x.name)),
        Instr::End => "end".into(),
        Instr::Handoff {
            queue,
            priority,
            reason,
            args,
            on_closed,
        } => {
            let mut text = format!(
                "handoff {} priority {}",
                named(b, &b.queues, *queue, |x| x.name),
                priority.as_str()
            );
            if let Some(r) = reason {
                let _ = write!(text, " reason {}{}", quote(b.str(*r)), args_text(*args));
            }
            if on_closed.is_some() {
                let _ = write!(text, " on_closed{}", opt_pc(on_closed));
            }
            text
        }
        Instr::Call {
            service,
            operation,
            into,
            on_error,
        } => {
            let service = b.services.get(*service as usize);
            let op = service.and_then(|s| s.operations.get(*operation as usize));
            let mut text = format!(
                "call {}.{}",
                service.map(|s| b.str(s.name)).unwrap_or("?"),
                op.map(|o| b.str(o.name)).unwrap_or("?")
            );
            if let Some(v) = into {
                let _ = write!(text, " into {}", var(*v));
            }
            if on_error.is_some() {
                let _ = write!(text, " on_error{}", opt_pc(on_error));
            }
            text
        }
        Instr::Answer {
            knowledge,
            topic,
            args,
            found,
        } => {
            let mut text = format!("answer {}", named(b, &b.knowledge, *knowledge, |x| x.name));
            if let Some(t) = topic {
                let _ = write!(text, " topic {}{}", quote(b.str(*t)), args_text(*args));
            }
            let _ = write!(text, " found @{found:04}");
            text
        }
        Instr::Return => "return".into(),
        Instr::Resume => "resume".into(),
        Instr::Deliver => "deliver".into(),
        Instr::Format { text, args } => {
            format!("format {}{}", quote(b.str(*text)), args_text(*args))
        }
        Instr::Arith {
            op,
            on_error,
            resume,
        } => {
            let mut text = format!("arith {}", op.as_str());
            if on_error.is_some() {
                let _ = write!(text, " on_error{}", opt_pc(on_error));
            }
            let _ = write!(text, " resume @{resume:04}");
            text
        }
        Instr::Label(var) => format!("label {}", named(b, &flow.vars, *var, |x| x.name)),
        Instr::Labels(values) => format!("labels {{ {} }}", enum_values(b, values)),
        Instr::ItemsBegin { max } => format!("items_begin max {max}"),
        Instr::ItemsNext { var, done } => format!(
            "items_next {} done @{done:04}",
            named(b, &flow.vars, *var, |x| x.name)
        ),
        Instr::ItemsLabel { text, args, back } => format!(
            "items_label {}{} back @{back:04}",
            quote(b.str(*text)),
            args_text(*args)
        ),
        Instr::ItemsSay => "items_say".into(),
        Instr::Play {
            url,
            text,
            args,
            language,
        } => {
            let mut out = format!(
                "play {} or say {}{}",
                quote(b.str(*url)),
                quote(b.str(*text)),
                args_text(*args)
            );
            if let Some(language) = language {
                let _ = write!(out, " language {}", quote(b.str(*language)));
            }
            out
        }
        Instr::SayIn {
            text,
            args,
            language,
        } => format!(
            "say {}{} language {}",
            quote(b.str(*text)),
            args_text(*args),
            quote(b.str(*language))
        ),
        Instr::Transfer { to, reason, args } => {
            let mut out = format!("transfer {}", quote(b.str(*to)));
            if let Some(r) = reason {
                let _ = write!(out, " reason {}{}", quote(b.str(*r)), args_text(*args));
            }
            out
        }
        Instr::Reprompt => "reprompt".into(),
    }
}

fn args_text(args: u32) -> String {
    if args == 0 {
        String::new()
    } else {
        format!(" args {args}")
    }
}

fn quote(text: &str) -> String {
    format!("{text:?}")
}

fn quoted_list(b: &Bundle, ids: &[StrId]) -> String {
    ids.iter()
        .map(|id| quote(b.str(*id)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn time(t: Time) -> String {
    format!("{:02}:{:02}", t.hour, t.minute)
}

fn date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

fn field(b: &Bundle, f: &Field) -> String {
    format!("{}: {}", b.str(f.name), type_text(b, &f.ty))
}

/// `plus "Plus 套餐" basic`: enum values with their labels, as written.
fn enum_values(b: &Bundle, values: &[crate::bundle::EnumValue]) -> String {
    values
        .iter()
        .map(|v| match v.label {
            Some(label) => format!("{} {}", b.str(v.name), quote(b.str(label))),
            None => b.str(v.name).to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn type_text(b: &Bundle, ty: &SlotType) -> String {
    match ty {
        SlotType::Text => "text".into(),
        SlotType::Number => "number".into(),
        SlotType::Integer => "integer".into(),
        SlotType::Digits {
            min: Some(a),
            max: Some(z),
        } if a == z => format!("digits({a})"),
        SlotType::Digits { min, max } if min.is_some() || max.is_some() => {
            format!(
                "digits({}..{})",
                min.map(|m| m.to_string()).unwrap_or_default(),
                max.map(|m| m.to_string()).unwrap_or_default()
            )
        }
        SlotType::Digits { .. } => "digits".into(),
        SlotType::YesNo => "yes_no".into(),
        SlotType::Date => "date".into(),
        SlotType::Time => "time".into(),
        SlotType::Email => "email".into(),
        SlotType::Phone => "phone".into(),
        SlotType::Bool => "bool".into(),
        SlotType::Enum(values) => format!(
            "enum {{ {} }}",
            values
                .iter()
                .map(|v| b.str(*v))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        SlotType::Record => "record".into(),
        SlotType::Matching(regex) => format!(
            "text matching /{}/",
            b.regexes.get(*regex as usize).map_or("", |id| b.str(*id))
        ),
        SlotType::LabelledEnum(values) => format!("enum {{ {} }}", enum_values(b, values)),
        SlotType::List(element) => format!("list of {}", type_text(b, element)),
        SlotType::Fields(fields) => format!(
            "{{ {} }}",
            fields
                .iter()
                .map(|f| field(b, f))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn const_text(b: &Bundle, c: &Const) -> String {
    match c {
        Const::None => "none".into(),
        Const::Bool(v) => v.to_string(),
        Const::Number(n) => crate::value::Value::Number(*n).display(),
        Const::Text(s) => quote(b.str(*s)),
        Const::Date(d) => date(*d),
        Const::Time(t) => time(*t),
    }
}
