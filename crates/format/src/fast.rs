//! The formatting plan: a compiled format as a flat list of steps, the common
//! fields written straight from the record.
//!
//! Most real formats are a handful of standard attributes with at most a width
//! (`%(asctime)s.%(msecs)03d %(levelname)-8s %(name)s: %(message)s`, or
//! `{asctime} {levelname:<8} {name}: {message}`). Going through the general
//! machinery for those (look the value up, wrap it as a Python value, apply a
//! format spec) costs more than the copying itself. At build time, every field
//! whose output can be written directly becomes its own step (one per record
//! attribute, so running it is one jump and a copy), and every other field
//! becomes a step that runs the style's general code for that field alone, so
//! behaviour is the same: a fast step is only chosen where its output is
//! byte-identical to the general path, and falls back to it for the values it
//! does not cover (`msecs` of a time before 1970, for one).
//!
//! The record's time is split once per record ([`Stamp`]), for `asctime` and
//! `msecs` both; `asctime` is written from the per-thread cache straight into
//! the output.
//!
//! Measured with callgrind (release build, `examples/format_cost.rs`: the
//! comparison workload's record, `created` a microsecond apart, all in one
//! second; the loop around the call is about 20 of these), instructions per
//! record before this design -> after, and with the pieces appended under one
//! reservation per record ([`Plan::run`]):
//!
//! | format | before | after | one reservation |
//! | --- | --- | --- | --- |
//! | `%(asctime)s.%(msecs)03d %(levelname)s %(name)s %(message)s`, datefmt | 813 | 389 | 325 |
//! | `{asctime}.{msecs:03.0f} {levelname} {name} {message}`, datefmt | 4,737 | 389 | 325 |
//! | `${asctime} ${levelname} ${name} ${message}` | 811 | 390 | 326 |
//! | `%(asctime)s %(levelname)s %(name)s %(message)s` | 811 | 390 | 326 |
//! | `%(levelname)s:%(name)s:%(message)s` | 426 | 256 | 239 |
//! | `{asctime} {levelname:<8} {name} [{process:d}:{lineno:d}] {message}` | 3,781 | 897 | 735 |
//! | `%(message)s` | 217 | 128 | 131 |

use std::borrow::Cow;

use logtree_core::InlineName;
use logtree_core::LogRecord;

use crate::asctime::TimeFormat;
use crate::asctime::MAX_CACHED;
use crate::brace::{self, BField, First, Seg, SpecSrc};
use crate::dollar;
use crate::printf::{self, End, Item, Num};
use crate::spec::MAX_WIDTH;
use crate::stamp::Stamp;
use crate::time_cache;
use crate::value::{Field, Scope};
use crate::write::{
    push_padded, push_padded_decimal, put_decimal_at, put_padded3_wide_at, MAX_DECIMAL,
};

/// A string attribute read straight from the record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StrField {
    Name,
    Message,
    LevelName,
    PathName,
    FileName,
    Module,
    FuncName,
    ProcessName,
    ThreadName,
}

/// An integer attribute read straight from the record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IntField {
    LevelNo,
    LineNo,
    Process,
    Thread,
}

/// Padding of a field: a width, an alignment (`<`, `>` or `^`) and a fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pad {
    width: usize,
    align: char,
    fill: char,
}

/// One step of a plan: a field, then the literal text up to the next field.
///
/// Literal text rides on the field before it rather than being a step of its
/// own, which halves the dispatches of a typical format; with the ASCII
/// separators of [`Lit`], callgrind measured 574 -> 516 instructions per record
/// for the comparison layout.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Step {
    op: Op,
    then: Lit,
}

/// A step being built: a field and all the literal text after it. [`Plan::new`]
/// makes it a [`Step`], and literal text longer than a [`Lit`] holds a
/// [`Op::Nothing`] step or more after it.
#[derive(Clone, Debug, PartialEq)]
struct Draft {
    op: Op,
    then: String,
}

/// The most bytes of literal text a [`Step`] holds.
const LIT: usize = 16;

/// The bytes a level's inline name takes ([`InlineName::bytes`]).
const INLINE_NAME: usize = std::mem::size_of::<InlineName>();

/// The widest padding of [`Op::LevelNameLeft`] and [`Op::LevelNameRight`]:
/// the name and its padding are then two 16-byte stores.
const NAME_WIDTH: usize = INLINE_NAME;

/// Literal text of at most [`LIT`] bytes, inline, zero-padded.
///
/// Appended with one unaligned 16-byte store, whatever its length, and the
/// length added: no branch (the room reserved per record counts [`LIT`] bytes
/// per step, [`room`]).
// Measured with callgrind (`benches/compare`, the `format` scenario): against
// an enum of nothing, one ASCII byte or a boxed text (a tag test per step),
// 1,967 -> 1,959 instructions a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Lit {
    bytes: [u8; LIT],
    len: u8,
}

impl Lit {
    const NONE: Lit = Lit {
        bytes: [0; LIT],
        len: 0,
    };

    /// The longest prefix of `s` that a `Lit` holds, ending on a character
    /// boundary, and the rest.
    fn split(s: &str) -> (Lit, &str) {
        let mut n = s.len().min(LIT);
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        let mut lit = Lit::NONE;
        lit.bytes[..n].copy_from_slice(&s.as_bytes()[..n]);
        // `n <= LIT`, which fits a `u8`.
        lit.len = n as u8;
        (lit, &s[n..])
    }

    fn as_str(&self) -> &str {
        let bytes = &self.bytes[..usize::from(self.len).min(LIT)];
        // Made by `split` from a whole `str` cut at a character boundary; a
        // failure here would be a bug, and shows as text missing.
        std::str::from_utf8(bytes).unwrap_or("")
    }
}

