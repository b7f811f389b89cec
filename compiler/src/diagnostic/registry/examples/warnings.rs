//! Bad and fixed examples of the warning checks (W0101…).

pub const UNREACHABLE_STATE_BAD: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow support {
  channel chat
  start welcome

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state welcome {
    say "Welcome to Acme Bank. We are open Monday to Friday, 9:00 to 18:00."
    end
  }

  state old_hours {
    say "We are open Monday to Saturday, 8:00 to 20:00."
    end
  }
}
"#;

pub const UNREACHABLE_STATE_FIXED: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow support {
  channel chat
  start welcome

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state welcome {
    say "Welcome to Acme Bank. We are open Monday to Friday, 9:00 to 18:00."
    end
  }
}
"#;

// A trap with an input point in it is also an input point with no path to a human, so this
// example has no `escalate` rule and no queue at all: with either, the loop would not be a
// trap. A checker that reports both here should report `no-path-to-human` only outside traps.
pub const TRAP_STATE_BAD: &str = r#"flow support {
  channel chat
  start main_menu

  slot more: yes_no

  on no_match retry 2 then goto main_menu
  on no_input retry 2 then goto main_menu

  state main_menu {
    menu "What can I help you with?" {
      option "Opening hours" goto hours_info
      option "Branches"      goto branches
    }
  }

  state hours_info {
    say "We are open Monday to Friday, 9:00 to 18:00."
    goto anything_else
  }

  state branches {
    say "We have branches in Shanghai and Beijing."
    goto anything_else
  }

  state anything_else {
    ask more "Is there anything else I can help you with?"
    set more = none
    goto main_menu
  }
}
"#;

pub const TRAP_STATE_FIXED: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow support {
  channel chat
  start main_menu

  slot more: yes_no

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state main_menu {
    menu "What can I help you with?" {
      option "Opening hours" goto hours_info
      option "Branches"      goto branches
    }
  }

  state hours_info {
    say "We are open Monday to Friday, 9:00 to 18:00."
    goto anything_else
  }

  state branches {
    say "We have branches in Shanghai and Beijing."
    goto anything_else
  }

  state anything_else {
    ask more "Is there anything else I can help you with?"
    if more {
      set more = none
      goto main_menu
    }
    say "Thank you for contacting Acme Bank. Goodbye."
    end
  }
}
"#;

// No `escalate` rule: it would give every input point a path to an agent.
pub const NO_PATH_TO_HUMAN_BAD: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow support {
  channel chat
  start main_menu

  slot more: yes_no

  on no_match retry 2 then goto goodbye
  on no_input retry 2 then goto goodbye

  state main_menu {
    menu "What can I help you with?" {
      option "Opening hours" goto hours_info
      option "Agent" intent agent handoff general
    }
  }

  state hours_info {
    say "We are open Monday to Friday, 9:00 to 18:00."
    goto anything_else
  }

  state anything_else {
    ask more "Is there anything else I can help you with?"
    if more {
      say "Please call us again on our hotline."
      end
    }
    goto goodbye
  }

  state goodbye {
    say "Thank you for contacting Acme Bank. Goodbye."
    end
  }
}
"#;

pub const NO_PATH_TO_HUMAN_FIXED: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow support {
  channel chat
  start main_menu

  slot more: yes_no

  on no_match retry 2 then goto goodbye
  on no_input retry 2 then goto goodbye

  escalate {
    when intent agent handoff general
  }

  state main_menu {
    menu "What can I help you with?" {
      option "Opening hours" goto hours_info
      option "Something else" handoff general
    }
  }

  state hours_info {
    say "We are open Monday to Friday, 9:00 to 18:00."
    goto anything_else
  }

  state anything_else {
    ask more "Is there anything else I can help you with?"
    if more {
      set more = none
      goto main_menu
    }
    goto goodbye
  }

  state goodbye {
    say "Thank you for contacting Acme Bank. Goodbye."
    end
  }
}
"#;

pub const MISSING_NO_MATCH_BAD: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow support {
  channel chat
  start main_menu

  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state main_menu {
    menu "What can I help you with?" {
      option "Opening hours" goto hours_info
      option "Something else" handoff general
    }
  }

  state hours_info {
    say "We are open Monday to Friday, 9:00 to 18:00."
    end
  }
}
"#;

pub const MISSING_NO_MATCH_FIXED: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow support {
  channel chat
  start main_menu

  on no_match retry 2 "Sorry, I did not get that." then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state main_menu {
    menu "What can I help you with?" {
      option "Opening hours" goto hours_info
      option "Something else" handoff general
    }
  }

  state hours_info {
    say "We are open Monday to Friday, 9:00 to 18:00."
    end
  }
}
"#;

