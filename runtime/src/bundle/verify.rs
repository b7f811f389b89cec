//! The verifier: after decoding, every index must point into its table, every jump target
//! and state id into its flow, every time zone and regex must load. The VM relies on this
//! (and still never panics on what it cannot rule out, such as stack underflow).

use super::decode::LoadError;
use super::*;

/// Largest compiled regex the runtime accepts (a hostile bundle must not exhaust memory).
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Upper bound on values a single instruction may pop (templates, lists).
pub const MAX_ARGS: u32 = 1024;

pub fn verify(bundle: &Bundle) -> Result<(), LoadError> {
    Verifier { bundle }.run()
}

/// Compiles regex `pattern` with the runtime's limits.
pub fn compile_regex(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
}

struct Verifier<'a> {
    bundle: &'a Bundle,
}

fn fail<T>(message: String) -> Result<T, LoadError> {
    Err(LoadError::Invalid(message))
}

// Every check below runs once per index of a bundle with hundreds of thousands of them: the
// message is only formatted when a check fails.
fn check_index(what: &str, index: u32, len: usize) -> Result<(), LoadError> {
    if (index as usize) < len {
        Ok(())
    } else {
        out_of_range(what, index, len)
    }
}

#[cold]
fn out_of_range(what: &str, index: u32, len: usize) -> Result<(), LoadError> {
    fail(format!("{what} {index} out of range (table has {len})"))
}

/// Prefixes a flow's errors with where they are, once, on the way out.
fn in_flow(name: &str, at: Option<usize>) -> impl FnOnce(LoadError) -> LoadError + '_ {
    move |error| match (error, at) {
        (LoadError::Invalid(message), None) => {
            LoadError::Invalid(format!("flow `{name}`: {message}"))
        }
        (LoadError::Invalid(message), Some(at)) => {
            LoadError::Invalid(format!("flow `{name}`, instruction {at}: {message}"))
        }
        (other, _) => other,
    }
}