/// What a step writes before its literal text.
// `repr(u8)`: a plain tag, so that dispatching is one load and a jump (with the
// tag hidden in a niche of a field it took three more instructions per step;
// with `General` boxed, callgrind: 466 -> 456 per record, the comparison layout).
#[derive(Clone, Debug, PartialEq)]
#[repr(u8)]
pub(crate) enum Op {
    /// Nothing: the literal text at the start of a format.
    Nothing,
    /// The end of the plan: its last step, and no other.
    End,
    /// The message, and the end of the plan: for a format ending with the
    /// message (most do), built in place of `Message` and `End` by
    /// [`Plan::new`]; its literal text is empty and not written.
    // One dispatch and one literal store fewer per record; callgrind,
    // `benches/compare`: `format` 1,698 -> 1,687 instructions a call, `file`
    // 1,716 -> 1,705; `examples/format_cost.rs`, per record: the layouts
    // ending with the message 11 fewer (the comparison layout 212 -> 201,
    // `%(message)s` 106 -> 95), `asctime_only` 130 -> 131.
    MessageEnd,
    Name,
    Message,
    LevelName,
    PathName,
    FileName,
    Module,
    FuncName,
    ProcessName,
    ThreadName,
    LevelNo,
    LineNo,
    Process,
    Thread,
    /// `levelname` padded with spaces on the right to a width of at most
    /// [`NAME_WIDTH`] (`%(levelname)-8s`, `{levelname:<8}`), from the level
    /// table ([`Cursor::put_name_left`]).
    LevelNameLeft(u8),
    /// The same padded on the left (`%(levelname)8s`, `{levelname:>8}`).
    LevelNameRight(u8),
    PaddedStr(StrField, Pad),
    PaddedInt(IntField, Pad),
    Asctime,
    /// `asctime` with the literal text after it and perhaps `msecs` folded in
    /// ([`Plan::fuse_time`]).
    Time(Box<Fused>),
    /// `msecs` as three digits (`%(msecs)03d`, `{msecs:03.0f}`); the general
    /// step it stands for runs when the record has no [`Stamp`].
    Msecs3(Box<General>),
    /// Boxed, so that `Op` is a plain tag and a pointer (one load to dispatch).
    General(Box<General>),
}

/// A fused time step ([`Op::Time`]): its key in the time cache and the
/// length of its milliseconds, and the format itself for the records the
/// cache misses.
// The key read first, no test of the tail (made by `followed_by`), and the
// digits written whether taken or not: against `TimeFormat::put_cached_at`
// (a test of the tail, one of `ms3`, three bytes of digits), callgrind,
// `benches/compare`: `format` 1,803 -> 1,795 instructions a call, `file`
// 1,821 -> 1,813; `examples/format_cost.rs`, per record: the comparison
// layout 232 -> 224, `unfused` 263 -> 259, `padded` 629 -> 627. (An
// `Op::TimeMs` beside `Op::Time`, the key inline in the step: `format`
// 1,799, and `unfused`, `dollar`, `padded` 5 to 10 worse, the loop's
// registers shuffled.)
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Fused {
    /// `time`'s [`TimeFormat::cache_id`], never 0 ([`TimeFormat::followed_by`]).
    id: u64,
    /// 3 if the milliseconds follow the cached text, else 0: their digits
    /// are written either way, and this many taken.
    ms_len: usize,
    /// A [`TimeFormat::followed_by`]: its tail is literal text and, if
    /// `ms_len` is 3, the milliseconds.
    time: TimeFormat,
}

/// A step run by the style's general code.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum General {
    /// Any attribute, written with `str()`.
    Value(Field),
    /// A `%` conversion with a key, run on its own.
    Percent(Vec<Item>),
    /// A `{` field, run on its own.
    Brace(Box<BField>),
    /// A failure every record meets at this point.
    Fail(Box<str>),
}

/// A compiled format.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Plan {
    steps: Vec<Step>,
    /// What [`Plan::run`] reserves per record: the most the steps append
    /// without checking the capacity ([`room`]).
    room: usize,
}

/// The most bytes the steps write without checking the capacity: each step's
/// literal text ([`LIT`] bytes, whatever its length: [`Lit::put`]), and the
/// most a step of bounded output writes (a cached time text and its digits,
/// three digits (4 bytes written), a decimal, a level's inline name). The
/// record's strings are appended checked, each leaving this room after it.
fn room(steps: &[Step]) -> usize {
    steps.iter().fold(0usize, |n, step| {
        let op = match &step.op {
            Op::LevelNo | Op::LineNo | Op::Process | Op::Thread => MAX_DECIMAL,
            Op::Asctime | Op::Time(_) => MAX_CACHED,
            Op::Msecs3(_) => 4,
            Op::LevelName => INLINE_NAME,
            Op::LevelNameLeft(_) | Op::LevelNameRight(_) => 2 * INLINE_NAME,
            // Its literal text is not written.
            Op::End | Op::MessageEnd => return n,
            _ => 0,
        };
        n.saturating_add(op).saturating_add(LIT)
    })
}

fn str_field(f: &Field) -> Option<StrField> {
    Some(match f {
        Field::Name => StrField::Name,
        Field::Message | Field::Msg => StrField::Message,
        Field::LevelName => StrField::LevelName,
        Field::PathName => StrField::PathName,
        Field::FileName => StrField::FileName,
        Field::Module => StrField::Module,
        Field::FuncName => StrField::FuncName,
        Field::ProcessName => StrField::ProcessName,
        Field::ThreadName => StrField::ThreadName,
        _ => return None,
    })
}

fn int_field(f: &Field) -> Option<IntField> {
    Some(match f {
        Field::LevelNo => IntField::LevelNo,
        Field::LineNo => IntField::LineNo,
        Field::Process => IntField::Process,
        Field::Thread => IntField::Thread,
        _ => return None,
    })
}

