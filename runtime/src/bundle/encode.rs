//! Bundle → bytes. Little-endian, `u32` length prefixes, one tag byte per enum variant; the
//! field order here is the format (keep it in step with `decode.rs`).

use super::*;
use std::sync::Arc;

/// The content hash in the header: catches corrupted files, not forgery. It reads the body
/// eight bytes at a time in four independent lanes, so a 24 MB bundle hashes in a few
/// milliseconds (format 1's byte-at-a-time FNV-1a was one serial multiply per byte, ~30 ms).
/// Every step (`xor` a word, multiply by an odd constant, rotate) is a bijection of the lane,
/// so a change confined to one word always changes that lane; the length and a final mix
/// fold the lanes together.
pub fn content_hash(bytes: &[u8]) -> u64 {
    const K: [u64; 4] = [
        0x9e37_79b9_7f4a_7c15,
        0xc2b2_ae3d_27d4_eb4f,
        0x1656_67b1_9e37_79f9,
        0x85eb_ca77_c2b2_ae63,
    ];
    let mut lanes = K;
    let word = |chunk: &[u8]| {
        let mut w = [0u8; 8];
        w[..chunk.len()].copy_from_slice(chunk);
        u64::from_le_bytes(w)
    };
    let mut blocks = bytes.chunks_exact(32);
    for block in &mut blocks {
        for (lane, (k, chunk)) in lanes.iter_mut().zip(K.iter().zip(block.chunks_exact(8))) {
            *lane = (*lane ^ word(chunk)).wrapping_mul(*k).rotate_left(29);
        }
    }
    // The tail (under 32 bytes), zero-padded words; the length below tells the padding apart.
    for (lane, (k, chunk)) in lanes
        .iter_mut()
        .zip(K.iter().zip(blocks.remainder().chunks(8)))
    {
        *lane = (*lane ^ word(chunk)).wrapping_mul(*k).rotate_left(29);
    }
    let mut hash = bytes.len() as u64;
    for (lane, k) in lanes.iter().zip(K) {
        hash = (hash ^ *lane).wrapping_mul(k).rotate_left(31);
    }
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^ (hash >> 33)
}

/// The content hash of `bundle`'s body: the hash its bytes carry, and its [`super::BundleId`].
pub fn body_hash(bundle: &Bundle) -> u64 {
    let mut body = Writer::default();
    bundle.encode_body(&mut body);
    content_hash(&body.bytes)
}

pub fn to_bytes(bundle: &Bundle) -> Vec<u8> {
    let mut out = Writer::default();
    out.bytes.extend_from_slice(&MAGIC);
    out.u16(FORMAT_VERSION);
    out.str(&bundle.compiler_version);
    // The body's length and hash go before it: written after it, in place. One buffer, not
    // a body copied behind its header (a 600,000-state bundle is 110 MB).
    let header = out.bytes.len();
    out.u32(0);
    out.u64(0);
    let start = out.bytes.len();
    bundle.encode_body(&mut out);
    let length = (out.bytes.len() - start) as u32;
    let hash = content_hash(&out.bytes[start..]);
    out.bytes[header..header + 4].copy_from_slice(&length.to_le_bytes());
    out.bytes[header + 4..start].copy_from_slice(&hash.to_le_bytes());
    out.bytes
}

#[derive(Default)]
pub struct Writer {
    pub bytes: Vec<u8>,
}

impl Writer {
    pub fn u8(&mut self, v: u8) {
        self.bytes.push(v);
    }
    pub fn u16(&mut self, v: u16) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u32(&mut self, v: u32) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    pub fn i32(&mut self, v: i32) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u64(&mut self, v: u64) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    pub fn f64(&mut self, v: f64) {
        self.bytes.extend_from_slice(&v.to_bits().to_le_bytes());
    }
    pub fn bool(&mut self, v: bool) {
        self.u8(v as u8);
    }
    pub fn str(&mut self, v: &str) {
        self.u32(v.len() as u32);
        self.bytes.extend_from_slice(v.as_bytes());
    }
    pub fn opt_u32(&mut self, v: Option<u32>) {
        match v {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                self.u32(v);
            }
        }
    }
    pub fn vec<T: Encode>(&mut self, items: &[T]) {
        self.u32(items.len() as u32);
        for item in items {
            item.encode(self);
        }
    }
}

