//! Bytes → Bundle, defensively: every length is checked against the bytes that remain
//! before anything is allocated, so hostile input gives a [`LoadError`], never a panic or an
//! unbounded allocation. Index checks come afterwards in `verify.rs`.

use super::encode::content_hash;
use super::*;
use std::fmt;
use std::sync::Arc;

/// Why a bundle could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    /// The file does not start with `CSFB`: not a csflow bundle.
    BadMagic,
    /// Written by a newer or older compiler whose format this runtime does not read.
    UnsupportedVersion { found: u16, supported: u16 },
    /// The bytes end before the structure does.
    Truncated { offset: usize, needed: usize },
    /// The body does not match the header's content hash: the file is corrupted.
    HashMismatch { expected: u64, found: u64 },
    /// Bytes left over after the body.
    TrailingBytes { count: usize },
    /// The structure decoded but is inconsistent (bad tag, index out of range …).
    Invalid(String),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::BadMagic => write!(f, "not a csflow bundle (missing `CSFB` header)"),
            LoadError::UnsupportedVersion { found, supported } if found < supported => write!(
                f,
                "bundle format version {found} was written by an older csflow; this runtime reads version {supported}: rebuild the bundle with `csflow build`"
            ),
            LoadError::UnsupportedVersion { found, supported } => write!(
                f,
                "bundle format version {found} was written by a newer csflow; this runtime reads version {supported}: rebuild the bundle with this version's `csflow build`, or run it with a newer runtime"
            ),
            LoadError::Truncated { offset, needed } => {
                write!(
                    f,
                    "bundle is truncated: {needed} more byte(s) needed at offset {offset}"
                )
            }
            LoadError::HashMismatch { expected, found } => write!(
                f,
                "bundle is corrupted: content hash {found:016x} does not match header {expected:016x}"
            ),
            LoadError::TrailingBytes { count } => {
                write!(f, "bundle has {count} unexpected byte(s) after its end")
            }
            LoadError::Invalid(message) => write!(f, "invalid bundle: {message}"),
        }
    }
}

impl std::error::Error for LoadError {}

type Result<T> = std::result::Result<T, LoadError>;

fn invalid<T>(message: impl Into<String>) -> Result<T> {
    Err(LoadError::Invalid(message.into()))
}

