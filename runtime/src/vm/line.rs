//! The text of one transcript line, stored without copying where it can be: a prompt
//! without placeholders shares the bundle's string, a fixed runtime text (a single key press,
//! a time-out, the end) is a constant. Only interpolated prompts and free text are owned.
//! Every menu turn adds two lines to a conversation, so this is most of what a turn
//! allocates and most of what a long conversation weighs.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// Reads as a `&str` (`as_str`, `Deref`, `Display`, `==` with strings); compares and
/// serializes by its text, whichever way it is stored.
#[derive(Clone)]
pub struct Line(Repr);

#[derive(Clone)]
enum Repr {
    Fixed(&'static str),
    Shared(Arc<str>),
    Owned(Box<str>),
}

impl Line {
    /// A text the runtime itself writes, without allocating.
    pub const fn fixed(text: &'static str) -> Line {
        Line(Repr::Fixed(text))
    }

    /// A string of the bundle, shared rather than copied.
    pub fn shared(text: &Arc<str>) -> Line {
        Line(Repr::Shared(Arc::clone(text)))
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Fixed(text) => text,
            Repr::Shared(text) => text,
            Repr::Owned(text) => text,
        }
    }

    /// The transcript's echo of keypad input, `[keys 12]`; a single key is a constant.
    pub fn keys(keys: &str) -> Line {
        const ONE_KEY: [&str; 12] = [
            "[keys 0]", "[keys 1]", "[keys 2]", "[keys 3]", "[keys 4]", "[keys 5]", "[keys 6]",
            "[keys 7]", "[keys 8]", "[keys 9]", "[keys *]", "[keys #]",
        ];
        let single = match keys.as_bytes() {
            [digit @ b'0'..=b'9'] => ONE_KEY.get(usize::from(digit - b'0')),
            [b'*'] => ONE_KEY.get(10),
            [b'#'] => ONE_KEY.get(11),
            _ => None,
        };
        match single {
            Some(text) => Line::fixed(text),
            None => Line::from(format!("[keys {keys}]")),
        }
    }
}

impl From<String> for Line {
    fn from(text: String) -> Line {
        Line(Repr::Owned(text.into_boxed_str()))
    }
}

impl From<&str> for Line {
    fn from(text: &str) -> Line {
        Line(Repr::Owned(text.into()))
    }
}

impl Deref for Line {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Line {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl fmt::Debug for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for Line {
    fn eq(&self, other: &Line) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Line {}

impl PartialEq<str> for Line {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Line {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Line {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl Serialize for Line {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Line {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Line, D::Error> {
        String::deserialize(deserializer).map(Line::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_way_of_storing_reads_and_compares_the_same() {
        let shared: Arc<str> = Arc::from("Welcome.");
        let lines = [
            Line::fixed("Welcome."),
            Line::shared(&shared),
            Line::from("Welcome."),
        ];
        for line in &lines {
            assert_eq!(line, "Welcome.");
            assert_eq!(line, &lines[0]);
            assert_eq!(line.to_string(), "Welcome.");
            assert_eq!(serde_json::to_string(line).unwrap(), "\"Welcome.\"");
        }
        let back: Line = serde_json::from_str("\"Welcome.\"").unwrap();
        assert_eq!(back, lines[1]);
    }

    #[test]
    fn key_echoes() {
        assert_eq!(Line::keys("7"), "[keys 7]");
        assert_eq!(Line::keys("#"), "[keys #]");
        assert_eq!(Line::keys("*"), "[keys *]");
        assert_eq!(Line::keys("1234"), "[keys 1234]");
        assert_eq!(Line::keys(""), "[keys ]");
    }

    #[test]
    fn a_line_is_no_bigger_than_a_string() {
        assert!(std::mem::size_of::<Line>() <= std::mem::size_of::<String>());
    }
}