pub const MISSING_NO_INPUT_BAD: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow phone {
  channel voice
  start main_menu

  on no_match retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state main_menu {
    menu "For opening hours press 1. For an agent press 0." {
      option "Opening hours" key 1              goto hours_info
      option "Agent"         key 0 intent agent handoff general
    }
  }

  state hours_info {
    say "We are open Monday to Friday, 9:00 to 18:00. Goodbye."
    end
  }
}
"#;

pub const MISSING_NO_INPUT_FIXED: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow phone {
  channel voice
  start main_menu

  on no_match retry 2 then handoff general
  on no_input retry 2 "Sorry, I did not hear anything." then handoff general

  escalate {
    when intent agent handoff general
  }

  state main_menu {
    menu "For opening hours press 1. For an agent press 0." {
      option "Opening hours" key 1              goto hours_info
      option "Agent"         key 0 intent agent handoff general
    }
  }

  state hours_info {
    say "We are open Monday to Friday, 9:00 to 18:00. Goodbye."
    end
  }
}
"#;

pub const VOICE_MENU_TOO_LONG_BAD: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow phone {
  channel voice
  start main_menu

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state main_menu {
    menu "For cards press 1. For loans press 2. For savings press 3. For insurance press 4. For opening hours press 5. For an agent press 0." {
      option "Cards"         key 1 handoff general reason "cards"
      option "Loans"         key 2 handoff general reason "loans"
      option "Savings"       key 3 handoff general reason "savings"
      option "Insurance"     key 4 handoff general reason "insurance"
      option "Opening hours" key 5 goto hours_info
      option "Agent"         key 0 intent agent handoff general
    }
  }

  state hours_info {
    say "We are open Monday to Friday, 9:00 to 18:00. Goodbye."
    end
  }
}
"#;

pub const VOICE_MENU_TOO_LONG_FIXED: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow phone {
  channel voice
  start main_menu

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state main_menu {
    menu "For cards press 1. For loans press 2. For other services press 3. For an agent press 0." {
      option "Cards"          key 1 handoff general reason "cards"
      option "Loans"          key 2 handoff general reason "loans"
      option "Other services" key 3 goto more_services
      option "Agent"          key 0 intent agent handoff general
    }
  }

  state more_services {
    menu "For savings press 1. For insurance press 2. For opening hours press 3. For an agent press 0." {
      option "Savings"       key 1 handoff general reason "savings"
      option "Insurance"     key 2 handoff general reason "insurance"
      option "Opening hours" key 3 goto hours_info
      option "Agent"         key 0 intent agent handoff general
    }
  }

  state hours_info {
    say "We are open Monday to Friday, 9:00 to 18:00. Goodbye."
    end
  }
}
"#;

pub const MENU_TOO_DEEP_BAD: &str = r#"queue general { }
queue cards { skills ["cards"] }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow phone {
  channel voice
  start main_menu

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state main_menu {
    menu "For accounts press 1. For an agent press 0." {
      option "Accounts" key 1              goto accounts
      option "Agent"    key 0 intent agent handoff general
    }
  }

  state accounts {
    menu "For cards press 1. For an agent press 0." {
      option "Cards" key 1              goto card_menu
      option "Agent" key 0 intent agent handoff general
    }
  }

  state card_menu {
    menu "For lost or stolen cards press 1. For an agent press 0." {
      option "Lost or stolen cards" key 1              goto lost_cards
      option "Agent"                key 0 intent agent handoff general
    }
  }

  state lost_cards {
    menu "For debit cards press 1. For an agent press 0." {
      option "Debit cards" key 1              goto debit_cards
      option "Agent"       key 0 intent agent handoff general
    }
  }

  state debit_cards {
    menu "To block your debit card press 1. For an agent press 0." {
      option "Block my card" key 1              handoff cards reason "block debit card"
      option "Agent"         key 0 intent agent handoff general
    }
  }
}
"#;