/// Decodes without verifying indices (see [`super::verify`]).
pub fn from_bytes(bytes: &[u8]) -> Result<Bundle> {
    let mut r = Reader {
        bytes,
        pos: 0,
        depth: 0,
    };
    if bytes.len() < 4 || bytes[..4] != MAGIC {
        return Err(LoadError::BadMagic);
    }
    r.pos = 4;
    let version = r.u16()?;
    if version != FORMAT_VERSION {
        return Err(LoadError::UnsupportedVersion {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let compiler_version = r.str()?;
    let body_len = r.u32()? as usize;
    let expected = r.u64()?;
    let body = r.take(body_len)?;
    if r.pos != bytes.len() {
        return Err(LoadError::TrailingBytes {
            count: bytes.len() - r.pos,
        });
    }
    let found = content_hash(body);
    if found != expected {
        return Err(LoadError::HashMismatch { expected, found });
    }
    let mut r = Reader {
        bytes: body,
        pos: 0,
        depth: 0,
    };
    let mut bundle = Bundle {
        compiler_version,
        strings: r.vec()?,
        files: r.vec()?,
        regexes: r.vec()?,
        hours: r.vec()?,
        queues: r.vec()?,
        intents: r.vec()?,
        knowledge: r.vec()?,
        services: r.vec()?,
        flows: Vec::new(),
        models: Default::default(),
    };
    bundle.flows = r.vec()?;
    if r.pos != body.len() {
        return Err(LoadError::TrailingBytes {
            count: body.len() - r.pos,
        });
    }
    bundle.models.set_id(super::BundleId(found));
    Ok(bundle)
}

pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// How deep nested field types are at the current position.
    depth: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    #[inline]
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        match self.bytes.get(self.pos..).and_then(|rest| rest.get(..n)) {
            Some(slice) => {
                self.pos += n;
                Ok(slice)
            }
            None => Err(self.truncated(n)),
        }
    }

    #[cold]
    fn truncated(&self, n: usize) -> LoadError {
        LoadError::Truncated {
            offset: self.pos,
            needed: n.saturating_sub(self.remaining()),
        }
    }

    #[inline]
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    #[inline]
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }
    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    #[inline]
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    pub fn i32(&mut self) -> Result<i32> {
        Ok(i32::from_le_bytes(self.array()?))
    }
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    pub fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_bits(self.u64()?))
    }
    pub fn bool(&mut self) -> Result<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            other => invalid(format!(
                "bad boolean byte {other} at offset {}",
                self.pos - 1
            )),
        }
    }
    pub fn str(&mut self) -> Result<String> {
        let len = self.u32()? as usize;
        let at = self.pos;
        let bytes = self.take(len)?;
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(text.to_string()),
            Err(_) => invalid(format!("string at offset {at} is not UTF-8")),
        }
    }
    #[inline]
    pub fn opt_u32(&mut self) -> Result<Option<u32>> {
        match self.u8()? {
            0 => Ok(None),
            1 => Ok(Some(self.u32()?)),
            other => invalid(format!("bad option tag {other}")),
        }
    }

    /// A length-prefixed sequence. Every element takes at least `T::MIN_SIZE` bytes, so a
    /// length larger than the remaining bytes allow is rejected before allocating.
    pub fn vec<T: Decode>(&mut self) -> Result<Vec<T>> {
        let at = self.pos;
        let len = self.u32()? as usize;
        let min = T::MIN_SIZE.max(1);
        if len > self.remaining() / min {
            return Err(LoadError::Truncated {
                offset: at,
                needed: len.saturating_mul(min).saturating_sub(self.remaining()),
            });
        }
        T::decode_seq(self, len)
    }

    /// `len` records of exactly `size` bytes each, in one bounds check.
    fn records(&mut self, len: usize, size: usize) -> Result<std::slice::ChunksExact<'a, u8>> {
        Ok(self.take(len.saturating_mul(size))?.chunks_exact(size))
    }
}

/// Reads a little-endian `u32` at `at` of a record whose size was checked when it was taken.
fn le_u32(record: &[u8], at: usize) -> u32 {
    let mut word = [0u8; 4];
    if let Some(bytes) = record.get(at..at + 4) {
        word.copy_from_slice(bytes);
    }
    u32::from_le_bytes(word)
}

pub trait Decode: Sized {
    /// The fewest bytes one encoded value can take.
    const MIN_SIZE: usize;
    fn decode(r: &mut Reader<'_>) -> Result<Self>;

    /// `len` values in a row (`len` already checked against the bytes left). Fixed-size
    /// records override it to read the whole run at once.
    fn decode_seq(r: &mut Reader<'_>, len: usize) -> Result<Vec<Self>> {
        let mut items = Vec::with_capacity(len);
        for _ in 0..len {
            items.push(Self::decode(r)?);
        }
        Ok(items)
    }
}

impl Decode for u32 {
    const MIN_SIZE: usize = 4;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        r.u32()
    }
    fn decode_seq(r: &mut Reader<'_>, len: usize) -> Result<Vec<Self>> {
        Ok(r.records(len, 4)?.map(|word| le_u32(word, 0)).collect())
    }
}

impl Decode for String {
    const MIN_SIZE: usize = 4;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        r.str()
    }
}

impl Decode for Arc<str> {
    const MIN_SIZE: usize = 4;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let len = r.u32()? as usize;
        let at = r.pos;
        match std::str::from_utf8(r.take(len)?) {
            Ok(text) => Ok(Arc::from(text)),
            Err(_) => invalid(format!("string at offset {at} is not UTF-8")),
        }
    }
}

impl<T: Decode> Decode for Option<T> {
    const MIN_SIZE: usize = 1;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        match r.u8()? {
            0 => Ok(None),
            1 => Ok(Some(T::decode(r)?)),
            other => invalid(format!("bad option tag {other}")),
        }
    }
}

impl Decode for Date {
    const MIN_SIZE: usize = 6;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Date {
            year: r.i32()?,
            month: r.u8()?,
            day: r.u8()?,
        })
    }
}