/// `str()` of a field.
fn plain(f: &Field) -> Op {
    match f {
        Field::Name => Op::Name,
        Field::Message | Field::Msg => Op::Message,
        Field::LevelName => Op::LevelName,
        Field::PathName => Op::PathName,
        Field::FileName => Op::FileName,
        Field::Module => Op::Module,
        Field::FuncName => Op::FuncName,
        Field::ProcessName => Op::ProcessName,
        Field::ThreadName => Op::ThreadName,
        Field::LevelNo => Op::LevelNo,
        Field::LineNo => Op::LineNo,
        Field::Process => Op::Process,
        Field::Thread => Op::Thread,
        Field::Asctime => Op::Asctime,
        other => Op::General(Box::new(General::Value(other.clone()))),
    }
}

/// An integer field, padded if `width` says so.
fn int_step(f: IntField, width: Option<usize>, align: char, fill: char) -> Op {
    match width {
        Some(width) if width > 0 => Op::PaddedInt(f, Pad { width, align, fill }),
        _ => plain(&match f {
            IntField::LevelNo => Field::LevelNo,
            IntField::LineNo => Field::LineNo,
            IntField::Process => Field::Process,
            IntField::Thread => Field::Thread,
        }),
    }
}

fn push_literal(steps: &mut Vec<Draft>, s: &str) {
    match steps.last_mut() {
        Some(last) => last.then.push_str(s),
        None => steps.push(Draft {
            op: Op::Nothing,
            then: s.to_owned(),
        }),
    }
}

fn push_op(steps: &mut Vec<Draft>, op: Op) {
    steps.push(Draft {
        op,
        then: String::new(),
    });
}

impl Plan {
    /// The plan of no steps but `End`, for a format run otherwise.
    pub(crate) fn empty() -> Plan {
        Plan::new(Vec::new())
    }

    fn new(drafts: Vec<Draft>) -> Plan {
        let mut steps = Vec::with_capacity(drafts.len());
        for d in drafts {
            let (then, mut rest) = Lit::split(&d.then);
            steps.push(Step { op: d.op, then });
            while !rest.is_empty() {
                let (then, r) = Lit::split(rest);
                steps.push(Step {
                    op: Op::Nothing,
                    then,
                });
                rest = r;
            }
        }
        match steps.last_mut() {
            Some(last) if last.op == Op::Message && last.then.len == 0 => {
                last.op = Op::MessageEnd;
            }
            _ => steps.push(Step {
                op: Op::End,
                then: Lit::NONE,
            }),
        }
        let room = room(&steps);
        Plan { steps, room }
    }

    /// The steps as built: [`Plan::new`] undone. An [`Op::Nothing`] step is
    /// only built first (literal text at the start of a format); anywhere else
    /// it holds the rest of the literal text of the step before.
    fn drafts(self) -> Vec<Draft> {
        let mut drafts: Vec<Draft> = Vec::with_capacity(self.steps.len());
        for step in self.steps {
            let op = match step.op {
                Op::End => break,
                Op::MessageEnd => Op::Message,
                op => op,
            };
            match drafts.last_mut() {
                Some(last) if op == Op::Nothing => last.then.push_str(step.then.as_str()),
                _ => drafts.push(Draft {
                    op,
                    then: step.then.as_str().to_owned(),
                }),
            }
        }
        drafts
    }

    /// The plan for a `%` format, if every conversion has a key and parses (then
    /// conversions are independent of each other, as Python's argument cursor is
    /// reset by every key). `fast` false keeps every field on the general path.
    pub(crate) fn percent(items: &[Item], fast: bool) -> Option<Plan> {
        let mut steps = Vec::new();
        for item in items {
            match item {
                Item::Literal(s) => push_literal(&mut steps, s),
                Item::KeyError => return None,
                Item::Conv(c) => {
                    let key = c.key.as_ref()?;
                    let End::Convert(ty, _) = c.end else {
                        return None;
                    };
                    let general = || General::Percent(vec![Item::Conv(c.clone())]);
                    if !fast {
                        push_op(&mut steps, Op::General(Box::new(general())));
                        continue;
                    }
                    let ljust = c.flags & printf::F_LJUST != 0;
                    let align = if ljust { '<' } else { '>' };
                    let width = match c.width {
                        Num::None => None,
                        Num::Value(w) if w <= MAX_WIDTH => Some(w),
                        _ => {
                            push_op(&mut steps, Op::General(Box::new(general())));
                            continue;
                        }
                    };
                    let only = |allowed: u8| c.flags & !allowed == 0;
                    let step = match (ty, key) {
                        _ if c.precision != Num::None => match (ty, key) {
                            ('f' | 'F', Field::Msecs)
                                if c.precision == Num::Value(0)
                                    && c.flags == printf::F_ZERO
                                    && width == Some(3) =>
                            {
                                Op::Msecs3(Box::new(general()))
                            }
                            _ => Op::General(Box::new(general())),
                        },
                        ('d', Field::Msecs) if c.flags == printf::F_ZERO && width == Some(3) => {
                            Op::Msecs3(Box::new(general()))
                        }
                        ('s', f) if width.is_none() && c.flags == 0 => plain(f),
                        ('s', f) if only(printf::F_LJUST) => match (str_field(f), int_field(f)) {
                            (Some(sf), _) => padded_str_op(
                                sf,
                                Pad {
                                    width: width.unwrap_or(0),
                                    align,
                                    fill: ' ',
                                },
                            ),
                            (_, Some(i)) => int_step(i, width, align, ' '),
                            _ => Op::General(Box::new(general())),
                        },
                        ('d' | 'i' | 'u', f) if only(printf::F_LJUST | printf::F_ZERO) => {
                            match int_field(f) {
                                // `-` wins over `0`.
                                Some(i) if ljust => int_step(i, width, '<', ' '),
                                Some(i) if c.flags & printf::F_ZERO != 0 => {
                                    int_step(i, width, '>', '0')
                                }
                                Some(i) => int_step(i, width, '>', ' '),
                                None => Op::General(Box::new(general())),
                            }
                        }
                        _ => Op::General(Box::new(general())),
                    };
                    push_op(&mut steps, step);
                }
            }
        }
        Some(Plan::new(steps))
    }