pub trait Encode {
    fn encode(&self, w: &mut Writer);
}

impl Encode for u32 {
    fn encode(&self, w: &mut Writer) {
        w.u32(*self);
    }
}

impl Encode for String {
    fn encode(&self, w: &mut Writer) {
        w.str(self);
    }
}

impl Encode for Arc<str> {
    fn encode(&self, w: &mut Writer) {
        w.str(self);
    }
}

impl<T: Encode> Encode for Option<T> {
    fn encode(&self, w: &mut Writer) {
        match self {
            None => w.u8(0),
            Some(v) => {
                w.u8(1);
                v.encode(w);
            }
        }
    }
}

impl Bundle {
    fn encode_body(&self, w: &mut Writer) {
        w.vec(&self.strings);
        w.vec(&self.files);
        w.vec(&self.regexes);
        w.vec(&self.hours);
        w.vec(&self.queues);
        w.vec(&self.intents);
        w.vec(&self.knowledge);
        w.vec(&self.services);
        w.vec(&self.flows);
    }
}

impl Encode for Date {
    fn encode(&self, w: &mut Writer) {
        w.i32(self.year);
        w.u8(self.month);
        w.u8(self.day);
    }
}

impl Encode for Time {
    fn encode(&self, w: &mut Writer) {
        w.u8(self.hour);
        w.u8(self.minute);
    }
}

impl Encode for Hours {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.name);
        w.u32(self.timezone);
        w.vec(&self.weekly);
        w.vec(&self.closed);
    }
}

impl Encode for WeeklyRange {
    fn encode(&self, w: &mut Writer) {
        w.u8(self.day);
        self.start.encode(w);
        self.end.encode(w);
    }
}

impl Encode for DateRange {
    fn encode(&self, w: &mut Writer) {
        self.first.encode(w);
        self.last.encode(w);
    }
}

impl Encode for Queue {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.name);
        w.opt_u32(self.hours);
        w.vec(&self.skills);
    }
}

impl Encode for Intent {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.name);
        w.vec(&self.examples);
    }
}

impl Encode for KnowledgeBase {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.name);
        w.vec(&self.entries);
    }
}

impl Encode for KnowledgeEntry {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.name);
        w.vec(&self.questions);
        w.u32(self.answer);
        w.vec(&self.tags);
    }
}

impl Encode for Service {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.name);
        w.u32(self.timeout_ms);
        w.vec(&self.operations);
    }
}

impl Encode for Operation {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.name);
        w.vec(&self.params);
        w.vec(&self.returns);
    }
}

impl Encode for Field {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.name);
        self.ty.encode(w);
    }
}

impl Encode for SlotType {
    fn encode(&self, w: &mut Writer) {
        match self {
            SlotType::Text => w.u8(0),
            SlotType::Number => w.u8(1),
            SlotType::Integer => w.u8(2),
            SlotType::Digits { min, max } => {
                w.u8(3);
                w.opt_u32(*min);
                w.opt_u32(*max);
            }
            SlotType::YesNo => w.u8(4),
            SlotType::Date => w.u8(5),
            SlotType::Time => w.u8(6),
            SlotType::Email => w.u8(7),
            SlotType::Phone => w.u8(8),
            SlotType::Bool => w.u8(9),
            SlotType::Enum(values) => {
                w.u8(10);
                w.vec(values);
            }
            SlotType::Record => w.u8(11),
            SlotType::Matching(regex) => {
                w.u8(20);
                w.u32(*regex);
            }
            SlotType::LabelledEnum(values) => {
                w.u8(21);
                w.vec(values);
            }
            SlotType::List(element) => {
                w.u8(22);
                element.encode(w);
            }
            SlotType::Fields(fields) => {
                w.u8(23);
                w.vec(fields);
            }
        }
    }
}

impl Encode for Flow {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.name);
        w.u8(match self.channel {
            FlowChannel::Voice => 0,
            FlowChannel::Chat => 1,
            FlowChannel::Any => 2,
        });
        w.opt_u32(self.language);
        w.u32(self.start);
        w.vec(&self.vars);
        w.vec(&self.states);
        w.vec(&self.points);
        self.handlers.no_match.encode(w);
        self.handlers.no_input.encode(w);
        w.opt_u32(self.handlers.closed);
        w.opt_u32(self.handlers.error);
        w.opt_u32(self.escalate);
        w.vec(&self.code);
        w.vec(&self.locs);
        w.opt_u32(self.timezone);
    }
}