pub const MENU_TOO_DEEP_FIXED: &str = r#"queue general { }
queue cards { skills ["cards"] }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow phone {
  channel voice
  start main_menu

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state main_menu {
    menu "For accounts press 1. To block a lost card press 2. For an agent press 0." {
      option "Accounts"          key 1              goto accounts
      option "Block a lost card" key 2              goto debit_cards
      option "Agent"             key 0 intent agent handoff general
    }
  }

  state accounts {
    menu "For cards press 1. For an agent press 0." {
      option "Cards" key 1              goto card_menu
      option "Agent" key 0 intent agent handoff general
    }
  }

  state card_menu {
    menu "For lost or stolen cards press 1. For an agent press 0." {
      option "Lost or stolen cards" key 1              goto lost_cards
      option "Agent"                key 0 intent agent handoff general
    }
  }

  state lost_cards {
    menu "For debit cards press 1. For an agent press 0." {
      option "Debit cards" key 1              goto debit_cards
      option "Agent"       key 0 intent agent handoff general
    }
  }

  state debit_cards {
    menu "To block your debit card press 1. For an agent press 0." {
      option "Block my card" key 1              handoff cards reason "block debit card"
      option "Agent"         key 0 intent agent handoff general
    }
  }
}
"#;

pub const VOICE_OPTION_WITHOUT_KEY_BAD: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow phone {
  channel voice
  start main_menu

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state main_menu {
    menu "For opening hours press 1. To talk to one of our team, say agent." {
      option "Opening hours" key 1 goto hours_info
      option "Something else" handoff general
    }
  }

  state hours_info {
    say "We are open Monday to Friday, 9:00 to 18:00. Goodbye."
    end
  }
}
"#;

pub const VOICE_OPTION_WITHOUT_KEY_FIXED: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow phone {
  channel voice
  start main_menu

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state main_menu {
    menu "For opening hours press 1. To talk to one of our team, press 0 or say agent." {
      option "Opening hours" key 1              goto hours_info
      option "Agent"         key 0 intent agent handoff general
    }
  }

  state hours_info {
    say "We are open Monday to Friday, 9:00 to 18:00. Goodbye."
    end
  }
}
"#;

pub const SHADOWED_OPTION_BAD: &str = r#"queue general { }
queue cards { skills ["cards"] }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

intent lost_card {
  "I lost my card"  "my card was stolen"  "挂失"
}

flow support {
  channel chat
  start main_menu

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state main_menu {
    menu "What can I help you with?" {
      option "Lost card" intent lost_card handoff general reason "lost card"
      option "Something else"             handoff general
      option "Lost card" intent lost_card handoff cards reason "lost card"
    }
  }
}
"#;

pub const SHADOWED_OPTION_FIXED: &str = r#"queue general { }
queue cards { skills ["cards"] }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

intent lost_card {
  "I lost my card"  "my card was stolen"  "挂失"
}

flow support {
  channel chat
  start main_menu

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state main_menu {
    menu "What can I help you with?" {
      option "Lost card" intent lost_card handoff cards reason "lost card"
      option "Something else"             handoff general
    }
  }
}
"#;

pub const HANDOFF_WITHOUT_AFTER_HOURS_BAD: &str = r#"hours office {
  timezone "Asia/Shanghai"
  mon-fri 09:00-18:00
}

queue general { hours office }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow support {
  channel chat
  start welcome

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state welcome {
    say "Welcome to Acme Bank. Let me find an agent for you."
    handoff general
  }
}
"#;

pub const HANDOFF_WITHOUT_AFTER_HOURS_FIXED: &str = r#"hours office {
  timezone "Asia/Shanghai"
  mon-fri 09:00-18:00
}

queue general { hours office }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow support {
  channel chat
  start welcome

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general
  on closed {
    say "Our agents are available Monday to Friday, 9:00 to 18:00. Please contact us again then."
    end
  }

  escalate {
    when intent agent handoff general
  }

  state welcome {
    say "Welcome to Acme Bank. Let me find an agent for you."
    handoff general
  }
}
"#;

pub const SENSITIVE_IN_OUTPUT_BAD: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow support {
  channel chat
  start block_card

  slot card_last4: digits(4) sensitive

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state block_card {
    ask card_last4 "Please enter the last four digits of your card."
    say "Thank you. An agent will block your card ending in {card_last4}."
    handoff general reason "block card"
  }
}
"#;

pub const SENSITIVE_IN_OUTPUT_FIXED: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow support {
  channel chat
  start block_card

  slot card_last4: digits(4) sensitive

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state block_card {
    ask card_last4 "Please enter the last four digits of your card."
    say "Thank you. An agent will block your card now."
    handoff general reason "block card"
  }
}
"#;

pub const PROMPT_KEY_MISMATCH_BAD: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow phone {
  channel voice
  start main_menu

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state main_menu {
    menu "For opening hours press 1. For card services press 2. For an agent press 0." {
      option "Opening hours" key 1              goto hours_info
      option "Agent"         key 0 intent agent handoff general
    }
  }

  state hours_info {
    say "We are open Monday to Friday, 9:00 to 18:00. Goodbye."
    end
  }
}
"#;