    /// The plan for a `{` format. `fast` false keeps every field on the general
    /// path.
    pub(crate) fn brace(segs: &[Seg], fast: bool) -> Plan {
        let mut steps = Vec::new();
        for seg in segs {
            match seg {
                Seg::Literal(s) => push_literal(&mut steps, s),
                Seg::Error(e) => push_op(
                    &mut steps,
                    Op::General(Box::new(General::Fail((*e).into()))),
                ),
                Seg::Field(b) => push_op(
                    &mut steps,
                    if fast {
                        brace_op(b)
                    } else {
                        Op::General(Box::new(General::Brace(b.clone())))
                    },
                ),
            }
        }
        Plan::new(steps)
    }

    /// The plan for a `$` format. `fast` false keeps every field on the general
    /// path.
    pub(crate) fn dollar(segs: &[dollar::Seg], fast: bool) -> Plan {
        let mut steps = Vec::new();
        for seg in segs {
            match seg {
                dollar::Seg::Literal(s) => push_literal(&mut steps, s),
                dollar::Seg::Field(f) if fast => push_op(&mut steps, plain(f)),
                dollar::Seg::Field(f) => {
                    push_op(&mut steps, Op::General(Box::new(General::Value(f.clone()))))
                }
                dollar::Seg::Invalid(m) => {
                    push_op(&mut steps, Op::General(Box::new(General::Fail(m.clone()))))
                }
            }
        }
        Plan::new(steps)
    }

    /// Whether running the plan may look `asctime` up through a [`Scope`]
    /// (rather than writing it directly): then it has to be formatted first.
    pub(crate) fn looks_up_asctime(&self) -> bool {
        self.steps.iter().any(|s| match &s.op {
            Op::General(g) => match &**g {
                General::Percent(_) | General::Value(_) => true,
                General::Brace(b) => {
                    let mut uses = false;
                    brace::for_each_field(&[Seg::Field(b.clone())], &mut |f| {
                        uses |= *f == Field::Asctime
                    });
                    uses
                }
                General::Fail(_) => false,
            },
            _ => false,
        })
    }

    /// The plan with direct `asctime` steps turned into lookups, for a format
    /// Python's `usesTime` does not recognise (then `asctime` is only what
    /// `defaults` may hold).
    pub(crate) fn without_time(self) -> Plan {
        Plan::new(
            self.drafts()
                .into_iter()
                .map(|s| match s.op {
                    Op::Asctime => Draft {
                        op: Op::General(Box::new(General::Value(Field::Asctime))),
                        then: s.then,
                    },
                    _ => s,
                })
                .collect(),
        )
    }

    /// The plan with each direct `asctime` step, the literal text after it and a
    /// `msecs` step right after that made one [`Op::Time`] step, whose cached text
    /// holds the literal: `%(asctime)s.%(msecs)03d` with a `datefmt` costs a
    /// cache probe and three digits. Only for a plan that does not look `asctime`
    /// up, and a `time` that writes no milliseconds of its own.
    ///
    /// Measured with callgrind (release build, the comparison layout): 492 -> 465
    /// instructions per record.
    pub(crate) fn fuse_time(self, time: &TimeFormat) -> Plan {
        let drafts = self.drafts();
        let mut steps = Vec::with_capacity(drafts.len());
        let mut it = drafts.into_iter().peekable();
        while let Some(step) = it.next() {
            if step.op != Op::Asctime {
                steps.push(step);
                continue;
            }
            let msecs = matches!(
                it.peek(),
                Some(Draft {
                    op: Op::Msecs3(_),
                    ..
                })
            );
            let literal = step.then.as_str();
            let fused = if msecs || !literal.is_empty() {
                time.followed_by(literal, msecs)
            } else {
                None
            };
            match fused {
                Some(t) => {
                    let then = if msecs {
                        it.next().map_or(String::new(), |s| s.then)
                    } else {
                        String::new()
                    };
                    steps.push(Draft {
                        op: Op::Time(Box::new(Fused {
                            id: t.cache_id(),
                            ms_len: if msecs { 3 } else { 0 },
                            time: t,
                        })),
                        then,
                    });
                }
                None => steps.push(step),
            }
        }
        Plan::new(steps)
    }

