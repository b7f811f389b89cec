//! csflow runtime: the bundle format, its verifier, the VM and offline input understanding.
//!
//! Depends on nothing of ours: the compiler depends on this crate (it fills a
//! [`bundle::Bundle`]), ops deploy its small binary without the compiler.
//!
//! ```text
//! builtins the one table of expression built-ins (compiler and VM)
//! bundle   plain-data Bundle, to_bytes / from_bytes (+ verifier)
//! disasm   Bundle → readable listing with source locations
//! files    bounded reading of regular files only (sources, bundles)
//! markup   the one XML/HTML text escaper (JUnit, TwiML, Graphviz labels)
//! vm       Conversation::begin / send / resume → Turn (pauses at a `call`); the interpreter
//! services what a call asks the host (CallRequest), ServiceError, the blocking Services
//!          convenience and Mocks (csflow test / run, a server's dry runs)
//! nlu      slot parsers, intent matcher, knowledge retrieval, sentiment
//! value    runtime values
//! ```

// Libraries never print (the CLI decides where text goes) and never unwrap outside tests.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::print_stdout,
        clippy::print_stderr
    )
)]

pub mod builtins;
pub mod bundle;
pub mod disasm;
pub mod files;
pub mod markup;
pub mod nlu;
pub mod services;
pub mod value;
pub mod vm;

pub use bundle::{Bundle, BundleId, LoadError};
pub use disasm::disassemble;
pub use services::{
    CallArg, CallRequest, IntentClassifier, Mocks, NoServices, ServiceError, Services,
};
pub use value::Value;
pub use vm::{
    Channel, Clock, Conversation, Env, Input, InputError, Start, StartError, Status, Turn,
};