impl Decode for Time {
    const MIN_SIZE: usize = 2;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Time {
            hour: r.u8()?,
            minute: r.u8()?,
        })
    }
}

impl Decode for Hours {
    const MIN_SIZE: usize = 16;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Hours {
            name: r.u32()?,
            timezone: r.u32()?,
            weekly: r.vec()?,
            closed: r.vec()?,
        })
    }
}

impl Decode for WeeklyRange {
    const MIN_SIZE: usize = 5;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(WeeklyRange {
            day: r.u8()?,
            start: Time::decode(r)?,
            end: Time::decode(r)?,
        })
    }
}

impl Decode for DateRange {
    const MIN_SIZE: usize = 12;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(DateRange {
            first: Date::decode(r)?,
            last: Date::decode(r)?,
        })
    }
}

impl Decode for Queue {
    const MIN_SIZE: usize = 9;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Queue {
            name: r.u32()?,
            hours: r.opt_u32()?,
            skills: r.vec()?,
        })
    }
}

impl Decode for Intent {
    const MIN_SIZE: usize = 8;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Intent {
            name: r.u32()?,
            examples: r.vec()?,
        })
    }
}

impl Decode for KnowledgeBase {
    const MIN_SIZE: usize = 8;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(KnowledgeBase {
            name: r.u32()?,
            entries: r.vec()?,
        })
    }
}

impl Decode for KnowledgeEntry {
    const MIN_SIZE: usize = 16;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(KnowledgeEntry {
            name: r.u32()?,
            questions: r.vec()?,
            answer: r.u32()?,
            tags: r.vec()?,
        })
    }
}

impl Decode for Service {
    const MIN_SIZE: usize = 12;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Service {
            name: r.u32()?,
            timeout_ms: r.u32()?,
            operations: r.vec()?,
        })
    }
}

impl Decode for Operation {
    const MIN_SIZE: usize = 12;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Operation {
            name: r.u32()?,
            params: r.vec()?,
            returns: r.vec()?,
        })
    }
}

impl Decode for Field {
    const MIN_SIZE: usize = 5;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Field {
            name: r.u32()?,
            ty: SlotType::decode(r)?,
        })
    }
}

impl Decode for EnumValue {
    const MIN_SIZE: usize = 5;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(EnumValue {
            name: r.u32()?,
            label: r.opt_u32()?,
        })
    }
}

impl Decode for SlotType {
    const MIN_SIZE: usize = 1;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let tag = r.u8()?;
        Ok(match tag {
            0 => SlotType::Text,
            1 => SlotType::Number,
            2 => SlotType::Integer,
            3 => SlotType::Digits {
                min: r.opt_u32()?,
                max: r.opt_u32()?,
            },
            4 => SlotType::YesNo,
            5 => SlotType::Date,
            6 => SlotType::Time,
            7 => SlotType::Email,
            8 => SlotType::Phone,
            9 => SlotType::Bool,
            10 => SlotType::Enum(r.vec()?),
            11 => SlotType::Record,
            20 => SlotType::Matching(r.u32()?),
            21 => SlotType::LabelledEnum(r.vec()?),
            22 | 23 => {
                if r.depth >= MAX_TYPE_DEPTH {
                    return invalid(format!(
                        "field types nest deeper than {MAX_TYPE_DEPTH} levels"
                    ));
                }
                r.depth += 1;
                let ty = if tag == 22 {
                    SlotType::List(Box::new(SlotType::decode(r)?))
                } else {
                    SlotType::Fields(r.vec()?)
                };
                r.depth -= 1;
                ty
            }
            other => return invalid(format!("unknown slot type tag {other}")),
        })
    }
}