    /// Runs the plan.
    ///
    /// The capacity is checked once per record for the pieces of bounded length
    /// (the literal text, the time, digits: [`room`]), which are then appended
    /// without a check. Every other piece (the record's strings, what the
    /// general code writes) is appended checked, and leaves that room after it.
    // Inlined into `TextFormatter::format`, with the slow paths out of line
    // (callgrind, the comparison layout: 433 -> 412 instructions per record).
    //
    // Measured with callgrind (`benches/compare`, the `format` scenario, the
    // formatter's own instructions per record plus the `memcpy` it calls):
    // `String::push_str` for every piece, 323 + 46; `text::push_str`, 337 + 0
    // (the scenario 2,220 -> 2,187); one reservation for the bounded pieces and
    // unchecked appends, 315 (2,187 -> 2,165).
    #[inline(always)]
    pub(crate) fn run(
        &self,
        record: &LogRecord<'_>,
        ctx: Ctx<'_>,
        out: &mut String,
    ) -> Result<(), StepError> {
        // The record's `Stamp` is computed by each step that uses it: a few
        // conversions, cheaper than keeping it (and what the compiler derives
        // from it) across the loop. Callgrind, `examples/format_cost.rs`,
        // instructions per record: the comparison layout 286 -> 269, and 307
        // -> 307 with `asctime` and `msecs` two steps (`unfused`); the
        // `format` scenario 1,940 -> 1,923.
        let stamp = || Stamp::of(record.created);
        let mut w = Cursor::new(out, self.room);
        // SAFETY (every `w.at(..)` and `w.advance` below): before each step, `w`
        // has room for `room` bytes (`Cursor`: reserved when made, and by every
        // checked append), and `room` is at least what all the steps write
        // unchecked ([`room`]: `LIT` bytes per literal text, a cached time text
        // and its digits (`MAX_CACHED`), three digits (4 bytes), a decimal
        // (`MAX_DECIMAL`), a level's inline name (`INLINE_NAME`)); what they
        // write is UTF-8 (each function's contract).
        // The steps up to the `End` or `MessageEnd` step that `Plan::new`
        // puts last: a loop
        // with no test of its own (callgrind, `examples/format_cost.rs`,
        // instructions per record against a `for` over the steps: the
        // comparison layout 267 -> 257, `padded` 669 -> 642, `%(message)s`
        // 128 -> 120; the `format` scenario 1,921 -> 1,911).
        let mut next = self.steps.as_ptr();
        loop {
            // SAFETY: `next` points to a step of `steps`: the first (there is
            // always the `End` or `MessageEnd` step), or the one after a step
            // that is neither, hence not the last (`Plan::new` puts one of
            // them last and neither anywhere else; the steps are not changed
            // after).
            let step = unsafe { &*next };
            match &step.op {
                Op::Name => w.push(&record.name),
                Op::Message => w.push(&record.message),
                // The name from the level table, all 16 bytes copied and the
                // length added (callgrind: see `Level::inline_name`).
                Op::LevelName => match record.level.inline_name() {
                    // SAFETY: within the room (above): `INLINE_NAME` bytes.
                    Some(name) => unsafe { w.put_name(name) },
                    None => w.push(&record.level.name()),
                },
                Op::FuncName => w.push(&record.func_name),
                Op::Asctime => {
                    let cached = match (ctx.asctime, stamp()) {
                        // SAFETY: within the room (above): `MAX_CACHED` bytes.
                        (None, Some(s)) => unsafe {
                            ctx.env.time.put_cached_at(s, w.at(MAX_CACHED))
                        },
                        _ => None,
                    };
                    match cached {
                        // SAFETY: (above) the text just written.
                        Some(n) => unsafe { w.advance(n) },
                        None => w.with(|out| asctime(record, ctx, stamp(), out))?,
                    }
                }
                Op::Time(t) => {
                    let cached = match stamp() {
                        // SAFETY: within the room (above): `MAX_CACHED` bytes,
                        // the cached text (at most `INLINE`) and the 4 bytes of
                        // three digits (`put_padded3_wide_at`); `id` is not 0
                        // (`Fused`); the text and the digits taken are a whole
                        // `str`.
                        Some(s) => unsafe {
                            let dst = w.at(MAX_CACHED);
                            time_cache::put_at(t.id, s.secs, dst).map(|n| {
                                put_padded3_wide_at(dst.add(n), s.ms);
                                n + t.ms_len
                            })
                        },
                        None => None,
                    };
                    match cached {
                        // SAFETY: (above) the text just written.
                        Some(n) => unsafe { w.advance(n) },
                        None => w.with(|out| time_general(&t.time, record, out))?,
                    }
                }
                Op::Msecs3(general) => match stamp() {
                    // SAFETY: within the room (above): 4 bytes, three digits
                    // and one beyond the length.
                    Some(s) => unsafe {
                        put_padded3_wide_at(w.at(4), s.ms);
                        w.advance(3);
                    },
                    None => w.with(|out| run_general(general, record, ctx, out))?,
                },
                Op::PathName => w.push(&record.pathname),
                Op::FileName => w.push(record.filename()),
                Op::Module => w.push(record.module()),
                Op::ProcessName => w.push(&record.process_name),
                Op::ThreadName => w.push(&record.thread_name()),
                // SAFETY (these four): within the room (above): `MAX_DECIMAL`
                // digits.
                Op::LevelNo => unsafe {
                    w.advance(put_decimal_at(w.at(MAX_DECIMAL), record.levelno().into()))
                },
                Op::LineNo => unsafe {
                    w.advance(put_decimal_at(w.at(MAX_DECIMAL), record.lineno.into()))
                },
                Op::Process => unsafe {
                    w.advance(put_decimal_at(w.at(MAX_DECIMAL), record.process))
                },
                Op::Thread => unsafe {
                    w.advance(put_decimal_at(w.at(MAX_DECIMAL), record.thread))
                },
                // The name from the level table and its padding, two
                // 16-byte stores (`Cursor::put_name_left`).
                Op::LevelNameLeft(width) => match record.level.inline_name() {
                    // SAFETY: within the room (above): 2 * `INLINE_NAME`
                    // bytes; `width` is at most `NAME_WIDTH` (`padded_str_op`).
                    Some(name) => unsafe { w.put_name_left(name, *width) },
                    None => w.with(|out| padded_level_name(record, *width, '<', out)),
                },
                Op::LevelNameRight(width) => match record.level.inline_name() {
                    // SAFETY: as for `LevelNameLeft`.
                    Some(name) => unsafe { w.put_name_right(name, *width) },
                    None => w.with(|out| padded_level_name(record, *width, '>', out)),
                },
                Op::PaddedStr(f, pad) => w.with(|out| padded_str(record, *f, pad, out)),
                Op::PaddedInt(f, pad) => w.with(|out| padded_int(record, *f, pad, out)),
                Op::General(general) => w.with(|out| run_general(general, record, ctx, out))?,
                Op::Nothing => {}
                Op::End => break,
                Op::MessageEnd => {
                    w.push(&record.message);
                    break;
                }
            }
            // SAFETY: within the room (above): `LIT` bytes; and `step` is not
            // the last (above).
            unsafe {
                w.put_lit(&step.then);
                next = next.add(1);
            }
        }
        w.finish();
        Ok(())
    }
}

/// The output while the steps run: its buffer and length kept in registers
/// rather than loaded from and stored to the `String` for every piece.
///
/// Invariant: `buf` is `out`'s buffer, the first `len` bytes of it are a
/// whole `str` (`out`'s own, then what the steps appended), and `len` is at
/// most the capacity, which is `limit + room`.
// Measured with callgrind (`benches/compare`, the `format` scenario): against
// loading and storing the `String`'s fields for every piece, 1,959 -> 1,940
// instructions a call (with `grow` given the cursor itself, which then lived
// on the stack, 1,958).
struct Cursor<'a> {
    out: &'a mut String,
    buf: *mut u8,
    len: usize,
    /// The capacity less `room`: after a checked append, `len <= limit`.
    limit: usize,
    room: usize,
}