impl Encode for EnumValue {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.name);
        w.opt_u32(self.label);
    }
}

impl Encode for Var {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.name);
        self.ty.encode(w);
        w.bool(self.sensitive);
        self.default.encode(w);
        w.bool(self.is_result);
    }
}

impl Encode for State {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.name);
        w.u32(self.entry);
    }
}

impl Encode for InputPoint {
    fn encode(&self, w: &mut Writer) {
        match &self.kind {
            PointKind::Ask { var } => {
                w.u8(0);
                w.u32(*var);
            }
            PointKind::Menu { options } => match &self.items {
                None => {
                    w.u8(1);
                    w.vec(options);
                }
                // A menu with `options from`: its own tag, so a menu without stays as it was.
                Some(items) => {
                    w.u8(2);
                    w.vec(options);
                    w.u32(items.position);
                    w.u32(items.into);
                    w.u32(items.action);
                }
            },
        }
        w.u32(self.prompt);
        w.u32(self.after);
        self.no_match.encode(w);
        self.no_input.encode(w);
        self.timing.encode(w);
    }
}

impl Encode for InputTiming {
    fn encode(&self, w: &mut Writer) {
        w.opt_u32(self.timeout_ms);
        w.opt_u32(self.max_digits);
        w.opt_u32(self.finish_key);
    }
}

impl Encode for MenuOption {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.label);
        w.vec(&self.keys);
        w.vec(&self.intents);
        w.vec(&self.phrases);
        w.u32(self.action);
    }
}

impl Encode for InputHandler {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.retries);
        w.opt_u32(self.retry_message);
        w.u32(self.action);
    }
}

impl Encode for Const {
    fn encode(&self, w: &mut Writer) {
        match self {
            Const::None => w.u8(0),
            Const::Bool(b) => {
                w.u8(1);
                w.bool(*b);
            }
            Const::Number(n) => {
                w.u8(2);
                w.f64(*n);
            }
            Const::Text(s) => {
                w.u8(3);
                w.u32(*s);
            }
            Const::Date(d) => {
                w.u8(4);
                d.encode(w);
            }
            Const::Time(t) => {
                w.u8(5);
                t.encode(w);
            }
        }
    }
}

impl Encode for Loc {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.file);
        w.u32(self.line);
        w.u32(self.col);
    }
}

pub fn priority_tag(p: Priority) -> u8 {
    match p {
        Priority::Low => 0,
        Priority::Normal => 1,
        Priority::High => 2,
    }
}

pub fn cmp_tag(op: CmpOp) -> u8 {
    match op {
        CmpOp::Eq => 0,
        CmpOp::Ne => 1,
        CmpOp::Lt => 2,
        CmpOp::Le => 3,
        CmpOp::Gt => 4,
        CmpOp::Ge => 5,
    }
}

pub fn builtin_tag(b: Builtin) -> u8 {
    match b {
        Builtin::Text => 0,
        Builtin::Sentiment => 1,
        Builtin::NoMatchCount => 2,
        Builtin::NoInputCount => 3,
        Builtin::Turns => 4,
        Builtin::Channel => 5,
        Builtin::Today => 6,
        Builtin::Now => 7,
    }
}