impl Decode for Flow {
    const MIN_SIZE: usize = 36;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let name = r.u32()?;
        let channel = match r.u8()? {
            0 => FlowChannel::Voice,
            1 => FlowChannel::Chat,
            2 => FlowChannel::Any,
            other => return invalid(format!("unknown channel tag {other}")),
        };
        Ok(Flow {
            name,
            channel,
            language: r.opt_u32()?,
            start: r.u32()?,
            vars: r.vec()?,
            states: r.vec()?,
            points: r.vec()?,
            handlers: FlowHandlers {
                no_match: Option::<InputHandler>::decode(r)?,
                no_input: Option::<InputHandler>::decode(r)?,
                closed: r.opt_u32()?,
                error: r.opt_u32()?,
            },
            escalate: r.opt_u32()?,
            code: r.vec()?,
            locs: r.vec()?,
            timezone: r.opt_u32()?,
        })
    }
}

impl Decode for Var {
    const MIN_SIZE: usize = 8;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Var {
            name: r.u32()?,
            ty: SlotType::decode(r)?,
            sensitive: r.bool()?,
            default: Const::decode(r)?,
            is_result: r.bool()?,
        })
    }
}

impl Decode for State {
    const MIN_SIZE: usize = 8;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(State {
            name: r.u32()?,
            entry: r.u32()?,
        })
    }
}

impl Decode for InputPoint {
    const MIN_SIZE: usize = 18;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let mut items = None;
        let kind = match r.u8()? {
            0 => PointKind::Ask { var: r.u32()? },
            1 => PointKind::Menu { options: r.vec()? },
            2 => {
                let options = r.vec()?;
                items = Some(Box::new(MenuItems {
                    position: r.u32()?,
                    into: r.u32()?,
                    action: r.u32()?,
                }));
                PointKind::Menu { options }
            }
            other => return invalid(format!("unknown input point tag {other}")),
        };
        Ok(InputPoint {
            kind,
            items,
            prompt: r.u32()?,
            after: r.u32()?,
            no_match: Option::<InputHandler>::decode(r)?,
            no_input: Option::<InputHandler>::decode(r)?,
            timing: InputTiming {
                timeout_ms: r.opt_u32()?,
                max_digits: r.opt_u32()?,
                finish_key: r.opt_u32()?,
            },
        })
    }
}

impl Decode for MenuOption {
    const MIN_SIZE: usize = 20;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(MenuOption {
            label: r.u32()?,
            keys: Ids::decode(r)?,
            intents: r.vec()?,
            phrases: r.vec()?,
            action: r.u32()?,
        })
    }
}

impl Decode for InputHandler {
    const MIN_SIZE: usize = 9;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(InputHandler {
            retries: r.u32()?,
            retry_message: r.opt_u32()?,
            action: r.u32()?,
        })
    }
}

impl Decode for Const {
    const MIN_SIZE: usize = 1;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(match r.u8()? {
            0 => Const::None,
            1 => Const::Bool(r.bool()?),
            2 => Const::Number(r.f64()?),
            3 => Const::Text(r.u32()?),
            4 => Const::Date(Date::decode(r)?),
            5 => Const::Time(Time::decode(r)?),
            other => return invalid(format!("unknown constant tag {other}")),
        })
    }
}

impl Decode for Ids {
    const MIN_SIZE: usize = 4;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let len = r.u32()? as usize;
        Ok(r.records(len, 4)?.map(|word| le_u32(word, 0)).collect())
    }
}

impl Decode for Loc {
    const MIN_SIZE: usize = 12;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Loc {
            file: r.u32()?,
            line: r.u32()?,
            col: r.u32()?,
        })
    }
    fn decode_seq(r: &mut Reader<'_>, len: usize) -> Result<Vec<Self>> {
        Ok(r.records(len, 12)?
            .map(|record| Loc {
                file: le_u32(record, 0),
                line: le_u32(record, 4),
                col: le_u32(record, 8),
            })
            .collect())
    }
}

fn priority(tag: u8) -> Result<Priority> {
    Ok(match tag {
        0 => Priority::Low,
        1 => Priority::Normal,
        2 => Priority::High,
        other => return invalid(format!("unknown priority tag {other}")),
    })
}

fn cmp_op(tag: u8) -> Result<CmpOp> {
    Ok(match tag {
        0 => CmpOp::Eq,
        1 => CmpOp::Ne,
        2 => CmpOp::Lt,
        3 => CmpOp::Le,
        4 => CmpOp::Gt,
        5 => CmpOp::Ge,
        other => return invalid(format!("unknown comparison tag {other}")),
    })
}