impl Verifier<'_> {
    fn str(&self, id: StrId, what: &str) -> Result<(), LoadError> {
        let len = self.bundle.strings.len();
        if (id as usize) < len {
            Ok(())
        } else {
            out_of_range(&format!("string id of {what}"), id, len)
        }
    }

    fn strs(&self, ids: &[StrId], what: &str) -> Result<(), LoadError> {
        let len = self.bundle.strings.len();
        match ids.iter().find(|id| **id as usize >= len) {
            None => Ok(()),
            Some(id) => self.str(*id, what),
        }
    }

    fn run(&self) -> Result<(), LoadError> {
        let b = self.bundle;
        self.strs(&b.files, "file path")?;
        for (index, id) in b.regexes.iter().enumerate() {
            self.str(*id, "regex")?;
            match compile_regex(b.str(*id)) {
                // Compiled anyway: kept, so no turn compiles it again.
                Ok(regex) => b.models.keep_regex(b, index, regex),
                Err(error) => {
                    return fail(format!("regex /{}/ does not compile: {error}", b.str(*id)));
                }
            }
        }
        for hours in &b.hours {
            self.str(hours.name, "hours name")?;
            self.str(hours.timezone, "time zone")?;
            let zone = b.str(hours.timezone);
            if zone.parse::<chrono_tz::Tz>().is_err() {
                return fail(format!(
                    "hours `{}`: unknown time zone `{zone}`",
                    b.str(hours.name)
                ));
            }
            for range in &hours.weekly {
                if range.day > 6 || !valid_time(range.start) || !valid_time(range.end) {
                    return fail(format!("hours `{}`: bad weekly range", b.str(hours.name)));
                }
            }
            for range in &hours.closed {
                if !valid_date(range.first) || !valid_date(range.last) {
                    return fail(format!("hours `{}`: bad closed date", b.str(hours.name)));
                }
            }
        }
        for queue in &b.queues {
            self.str(queue.name, "queue name")?;
            if let Some(hours) = queue.hours {
                check_index("queue hours", hours, b.hours.len())?;
            }
            self.strs(&queue.skills, "queue skill")?;
        }
        for intent in &b.intents {
            self.str(intent.name, "intent name")?;
            self.strs(&intent.examples, "intent example")?;
        }
        for kb in &b.knowledge {
            self.str(kb.name, "knowledge name")?;
            for entry in &kb.entries {
                self.str(entry.name, "entry name")?;
                self.strs(&entry.questions, "question")?;
                self.str(entry.answer, "answer")?;
                self.strs(&entry.tags, "tag")?;
            }
        }
        for service in &b.services {
            self.str(service.name, "service name")?;
            for op in &service.operations {
                self.str(op.name, "operation name")?;
                for field in op.params.iter().chain(&op.returns) {
                    self.str(field.name, "field name")?;
                    self.slot_type(&field.ty)?;
                }
            }
        }
        for flow in &b.flows {
            self.str(flow.name, "flow name")?;
            let name = b.str(flow.name);
            self.flow(flow).map_err(in_flow(name, None))?;
            for (at, instr) in flow.code.iter().enumerate() {
                self.instr(flow, instr).map_err(in_flow(name, Some(at)))?;
            }
        }
        Ok(())
    }

    fn enum_values(&self, values: &[EnumValue]) -> Result<(), LoadError> {
        for value in values {
            self.str(value.name, "enum value")?;
            if let Some(label) = value.label {
                self.str(label, "enum label")?;
            }
        }
        Ok(())
    }

    fn slot_type(&self, ty: &SlotType) -> Result<(), LoadError> {
        match ty {
            SlotType::Enum(values) => self.strs(values, "enum value")?,
            SlotType::LabelledEnum(values) => self.enum_values(values)?,
            SlotType::Matching(regex) => {
                check_index("slot pattern", *regex, self.bundle.regexes.len())?
            }
            // Nesting is bounded by the decoder (`MAX_TYPE_DEPTH`).
            SlotType::List(element) => self.slot_type(element)?,
            SlotType::Fields(fields) => {
                for field in fields {
                    self.str(field.name, "field name")?;
                    self.slot_type(&field.ty)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Everything of a flow but its instructions.
    fn flow(&self, flow: &Flow) -> Result<(), LoadError> {
        let b = self.bundle;
        let code_len = flow.code.len();
        let pc = |what: &str, pc: Pc| {
            if (pc as usize) < code_len {
                Ok(())
            } else {
                out_of_range(&format!("{what} jump target"), pc, code_len)
            }
        };
        check_index("start state", flow.start, flow.states.len())?;
        if let Some(zone) = flow.timezone {
            self.str(zone, "flow time zone")?;
            if b.str(zone).parse::<chrono_tz::Tz>().is_err() {
                return fail(format!("unknown time zone `{}`", b.str(zone)));
            }
        }
        if flow.locs.len() != code_len {
            return fail(format!(
                "{} source locations for {code_len} instructions",
                flow.locs.len()
            ));
        }
        for var in &flow.vars {
            self.str(var.name, "slot name")?;
            self.slot_type(&var.ty)?;
            match &var.default {
                Const::Text(id) => self.str(*id, "default")?,
                Const::Date(date) if !valid_date(*date) => {
                    return fail("bad default date".into());
                }
                Const::Time(time) if !valid_time(*time) => {
                    return fail("bad default time".into());
                }
                _ => {}
            }
        }
        for state in &flow.states {
            self.str(state.name, "state name")?;
            pc("state entry", state.entry)?;
        }
        let handler = |h: &InputHandler| -> Result<(), LoadError> {
            if let Some(message) = h.retry_message {
                pc("retry message", message)?;
            }
            pc("handler", h.action)
        };
        if let Some(language) = flow.language {
            self.str(language, "flow language")?;
        }
        for point in &flow.points {
            pc("prompt", point.prompt)?;
            if let Some(key) = point.timing.finish_key {
                self.str(key, "finish key")?;
                if !is_key(b.str(key)) {
                    return fail(format!(
                        "finish key {:?} is not one keypad key (0-9, * or #)",
                        b.str(key)
                    ));
                }
            }
            pc("after input", point.after)?;
            point.no_match.as_ref().map(handler).transpose()?;
            point.no_input.as_ref().map(handler).transpose()?;
            if let Some(items) = &point.items {
                if !matches!(point.kind, PointKind::Menu { .. }) {
                    return fail("`options from` on an ask".into());
                }
                check_index("options into variable", items.into, flow.vars.len())?;
                pc("options from", items.action)?;
            }
            match &point.kind {
                PointKind::Ask { var } => check_index("ask slot", *var, flow.vars.len())?,
                PointKind::Menu { options } => {
                    for option in options {
                        self.str(option.label, "option label")?;
                        self.strs(&option.keys, "option key")?;
                        self.strs(&option.phrases, "option phrase")?;
                        for intent in &option.intents {
                            check_index("option intent", *intent, b.intents.len())?;
                        }
                        pc("option", option.action)?;
                    }
                }
            }
        }
        flow.handlers.no_match.as_ref().map(handler).transpose()?;
        flow.handlers.no_input.as_ref().map(handler).transpose()?;
        flow.handlers
            .closed
            .map(|p| pc("on closed", p))
            .transpose()?;
        flow.handlers.error.map(|p| pc("on error", p)).transpose()?;
        flow.escalate.map(|p| pc("escalate", p)).transpose()?;
        let files = b.files.len();
        if let Some(loc) = flow
            .locs
            .iter()
            .find(|loc| loc.file != NO_FILE && loc.file as usize >= files)
        {
            check_index("source file", loc.file, files)?;
        }
        Ok(())
    }

    fn instr(&self, flow: &Flow, instr: &Instr) -> Result<(), LoadError> {
        let b = self.bundle;
        let code_len = flow.code.len();
        let args = |n: u32| {
            if n <= MAX_ARGS {
                Ok(())
            } else {
                fail(format!("{n} arguments is too many"))
            }
        };
        match instr {
            Instr::PushText(s) | Instr::Field(s) => self.str(*s, "operand"),
            Instr::PushDate(d) if !valid_date(*d) => fail("bad date".into()),
            Instr::PushTime(t) if !valid_time(*t) => fail("bad time".into()),
            Instr::Load(v) | Instr::Store(v) => check_index("variable", *v, flow.vars.len()),
            Instr::IntentIs(i) => check_index("intent", *i, b.intents.len()),
            Instr::Open(h) => check_index("hours", *h, b.hours.len()),
            Instr::MakeList(n) => args(*n),
            Instr::Matches(r) => check_index("regex", *r, b.regexes.len()),
            Instr::Jump(t) | Instr::JumpIfFalse(t) | Instr::JumpIfTrue(t) => {
                check_index("jump target", *t, code_len)
            }
            Instr::Say { text, args: n } | Instr::Format { text, args: n } => {
                self.str(*text, "say")?;
                args(*n)
            }
            Instr::Wait(p) => check_index("input point", *p, flow.points.len()),
            Instr::Goto(s) => check_index("state", *s, flow.states.len()),
            Instr::Handoff {
                queue,
                reason,
                args: n,
                on_closed,
                ..
            } => {
                check_index("queue", *queue, b.queues.len())?;
                if let Some(reason) = reason {
                    self.str(*reason, "reason")?;
                }
                if let Some(target) = on_closed {
                    check_index("on closed target", *target, code_len)?;
                }
                args(*n)
            }
            Instr::Call {
                service,
                operation,
                into,
                on_error,
            } => {
                check_index("service", *service, b.services.len())?;
                let ops = b
                    .services
                    .get(*service as usize)
                    .map(|s| s.operations.len())
                    .unwrap_or(0);
                check_index("operation", *operation, ops)?;
                if let Some(var) = into {
                    check_index("into variable", *var, flow.vars.len())?;
                }
                if let Some(target) = on_error {
                    check_index("on error target", *target, code_len)?;
                }
                Ok(())
            }
            Instr::Answer {
                knowledge,
                topic,
                args: n,
                found,
            } => {
                check_index("knowledge base", *knowledge, b.knowledge.len())?;
                if let Some(topic) = topic {
                    self.str(*topic, "topic")?;
                }
                check_index("jump target", *found, code_len)?;
                args(*n)
            }
            Instr::Arith {
                on_error, resume, ..
            } => {
                if let Some(target) = on_error {
                    check_index("on error target", *target, code_len)?;
                }
                check_index("resume target", *resume, code_len)
            }
            Instr::Label(v) => check_index("variable", *v, flow.vars.len()),
            Instr::Labels(values) => self.enum_values(values),
            Instr::ItemsBegin { max } if *max > MAX_MENU_ITEMS => fail(format!(
                "`options from` with {max} items (at most {MAX_MENU_ITEMS})"
            )),
            Instr::ItemsNext { var, done } => {
                check_index("item variable", *var, flow.vars.len())?;
                check_index("jump target", *done, code_len)
            }
            Instr::ItemsLabel {
                text,
                args: n,
                back,
            } => {
                self.str(*text, "item label")?;
                check_index("jump target", *back, code_len)?;
                args(*n)
            }
            Instr::Play {
                url,
                text,
                args: n,
                language,
            } => {
                self.str(*url, "play")?;
                self.str(*text, "play text")?;
                if let Some(language) = language {
                    self.str(*language, "language")?;
                }
                args(*n)
            }
            Instr::SayIn {
                text,
                args: n,
                language,
            } => {
                self.str(*text, "say")?;
                self.str(*language, "language")?;
                args(*n)
            }
            Instr::Transfer {
                to,
                reason,
                args: n,
            } => {
                self.str(*to, "transfer")?;
                if let Some(reason) = reason {
                    self.str(*reason, "reason")?;
                }
                args(*n)
            }
            _ => Ok(()),
        }
    }
}

/// One keypad key: a digit, `*` or `#`.
fn is_key(text: &str) -> bool {
    let mut chars = text.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if c.is_ascii_digit() || c == '*' || c == '#')
}

fn valid_time(t: Time) -> bool {
    (t.hour < 24 && t.minute < 60) || (t.hour == 24 && t.minute == 0)
}

fn valid_date(d: Date) -> bool {
    chrono::NaiveDate::from_ymd_opt(d.year, d.month as u32, d.day as u32).is_some()
}