impl Encode for Instr {
    fn encode(&self, w: &mut Writer) {
        match self {
            Instr::PushNone => w.u8(0),
            Instr::PushBool(b) => {
                w.u8(1);
                w.bool(*b);
            }
            Instr::PushNumber(n) => {
                w.u8(2);
                w.f64(*n);
            }
            Instr::PushText(s) => {
                w.u8(3);
                w.u32(*s);
            }
            Instr::PushDate(d) => {
                w.u8(4);
                d.encode(w);
            }
            Instr::PushTime(t) => {
                w.u8(5);
                t.encode(w);
            }
            Instr::Load(v) => {
                w.u8(6);
                w.u32(*v);
            }
            Instr::Field(s) => {
                w.u8(7);
                w.u32(*s);
            }
            Instr::Builtin(b) => {
                w.u8(8);
                w.u8(builtin_tag(*b));
            }
            Instr::IntentIs(i) => {
                w.u8(9);
                w.u32(*i);
            }
            Instr::Open(h) => {
                w.u8(10);
                w.u32(*h);
            }
            Instr::Not => w.u8(11),
            Instr::Compare(op) => {
                w.u8(12);
                w.u8(cmp_tag(*op));
            }
            Instr::And => w.u8(13),
            Instr::Or => w.u8(14),
            Instr::IsSet => w.u8(15),
            Instr::MakeList(n) => {
                w.u8(16);
                w.u32(*n);
            }
            Instr::In => w.u8(17),
            Instr::Matches(r) => {
                w.u8(18);
                w.u32(*r);
            }
            Instr::Jump(pc) => {
                w.u8(19);
                w.u32(*pc);
            }
            Instr::JumpIfFalse(pc) => {
                w.u8(20);
                w.u32(*pc);
            }
            Instr::JumpIfTrue(pc) => {
                w.u8(21);
                w.u32(*pc);
            }
            Instr::Store(v) => {
                w.u8(22);
                w.u32(*v);
            }
            Instr::Say { text, args } => {
                w.u8(23);
                w.u32(*text);
                w.u32(*args);
            }
            Instr::Wait(p) => {
                w.u8(24);
                w.u32(*p);
            }
            Instr::Goto(s) => {
                w.u8(25);
                w.u32(*s);
            }
            Instr::End => w.u8(26),
            Instr::Handoff {
                queue,
                priority,
                reason,
                args,
                on_closed,
            } => {
                w.u8(27);
                w.u32(*queue);
                w.u8(priority_tag(*priority));
                w.opt_u32(*reason);
                w.u32(*args);
                w.opt_u32(*on_closed);
            }
            Instr::Call {
                service,
                operation,
                into,
                on_error,
            } => {
                w.u8(28);
                w.u32(*service);
                w.u32(*operation);
                w.opt_u32(*into);
                w.opt_u32(*on_error);
            }
            Instr::Answer {
                knowledge,
                topic,
                args,
                found,
            } => {
                w.u8(29);
                w.u32(*knowledge);
                w.opt_u32(*topic);
                w.u32(*args);
                w.u32(*found);
            }
            Instr::Return => w.u8(30),
            Instr::Resume => w.u8(31),
            Instr::Deliver => w.u8(32),
            Instr::Format { text, args } => {
                w.u8(33);
                w.u32(*text);
                w.u32(*args);
            }
            Instr::Arith {
                op,
                on_error,
                resume,
            } => {
                w.u8(38);
                w.u8(match op {
                    ArithOp::Add => 0,
                    ArithOp::Sub => 1,
                    ArithOp::Mul => 2,
                    ArithOp::Div => 3,
                });
                w.opt_u32(*on_error);
                w.u32(*resume);
            }
            Instr::Label(var) => {
                w.u8(39);
                w.u32(*var);
            }
            Instr::Labels(values) => {
                w.u8(44);
                w.vec(values);
            }
            Instr::ItemsBegin { max } => {
                w.u8(40);
                w.u32(*max);
            }
            Instr::ItemsNext { var, done } => {
                w.u8(41);
                w.u32(*var);
                w.u32(*done);
            }
            Instr::ItemsLabel { text, args, back } => {
                w.u8(42);
                w.u32(*text);
                w.u32(*args);
                w.u32(*back);
            }
            Instr::ItemsSay => w.u8(43),
            Instr::Play {
                url,
                text,
                args,
                language,
            } => {
                w.u8(34);
                w.u32(*url);
                w.u32(*text);
                w.u32(*args);
                w.opt_u32(*language);
            }
            Instr::SayIn {
                text,
                args,
                language,
            } => {
                w.u8(35);
                w.u32(*text);
                w.u32(*args);
                w.u32(*language);
            }
            Instr::Transfer { to, reason, args } => {
                w.u8(36);
                w.u32(*to);
                w.opt_u32(*reason);
                w.u32(*args);
            }
            Instr::Reprompt => w.u8(37),
        }
    }
}
