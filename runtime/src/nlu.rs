//! Offline input understanding: text normalization, reply parsers per slot type, the
//! n-gram intent matcher and knowledge retrieval, and a lexicon sentiment score. No network,
//! no model files: everything is computed from the bundle's examples.

pub mod concepts;
pub mod dates;
pub mod lexicon;
pub mod normalize;
pub mod numbers;
pub mod sentiment;
pub mod similarity;
pub mod slots;
pub mod yes_no;

pub use normalize::normalize;
pub use sentiment::sentiment;
pub use similarity::{INTENT_THRESHOLD, KNOWLEDGE_THRESHOLD, ModelCache, TextModel};
pub use slots::parse_slot;