fn builtin(tag: u8) -> Result<Builtin> {
    Ok(match tag {
        0 => Builtin::Text,
        1 => Builtin::Sentiment,
        2 => Builtin::NoMatchCount,
        3 => Builtin::NoInputCount,
        4 => Builtin::Turns,
        5 => Builtin::Channel,
        6 => Builtin::Today,
        7 => Builtin::Now,
        other => return invalid(format!("unknown built-in tag {other}")),
    })
}

impl Decode for Instr {
    const MIN_SIZE: usize = 1;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let at = r.pos;
        Ok(match r.u8()? {
            0 => Instr::PushNone,
            1 => Instr::PushBool(r.bool()?),
            2 => Instr::PushNumber(r.f64()?),
            3 => Instr::PushText(r.u32()?),
            4 => Instr::PushDate(Date::decode(r)?),
            5 => Instr::PushTime(Time::decode(r)?),
            6 => Instr::Load(r.u32()?),
            7 => Instr::Field(r.u32()?),
            8 => Instr::Builtin(builtin(r.u8()?)?),
            9 => Instr::IntentIs(r.u32()?),
            10 => Instr::Open(r.u32()?),
            11 => Instr::Not,
            12 => Instr::Compare(cmp_op(r.u8()?)?),
            13 => Instr::And,
            14 => Instr::Or,
            15 => Instr::IsSet,
            16 => Instr::MakeList(r.u32()?),
            17 => Instr::In,
            18 => Instr::Matches(r.u32()?),
            19 => Instr::Jump(r.u32()?),
            20 => Instr::JumpIfFalse(r.u32()?),
            21 => Instr::JumpIfTrue(r.u32()?),
            22 => Instr::Store(r.u32()?),
            23 => Instr::Say {
                text: r.u32()?,
                args: r.u32()?,
            },
            24 => Instr::Wait(r.u32()?),
            25 => Instr::Goto(r.u32()?),
            26 => Instr::End,
            27 => Instr::Handoff {
                queue: r.u32()?,
                priority: priority(r.u8()?)?,
                reason: r.opt_u32()?,
                args: r.u32()?,
                on_closed: r.opt_u32()?,
            },
            28 => Instr::Call {
                service: r.u32()?,
                operation: r.u32()?,
                into: r.opt_u32()?,
                on_error: r.opt_u32()?,
            },
            29 => Instr::Answer {
                knowledge: r.u32()?,
                topic: r.opt_u32()?,
                args: r.u32()?,
                found: r.u32()?,
            },
            30 => Instr::Return,
            31 => Instr::Resume,
            32 => Instr::Deliver,
            33 => Instr::Format {
                text: r.u32()?,
                args: r.u32()?,
            },
            38 => Instr::Arith {
                op: match r.u8()? {
                    0 => ArithOp::Add,
                    1 => ArithOp::Sub,
                    2 => ArithOp::Mul,
                    3 => ArithOp::Div,
                    other => return invalid(format!("unknown arithmetic tag {other}")),
                },
                on_error: r.opt_u32()?,
                resume: r.u32()?,
            },
            39 => Instr::Label(r.u32()?),
            44 => Instr::Labels(r.vec()?),
            40 => Instr::ItemsBegin { max: r.u32()? },
            41 => Instr::ItemsNext {
                var: r.u32()?,
                done: r.u32()?,
            },
            42 => Instr::ItemsLabel {
                text: r.u32()?,
                args: r.u32()?,
                back: r.u32()?,
            },
            43 => Instr::ItemsSay,
            34 => Instr::Play {
                url: r.u32()?,
                text: r.u32()?,
                args: r.u32()?,
                language: r.opt_u32()?,
            },
            35 => Instr::SayIn {
                text: r.u32()?,
                args: r.u32()?,
                language: r.u32()?,
            },
            36 => Instr::Transfer {
                to: r.u32()?,
                reason: r.opt_u32()?,
                args: r.u32()?,
            },
            37 => Instr::Reprompt,
            other => return invalid(format!("unknown opcode {other} at body offset {at}")),
        })
    }
}
