//! What a turn did, step by step, for coverage reports and debugging: kept inline, so a
//! menu turn traces without allocating.

use std::fmt;

/// One step of a turn's [`super::Turn::trace`], by index into the conversation's flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceEvent {
    /// A state was entered (index into `Flow::states`): the start state when the
    /// conversation starts, then every `goto`.
    State(u32),
    /// An input picked a menu option: the input point (index into `Flow::points`) and the
    /// option's index in that menu.
    Option { point: u32, option: u32 },
}

/// A turn's trace events in order. A menu turn has two (the option, the next state), so
/// the first few are kept inline: most turns trace without allocating.
#[derive(Clone, Default)]
pub struct Trace {
    inline: [Option<TraceEvent>; Trace::INLINE],
    more: Vec<TraceEvent>,
}

impl Trace {
    const INLINE: usize = 3;

    #[inline]
    pub fn push(&mut self, event: TraceEvent) {
        if self.more.is_empty()
            && let Some(slot) = self.inline.iter_mut().find(|slot| slot.is_none())
        {
            *slot = Some(event);
            return;
        }
        self.more.push(event);
    }

    pub fn iter(&self) -> TraceIter<'_> {
        TraceIter {
            inline: self.inline.iter(),
            more: self.more.iter(),
        }
    }

    pub fn len(&self) -> usize {
        self.iter().count()
    }

    pub fn is_empty(&self) -> bool {
        self.inline[0].is_none()
    }
}

/// The events of a [`Trace`] in order (inline ones are filled front to back, and only
/// once they are full does `more` get any).
pub struct TraceIter<'t> {
    inline: std::slice::Iter<'t, Option<TraceEvent>>,
    more: std::slice::Iter<'t, TraceEvent>,
}

impl<'t> Iterator for TraceIter<'t> {
    type Item = &'t TraceEvent;

    fn next(&mut self) -> Option<&'t TraceEvent> {
        match self.inline.next() {
            Some(Some(event)) => Some(event),
            _ => self.more.next(),
        }
    }
}

impl<'t> IntoIterator for &'t Trace {
    type Item = &'t TraceEvent;
    type IntoIter = TraceIter<'t>;

    fn into_iter(self) -> TraceIter<'t> {
        self.iter()
    }
}

impl PartialEq for Trace {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Trace {}

impl fmt::Debug for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}
