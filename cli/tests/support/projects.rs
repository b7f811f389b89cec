//! Small projects shared by the CLI tests.

/// A clean chat flow (Chinese prompt, an escalate rule): no errors, no warnings.
pub const CLEAN: &str = r#"queue general { }
intent agent { "agent" "转人工" }
flow hello {
  channel chat
  start greet
  on no_match retry 1 then handoff general
  escalate { when intent agent handoff general }
  state greet {
    menu "你好！Choose:" {
      option "Talk to someone" key 1 handoff general
      option "Goodbye" key 2 end
    }
  }
}
"#;