pub const PROMPT_KEY_MISMATCH_FIXED: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow phone {
  channel voice
  start main_menu

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state main_menu {
    menu "For opening hours press 1. For an agent press 0." {
      option "Opening hours" key 1              goto hours_info
      option "Agent"         key 0 intent agent handoff general
    }
  }

  state hours_info {
    say "We are open Monday to Friday, 9:00 to 18:00. Goodbye."
    end
  }
}
"#;

pub const QUESTION_WITHOUT_INPUT_BAD: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow support {
  channel chat
  start welcome

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state welcome {
    say "Welcome to Acme Bank. How can I help you today?"
    goto main_menu
  }

  state main_menu {
    menu "Please choose a topic." {
      option "Opening hours" goto hours_info
      option "Something else" handoff general
    }
  }

  state hours_info {
    say "We are open Monday to Friday, 9:00 to 18:00."
    end
  }
}
"#;

pub const QUESTION_WITHOUT_INPUT_FIXED: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow support {
  channel chat
  start welcome

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state welcome {
    say "Welcome to Acme Bank."
    goto main_menu
  }

  state main_menu {
    menu "How can I help you today?" {
      option "Opening hours" goto hours_info
      option "Something else" handoff general
    }
  }

  state hours_info {
    say "We are open Monday to Friday, 9:00 to 18:00."
    end
  }
}
"#;

pub const STALE_KNOWLEDGE_BAD: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

knowledge faq {
  entry opening_hours {
    question  "What are your opening hours?"
    question  "你们几点上班"
    answer    "We are open Monday to Friday, 9:00 to 18:00."
    owner     "support-team"
    review_by 2024-06-30
  }
}

flow support {
  channel chat
  start welcome

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state welcome {
    answer from faq "opening hours" else handoff general
    end
  }
}
"#;

pub const STALE_KNOWLEDGE_FIXED: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

knowledge faq {
  entry opening_hours {
    question  "What are your opening hours?"
    question  "你们几点上班"
    answer    "We are open Monday to Friday, 9:00 to 18:00."
    owner     "support-team"
    review_by 2099-12-31
  }
}

flow support {
  channel chat
  start welcome

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state welcome {
    answer from faq "opening hours" else handoff general
    end
  }
}
"#;

pub const DUPLICATE_QUESTION_BAD: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

knowledge faq {
  entry opening_hours {
    question "What are your opening hours?"
    question "When are you open?"
    answer   "We are open Monday to Friday, 9:00 to 18:00."
  }
  entry holiday_hours {
    question "Are you open on public holidays?"
    question "When are you open?"
    answer   "Our branches are closed on public holidays."
  }
}

flow support {
  channel chat
  start welcome

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state welcome {
    answer from faq "opening hours" else handoff general
    end
  }
}
"#;

pub const DUPLICATE_QUESTION_FIXED: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

knowledge faq {
  entry opening_hours {
    question "What are your opening hours?"
    question "When are you open?"
    answer   "We are open Monday to Friday, 9:00 to 18:00."
  }
  entry holiday_hours {
    question "Are you open on public holidays?"
    question "节假日营业吗"
    answer   "Our branches are closed on public holidays."
  }
}

flow support {
  channel chat
  start welcome

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state welcome {
    answer from faq "opening hours" else handoff general
    end
  }
}
"#;

pub const AMBIGUOUS_EXAMPLE_BAD: &str = r#"queue general { }
queue care { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

intent complaint {
  "I want to complain"  "投诉"  "转人工"
}

flow support {
  channel chat
  start welcome

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent     handoff general
    when intent complaint handoff care priority high
  }

  state welcome {
    say "Welcome to Acme Bank."
    end
  }
}
"#;

pub const AMBIGUOUS_EXAMPLE_FIXED: &str = r#"queue general { }
queue care { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

intent complaint {
  "I want to complain"  "投诉"  "我要投诉"
}

flow support {
  channel chat
  start welcome

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent     handoff general
    when intent complaint handoff care priority high
  }

  state welcome {
    say "Welcome to Acme Bank."
    end
  }
}
"#;

pub const UNUSED_SLOT_BAD: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow support {
  channel chat
  start welcome

  slot account_number: digits(8)
  slot more: yes_no

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state welcome {
    ask more "Would you like to talk to one of our agents?"
    if more {
      handoff general
    }
    say "Thank you for contacting Acme Bank. Goodbye."
    end
  }
}
"#;