impl<'a> Cursor<'a> {
    /// Reserves `room` bytes.
    #[inline(always)]
    fn new(out: &'a mut String, room: usize) -> Cursor<'a> {
        out.reserve(room);
        let len = out.len();
        let limit = out.capacity() - room;
        // SAFETY: the pointer is only written through within the capacity
        // (the callers' contracts), and is reloaded whenever `out` may have
        // reallocated (`grow`, `with`).
        let buf = unsafe { out.as_mut_vec().as_mut_ptr() };
        Cursor {
            out,
            buf,
            len,
            limit,
            room,
        }
    }

    /// Where the next byte goes, for a writer of at most `n` bytes (checked
    /// in debug builds only: the callers' safety comments prove it).
    #[inline(always)]
    fn at(&self, n: usize) -> *mut u8 {
        debug_assert!(self.out.capacity() - self.len >= n, "beyond the room");
        // In bounds: `len` is at most the capacity (the invariant).
        self.buf.wrapping_add(self.len)
    }

    /// Takes the `n` bytes written at [`at`](Self::at) as appended.
    ///
    /// # Safety
    /// They must be within the capacity and UTF-8, a whole `str`.
    #[inline(always)]
    unsafe fn advance(&mut self, n: usize) {
        debug_assert!(self.len + n <= self.out.capacity(), "beyond the room");
        self.len += n;
    }

    /// Appends `s`, leaving `room` bytes after it.
    #[inline(always)]
    fn push(&mut self, s: &str) {
        // No overflow: `len` is at most the capacity and `s`'s length at most
        // `isize::MAX`.
        if self.len + s.len() > self.limit {
            self.grow(s.len());
        }
        // SAFETY: `len + s.len() <= limit`, within the capacity: just checked,
        // or reserved by `grow`. `s` is not in `out`'s spare capacity (nothing
        // but this cursor writes there). The bytes are `s`'s, a whole `str`.
        unsafe {
            logtree_core::text::write_str_at(self.at(s.len()), s);
            self.advance(s.len());
        }
    }

    /// Appends a step's literal text.
    ///
    /// # Safety
    /// The spare capacity must hold [`LIT`] bytes.
    #[inline(always)]
    unsafe fn put_lit(&mut self, lit: &Lit) {
        // SAFETY: the caller's contract: `LIT` bytes at `at()`, all written (an
        // unaligned store: the buffer has no alignment for `[u8; LIT]`). The
        // first `lit.len` are the text, a whole `str` (`Lit::split`); the rest
        // lie beyond the length.
        unsafe {
            std::ptr::write_unaligned(self.at(LIT) as *mut [u8; LIT], lit.bytes);
            self.advance(usize::from(lit.len));
        }
    }

    /// Appends a level's inline name.
    ///
    /// # Safety
    /// The spare capacity must hold [`INLINE_NAME`] bytes.
    #[inline(always)]
    unsafe fn put_name(&mut self, name: &InlineName) {
        // SAFETY: the caller's contract: `INLINE_NAME` bytes at `at()`, all
        // written (unaligned, as in `put_lit`). The first `name.len()` are
        // the name, a whole `str` (`InlineName`); the rest lie beyond the
        // length.
        unsafe {
            std::ptr::write_unaligned(self.at(INLINE_NAME) as *mut [u8; INLINE_NAME], name.bytes());
            self.advance(name.len());
        }
    }

    /// Appends a level's inline name padded with spaces on the right to
    /// `width` characters.
    ///
    /// # Safety
    /// The spare capacity must hold 2 * [`INLINE_NAME`] bytes, and `width`
    /// be at most [`NAME_WIDTH`].
    #[inline(always)]
    unsafe fn put_name_left(&mut self, name: &InlineName, width: u8) {
        let dst = self.at(2 * INLINE_NAME);
        let len = name.len();
        // SAFETY: the caller's contract: 2 * `INLINE_NAME` bytes at `dst`;
        // the name's 16 bytes at `dst`, then 16 spaces at `dst + len`, `len`
        // at most `InlineName::MAX` (15), all within them (unaligned stores,
        // as in `put_lit`). The first `max(len, width)` bytes are the name
        // (ASCII, `InlineName`: its length is its width in characters, as
        // Python's `ljust` counts) and spaces: a whole `str`, within the
        // `len + 16` bytes written as `width <= NAME_WIDTH` (16).
        unsafe {
            std::ptr::write_unaligned(dst as *mut [u8; INLINE_NAME], name.bytes());
            std::ptr::write_unaligned(dst.add(len) as *mut [u8; NAME_WIDTH], [b' '; NAME_WIDTH]);
            self.advance(len.max(usize::from(width)));
        }
    }

    /// Appends a level's inline name padded with spaces on the left to
    /// `width` characters.
    ///
    /// # Safety
    /// As for [`put_name_left`](Self::put_name_left).
    #[inline(always)]
    unsafe fn put_name_right(&mut self, name: &InlineName, width: u8) {
        let dst = self.at(2 * INLINE_NAME);
        let len = name.len();
        let pad = usize::from(width).saturating_sub(len);
        // SAFETY: the caller's contract: 2 * `INLINE_NAME` bytes at `dst`;
        // 16 spaces at `dst`, then the name's 16 bytes at `dst + pad`, `pad`
        // at most `width`, at most `NAME_WIDTH` (16), all within them
        // (unaligned stores, as in `put_lit`). The first `pad + len` bytes
        // are spaces and the name (ASCII, `InlineName`, its width in
        // characters): a whole `str`.
        unsafe {
            std::ptr::write_unaligned(dst as *mut [u8; NAME_WIDTH], [b' '; NAME_WIDTH]);
            std::ptr::write_unaligned(dst.add(pad) as *mut [u8; INLINE_NAME], name.bytes());
            self.advance(pad + len);
        }
    }

    /// Makes room for `n` bytes and then `room`.
    #[inline(always)]
    fn grow(&mut self, n: usize) {
        // Out of line, and given the `String` rather than the cursor, whose
        // fields then stay in registers.
        #[cold]
        #[inline(never)]
        fn reserve(out: &mut String, len: usize, n: usize) {
            // SAFETY: the first `len` bytes are a whole `str` (the invariant).
            unsafe { out.as_mut_vec().set_len(len) };
            out.reserve(n);
        }
        reserve(self.out, self.len, n + self.room);
        self.reload();
    }

    /// `f` run on the `String`, with `room` bytes reserved after what it
    /// appends.
    #[inline(always)]
    fn with<T>(&mut self, f: impl FnOnce(&mut String) -> T) -> T {
        // SAFETY: the first `len` bytes are a whole `str` (the invariant).
        unsafe { self.out.as_mut_vec().set_len(self.len) };
        let r = f(self.out);
        self.out.reserve(self.room);
        self.reload();
        r
    }

    /// The cursor for the `String` as it is now (after a call that may have
    /// grown it, with `room` bytes reserved).
    #[inline(always)]
    fn reload(&mut self) {
        self.len = self.out.len();
        self.limit = self.out.capacity() - self.room;
        // SAFETY: as in `new`.
        self.buf = unsafe { self.out.as_mut_vec().as_mut_ptr() };
    }

    /// Stores the length in the `String`.
    #[inline(always)]
    fn finish(self) {
        // SAFETY: the first `len` bytes are a whole `str`, within the capacity
        // (the invariant).
        unsafe { self.out.as_mut_vec().set_len(self.len) };
    }
}

/// `asctime` with its literal text, when the second is not cached.
#[cold]
#[inline(never)]
fn time_general(
    time: &TimeFormat,
    record: &LogRecord<'_>,
    out: &mut String,
) -> Result<(), StepError> {
    time.write_general(record.created, out)
        .map_err(StepError::Other)
}

/// `asctime` when it is not the cached second of the formatter's last record.
#[cold]
#[inline(never)]
fn asctime(
    record: &LogRecord<'_>,
    ctx: Ctx<'_>,
    stamp: Option<Stamp>,
    out: &mut String,
) -> Result<(), StepError> {
    match ctx.asctime {
        Some(t) => {
            out.push_str(t);
            Ok(())
        }
        None => ctx
            .env
            .time
            .write(record.created, stamp, out)
            .map_err(StepError::Other),
    }
}

/// The operation for a `{` field.
fn brace_op(b: &BField) -> Op {
    let general = || General::Brace(Box::new(b.clone()));
    let (First::Named(f), true, None, SpecSrc::Static(spec)) =
        (&b.first, b.rest.is_empty(), b.conversion, &b.spec)
    else {
        return Op::General(Box::new(general()));
    };
    if spec.is_empty() {
        return plain(f);
    }
    if let Some(sf) = str_field(f) {
        return match spec.plain_string_padding() {
            Some((width, align)) => padded_str_op(
                sf,
                Pad {
                    width,
                    align,
                    fill: ' ',
                },
            ),
            None => Op::General(Box::new(general())),
        };
    }
    if let Some(i) = int_field(f) {
        return match spec.plain_int_padding() {
            Some((width, align, fill)) => int_step(i, width, align, fill),
            None => Op::General(Box::new(general())),
        };
    }
    if *f == Field::Msecs && spec.is_zero_padded3_integral() {
        return Op::Msecs3(Box::new(general()));
    }
    Op::General(Box::new(general()))
}

fn string<'r>(record: &'r LogRecord<'_>, f: StrField) -> Cow<'r, str> {
    match f {
        StrField::Name => Cow::Borrowed(&record.name),
        StrField::Message => Cow::Borrowed(&record.message),
        StrField::LevelName => record.level.name(),
        StrField::PathName => Cow::Borrowed(&record.pathname),
        StrField::FileName => Cow::Borrowed(record.filename()),
        StrField::Module => Cow::Borrowed(record.module()),
        StrField::FuncName => Cow::Borrowed(&record.func_name),
        StrField::ProcessName => Cow::Borrowed(&record.process_name),
        StrField::ThreadName => record.thread_name(),
    }
}

/// A string field padded: `levelname` to at most [`NAME_WIDTH`] with spaces
/// from the level table, any other through [`padded_str`].
// Callgrind, `examples/format_cost.rs`, per record: `padded` (with
// `{levelname:<8}`) 618 -> 373 instructions, the other layouts unchanged;
// `benches/compare` unchanged (`format` 1,701, `file` 1,719).
fn padded_str_op(f: StrField, pad: Pad) -> Op {
    match (f, pad.align, pad.fill) {
        (StrField::LevelName, '<', ' ') if pad.width <= NAME_WIDTH => {
            // At most `NAME_WIDTH`: fits a `u8`.
            Op::LevelNameLeft(pad.width as u8)
        }
        (StrField::LevelName, '>', ' ') if pad.width <= NAME_WIDTH => {
            Op::LevelNameRight(pad.width as u8)
        }
        _ => Op::PaddedStr(f, pad),
    }
}

/// `levelname` padded with spaces, when it is not in the level table.
#[cold]
#[inline(never)]
fn padded_level_name(record: &LogRecord<'_>, width: u8, align: char, out: &mut String) {
    let name = record.level.name();
    push_padded(out, &name, usize::from(width), align, ' ');
}

fn padded_str(record: &LogRecord<'_>, f: StrField, pad: &Pad, out: &mut String) {
    push_padded(out, &string(record, f), pad.width, pad.align, pad.fill);
}

fn padded_int(record: &LogRecord<'_>, f: IntField, pad: &Pad, out: &mut String) {
    let v = match f {
        IntField::LevelNo => record.levelno().into(),
        IntField::LineNo => record.lineno.into(),
        IntField::Process => record.process,
        IntField::Thread => record.thread,
    };
    push_padded_decimal(out, v, pad.width, pad.align, pad.fill);
}

/// What a step may fail with.
pub(crate) enum StepError {
    Missing(String),
    Other(String),
}

/// What steps read of the formatter besides the plan.
#[derive(Debug)]
pub(crate) struct Env {
    pub(crate) time: TimeFormat,
    pub(crate) defaults: Vec<(String, logtree_core::Value<'static>)>,
}

/// What steps read besides the record: two words, passed by value in two
/// registers, so that nothing is built in memory before the steps run (the
/// out-of-line steps are given it as it is).
// Callgrind (`benches/compare`): against a `Ctx` of the time format, the
// defaults' slice and `asctime` as a `&str`, given by reference (then built
// on the stack in the prologue), `format` 1,706 -> 1,701 instructions a call,
// `file` 1,724 -> 1,719; `examples/format_cost.rs`, per record: the
// comparison layout 220 -> 215, `padded` 623 -> 618, `%(message)s` 114 ->
// 109.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub(crate) env: &'a Env,
    /// `asctime`, when it was formatted before the steps run.
    pub(crate) asctime: Option<&'a String>,
}

/// Runs a step through the style's general code.
#[cold]
#[inline(never)]
fn run_general(
    step: &General,
    record: &LogRecord<'_>,
    ctx: Ctx<'_>,
    out: &mut String,
) -> Result<(), StepError> {
    let scope = Scope {
        record,
        asctime: ctx.asctime.map(String::as_str),
        defaults: &ctx.env.defaults,
    };
    match step {
        General::Value(f) => match scope.lookup(f) {
            Some(v) => {
                v.write_str(out);
                Ok(())
            }
            None => Err(StepError::Missing(f.name().to_owned())),
        },
        General::Percent(items) => {
            let lookup = |f: &Field| scope.lookup(f);
            printf::run(items, &printf::Args::Mapping(&lookup), out).map_err(|e| match e {
                printf::RunError::Missing(k) => StepError::Missing(k),
                printf::RunError::Other(m) => StepError::Other(m),
            })
        }
        General::Brace(b) => brace::render_field(b, &scope, out).map_err(|e| match e {
            brace::RenderError::Missing(k) => StepError::Missing(k),
            brace::RenderError::Other(m) => StepError::Other(m),
        }),
        General::Fail(m) => Err(StepError::Other(m.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plan whose last step is the message with no literal text after it
    /// ends with `MessageEnd` (no `End`), any other with `End`; `drafts`
    /// undoes both, and `room` counts no literal text for either.
    #[test]
    fn the_message_last_ends_the_plan() {
        let d = |op: Op, then: &str| Draft {
            op,
            then: then.to_owned(),
        };
        let cases = [
            (vec![d(Op::Message, "")], Op::MessageEnd, 1),
            (
                vec![d(Op::Name, ": "), d(Op::Message, "")],
                Op::MessageEnd,
                2,
            ),
            (
                vec![d(Op::Nothing, "> "), d(Op::Message, "")],
                Op::MessageEnd,
                2,
            ),
            (vec![d(Op::Message, "!")], Op::End, 2),
            (vec![d(Op::Message, &"x".repeat(17))], Op::End, 3),
            (vec![d(Op::Message, " "), d(Op::Name, "")], Op::End, 3),
            (
                vec![d(Op::Message, ""), d(Op::Message, "")],
                Op::MessageEnd,
                2,
            ),
            (Vec::new(), Op::End, 1),
        ];
        for (drafts, last, len) in cases {
            let plan = Plan::new(drafts.clone());
            assert_eq!(plan.steps.len(), len, "{drafts:?}");
            assert_eq!(plan.steps.last().map(|s| &s.op), Some(&last), "{drafts:?}");
            let ends = |s: &&Step| matches!(s.op, Op::End | Op::MessageEnd);
            assert_eq!(plan.steps.iter().filter(ends).count(), 1, "{drafts:?}");
            assert_eq!(plan.room, (len - 1) * LIT, "{drafts:?}");
            assert_eq!(plan.drafts(), drafts);
        }
    }

    /// Literal text of any length is cut into steps of at most `LIT` bytes on
    /// character boundaries, and `Plan::drafts` joins it back; the plan ends
    /// with its one `End` step, and `room` counts `LIT` bytes a step.
    #[test]
    fn literal_text_splits_and_joins() {
        let texts = [
            String::new(),
            "a".to_owned(),
            "x".repeat(15),
            "x".repeat(16),
            "x".repeat(17),
            format!("z{}", "é".repeat(10)),
            "日本語のテキスト".to_owned(),
            "🎉".repeat(9),
            "w".repeat(33),
        ];
        for first in &texts {
            for then in &texts {
                let drafts = vec![
                    Draft {
                        op: Op::Nothing,
                        then: first.clone(),
                    },
                    Draft {
                        op: Op::Name,
                        then: then.clone(),
                    },
                    Draft {
                        op: Op::Msecs3(Box::new(General::Fail("".into()))),
                        then: first.clone(),
                    },
                ];
                let plan = Plan::new(drafts.clone());
                assert!(plan.steps.iter().all(|s| usize::from(s.then.len) <= LIT));
                assert_eq!(plan.steps.last().map(|s| &s.op), Some(&Op::End));
                assert_eq!(plan.steps.iter().filter(|s| s.op == Op::End).count(), 1);
                let lits = plan.steps.len() - 1;
                assert_eq!(plan.room, lits * LIT + 4);
                let joined: String = plan.steps.iter().map(|s| s.then.as_str()).collect();
                assert_eq!(joined, format!("{first}{then}{first}"));
                assert_eq!(plan.drafts(), drafts);
            }
        }
    }
}