pub const UNUSED_SLOT_FIXED: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow support {
  channel chat
  start welcome

  slot more: yes_no

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state welcome {
    ask more "Would you like to talk to one of our agents?"
    if more {
      handoff general
    }
    say "Thank you for contacting Acme Bank. Goodbye."
    end
  }
}
"#;

pub const UNUSED_INTENT_BAD: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

intent lost_card {
  "I lost my card"  "my card was stolen"  "挂失"
}

flow support {
  channel chat
  start welcome

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state welcome {
    say "Welcome to Acme Bank."
    end
  }
}
"#;

pub const UNUSED_INTENT_FIXED: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

intent lost_card {
  "I lost my card"  "my card was stolen"  "挂失"
}

flow support {
  channel chat
  start welcome

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent     handoff general
    when intent lost_card handoff general priority high reason "lost card"
  }

  state welcome {
    say "Welcome to Acme Bank."
    end
  }
}
"#;

pub const UNUSED_QUEUE_BAD: &str = r#"queue general { }
queue cards { skills ["cards"] }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

intent lost_card {
  "I lost my card"  "my card was stolen"  "挂失"
}

flow support {
  channel chat
  start main_menu

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state main_menu {
    menu "What can I help you with?" {
      option "Lost or stolen card" intent lost_card handoff general reason "lost card"
      option "Something else"                       handoff general
    }
  }
}
"#;

pub const UNUSED_QUEUE_FIXED: &str = r#"queue general { }
queue cards { skills ["cards"] }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

intent lost_card {
  "I lost my card"  "my card was stolen"  "挂失"
}

flow support {
  channel chat
  start main_menu

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state main_menu {
    menu "What can I help you with?" {
      option "Lost or stolen card" intent lost_card handoff cards reason "lost card"
      option "Something else"                       handoff general
    }
  }
}
"#;

pub const UNUSED_KNOWLEDGE_BAD: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

knowledge faq {
  entry opening_hours {
    question "What are your opening hours?"
    question "你们几点上班"
    answer   "We are open Monday to Friday, 9:00 to 18:00."
  }
}

flow support {
  channel chat
  start welcome

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state welcome {
    say "We are open Monday to Friday, 9:00 to 18:00."
    end
  }
}
"#;

pub const UNUSED_KNOWLEDGE_FIXED: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

knowledge faq {
  entry opening_hours {
    question "What are your opening hours?"
    question "你们几点上班"
    answer   "We are open Monday to Friday, 9:00 to 18:00."
  }
}

flow support {
  channel chat
  start welcome

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state welcome {
    answer from faq "opening hours" else handoff general
    end
  }
}
"#;

pub const DUPLICATE_EXAMPLE_BAD: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "Talk to a person!"
}

flow support {
  channel chat
  start welcome

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state welcome {
    say "Welcome to Acme Bank."
    end
  }
}
"#;

pub const DUPLICATE_EXAMPLE_FIXED: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow support {
  channel chat
  start welcome

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state welcome {
    say "Welcome to Acme Bank."
    end
  }
}
"#;

pub const UNKNOWN_ALLOW_BAD: &str = r#"queue general { }

flow support {
  channel chat
  start welcome

  state welcome {
    say "Welcome to Acme Bank."
    handoff general
  }

  state old_welcome {  # csflow: allow(unreachable-states)
    say "Welcome!"
    handoff general
  }
}
"#;

pub const UNKNOWN_ALLOW_FIXED: &str = r#"queue general { }

flow support {
  channel chat
  start welcome

  state welcome {
    say "Welcome to Acme Bank."
    handoff general
  }

  state old_welcome {  # csflow: allow(unreachable-state)
    say "Welcome!"
    handoff general
  }
}
"#;

pub const KEY_PREFIX_BAD: &str = r#"queue general { }

intent agent {
  "agent"  "转人工"
}

flow hotline {
  channel voice
  start main_menu

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state main_menu {
    menu "For sales press 1. For the press office press 10." {
      option "Sales"        key 1  handoff general
      option "Press office" key 10 handoff general
    }
  }
}
"#;

pub const KEY_PREFIX_FIXED: &str = r#"queue general { }

intent agent {
  "agent"  "转人工"
}

flow hotline {
  channel voice
  start main_menu

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state main_menu {
    menu "For sales press 1. For the press office press 2." {
      option "Sales"        key 1 handoff general
      option "Press office" key 2 handoff general
    }
  }
}
"#;
