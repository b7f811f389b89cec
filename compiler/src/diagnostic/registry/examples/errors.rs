//! Bad and fixed examples of the error checks (E0001…).

pub const SYNTAX_ERROR_BAD: &str = r#"queue general { }

flow support {
  channel chat
  start welcome

  state welcome {
    sya "Welcome to Acme Bank."
    handoff general
  }
}
"#;

pub const SYNTAX_ERROR_FIXED: &str = r#"queue general { }

flow support {
  channel chat
  start welcome

  state welcome {
    say "Welcome to Acme Bank."
    handoff general
  }
}
"#;

pub const IMPORT_NOT_FOUND_BAD: &str = r#"import "common/queues.csflow"

queue general { }

flow support {
  channel chat
  start welcome

  state welcome {
    say "Welcome to Acme Bank. Let me find someone to help you."
    handoff general
  }
}
"#;

pub const IMPORT_NOT_FOUND_FIXED: &str = r#"queue general { }

flow support {
  channel chat
  start welcome

  state welcome {
    say "Welcome to Acme Bank. Let me find someone to help you."
    handoff general
  }
}
"#;

pub const IMPORT_OUTSIDE_PROJECT_BAD: &str = r#"import "/srv/shared/hours.csflow"

queue general { }

flow support {
  channel chat
  start welcome

  state welcome {
    say "Welcome to Acme Bank. Let me find someone to help you."
    handoff general
  }
}
"#;

pub const IMPORT_OUTSIDE_PROJECT_FIXED: &str = r#"queue general { }

flow support {
  channel chat
  start welcome

  state welcome {
    say "Welcome to Acme Bank. Let me find someone to help you."
    handoff general
  }
}
"#;

pub const DUPLICATE_DEFINITION_BAD: &str = r#"queue general { }
queue general { skills ["cards"] }

intent lost_card {
  "I lost my card"  "block my card"  "卡丢了"
}

flow support {
  channel chat
  start welcome

  escalate {
    when intent lost_card handoff general
  }

  state welcome {
    say "Welcome to Acme Bank."
    handoff general
  }
}
"#;

pub const DUPLICATE_DEFINITION_FIXED: &str = r#"queue general { }
queue cards { skills ["cards"] }

intent lost_card {
  "I lost my card"  "block my card"  "卡丢了"
}

flow support {
  channel chat
  start welcome

  escalate {
    when intent lost_card handoff cards
  }

  state welcome {
    say "Welcome to Acme Bank."
    handoff general
  }
}
"#;

pub const UNKNOWN_STATE_BAD: &str = r#"queue general { }

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
    menu "How can I help you?" {
      option "Opening hours"   goto hours_info
      option "Nothing, thanks" goto goodby
    }
  }

  state hours_info {
    say "We are open Monday to Friday, 9:00 to 18:00."
    goto goodbye
  }

  state goodbye {
    say "Thank you for contacting Acme Bank. Goodbye."
    end
  }
}
"#;

pub const UNKNOWN_STATE_FIXED: &str = r#"queue general { }

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
    menu "How can I help you?" {
      option "Opening hours"   goto hours_info
      option "Nothing, thanks" goto goodbye
    }
  }

  state hours_info {
    say "We are open Monday to Friday, 9:00 to 18:00."
    goto goodbye
  }

  state goodbye {
    say "Thank you for contacting Acme Bank. Goodbye."
    end
  }
}
"#;

pub const UNKNOWN_SLOT_BAD: &str = r#"queue general { }

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
    ask more "Is there anything else I can help you with?"
    if mor {
      handoff general
    }
    say "Thank you. Goodbye."
    end
  }
}
"#;

pub const UNKNOWN_SLOT_FIXED: &str = r#"queue general { }

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
    ask more "Is there anything else I can help you with?"
    if more {
      handoff general
    }
    say "Thank you. Goodbye."
    end
  }
}
"#;

pub const UNKNOWN_INTENT_BAD: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow support {
  channel chat
  start welcome

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent     handoff general
    when intent complaint handoff general priority high
  }

  state welcome {
    say "Welcome to Acme Bank."
    end
  }
}
"#;

pub const UNKNOWN_INTENT_FIXED: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

intent complaint {
  "I want to complain"  "this is unacceptable"  "投诉"
}

flow support {
  channel chat
  start welcome

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent     handoff general
    when intent complaint handoff general priority high
  }

  state welcome {
    say "Welcome to Acme Bank."
    end
  }
}
"#;

pub const UNKNOWN_QUEUE_BAD: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow support {
  channel chat
  start welcome

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent     handoff general
    when sentiment < -0.6 handoff care priority high reason "upset customer"
  }

  state welcome {
    say "Welcome to Acme Bank."
    end
  }
}
"#;

pub const UNKNOWN_QUEUE_FIXED: &str = r#"queue general { }
queue care { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow support {
  channel chat
  start welcome

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent     handoff general
    when sentiment < -0.6 handoff care priority high reason "upset customer"
  }

  state welcome {
    say "Welcome to Acme Bank."
    end
  }
}
"#;

pub const UNKNOWN_KNOWLEDGE_BAD: &str = r#"queue general { }

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
    answer from faq "opening hours" else handoff general
    end
  }
}
"#;

pub const UNKNOWN_KNOWLEDGE_FIXED: &str = r#"queue general { }

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

pub const UNKNOWN_SERVICE_BAD: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

service cards {
  operation block(last4: digits) returns { ok: bool, reference: text }
  timeout 3s
}

flow support {
  channel chat
  start block_card

  slot card_last4: digits(4) sensitive

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general
  on error handoff general reason "service error"

  escalate {
    when intent agent handoff general
  }

  state block_card {
    ask card_last4 "Please enter the last four digits of your card."
    call cards.freeze(last4: card_last4) into result
    say "Thank you. Your request has been sent."
    end
  }
}
"#;

pub const UNKNOWN_SERVICE_FIXED: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

service cards {
  operation block(last4: digits) returns { ok: bool, reference: text }
  timeout 3s
}

flow support {
  channel chat
  start block_card

  slot card_last4: digits(4) sensitive

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general
  on error handoff general reason "service error"

  escalate {
    when intent agent handoff general
  }

  state block_card {
    ask card_last4 "Please enter the last four digits of your card."
    call cards.block(last4: card_last4) into result
    say "Thank you. Your request has been sent."
    end
  }
}
"#;

pub const UNKNOWN_HOURS_BAD: &str = r#"queue general { hours office }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow support {
  channel chat
  start welcome

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general
  on closed {
    say "Our agents are available Monday to Friday, 9:00 to 18:00."
    end
  }

  escalate {
    when intent agent handoff general
  }

  state welcome {
    say "Welcome to Acme Bank."
    end
  }
}
"#;

pub const UNKNOWN_HOURS_FIXED: &str = r#"hours office {
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
    say "Our agents are available Monday to Friday, 9:00 to 18:00."
    end
  }

  escalate {
    when intent agent handoff general
  }

  state welcome {
    say "Welcome to Acme Bank."
    end
  }
}
"#;

pub const UNKNOWN_FLOW_BAD: &str = r#"flow support {
  channel chat
  start welcome

  state welcome {
    say "Welcome to Acme Bank."
    end
  }
}

test "the welcome is said" {
  flow suport
  expect say "Welcome to Acme Bank."
  expect end
}
"#;

pub const UNKNOWN_FLOW_FIXED: &str = r#"flow support {
  channel chat
  start welcome

  state welcome {
    say "Welcome to Acme Bank."
    end
  }
}

test "the welcome is said" {
  flow support
  expect say "Welcome to Acme Bank."
  expect end
}
"#;

pub const UNKNOWN_FIELD_BAD: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

service cards {
  operation block(last4: digits) returns { ok: bool, reference: text }
  timeout 3s
}

flow support {
  channel chat
  start block_card

  slot card_last4: digits(4) sensitive

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general
  on error handoff general reason "service error"

  escalate {
    when intent agent handoff general
  }

  state block_card {
    ask card_last4 "Please enter the last four digits of your card."
    call cards.block(last4: card_last4) into result
    if result.blocked {
      say "Your card is blocked."
      end
    }
    handoff general reason "block failed"
  }
}
"#;

pub const UNKNOWN_FIELD_FIXED: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

service cards {
  operation block(last4: digits) returns { ok: bool, reference: text }
  timeout 3s
}

flow support {
  channel chat
  start block_card

  slot card_last4: digits(4) sensitive

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general
  on error handoff general reason "service error"

  escalate {
    when intent agent handoff general
  }

  state block_card {
    ask card_last4 "Please enter the last four digits of your card."
    call cards.block(last4: card_last4) into result
    if result.ok {
      say "Your card is blocked. Your reference is {result.reference}."
      end
    }
    handoff general reason "block failed"
  }
}
"#;

pub const MISSING_START_BAD: &str = r#"flow support {
  channel chat

  state welcome {
    say "Welcome to Acme Bank. We are open Monday to Friday, 9:00 to 18:00."
    end
  }
}
"#;

pub const MISSING_START_FIXED: &str = r#"flow support {
  channel chat
  start welcome

  state welcome {
    say "Welcome to Acme Bank. We are open Monday to Friday, 9:00 to 18:00."
    end
  }
}
"#;

pub const MISSING_TERMINATOR_BAD: &str = r#"queue general { }

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
  }
}
"#;

pub const MISSING_TERMINATOR_FIXED: &str = r#"queue general { }

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

pub const DUPLICATE_KEY_BAD: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
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
    menu "Reply 1 for our opening hours or 2 to talk to an agent." {
      option "Opening hours" key 1              goto hours_info
      option "Agent"         key 1 intent agent handoff general
    }
  }

  state hours_info {
    say "We are open Monday to Friday, 9:00 to 18:00."
    end
  }
}
"#;

pub const DUPLICATE_KEY_FIXED: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
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
    menu "Reply 1 for our opening hours or 2 to talk to an agent." {
      option "Opening hours" key 1              goto hours_info
      option "Agent"         key 2 intent agent handoff general
    }
  }

  state hours_info {
    say "We are open Monday to Friday, 9:00 to 18:00."
    end
  }
}
"#;

pub const TYPE_MISMATCH_BAD: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow support {
  channel chat
  start welcome

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent         handoff general
    when sentiment < "upset"  handoff general priority high
  }

  state welcome {
    say "Welcome to Acme Bank."
    end
  }
}
"#;

pub const TYPE_MISMATCH_FIXED: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow support {
  channel chat
  start welcome

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent     handoff general
    when sentiment < -0.6 handoff general priority high
  }

  state welcome {
    say "Welcome to Acme Bank."
    end
  }
}
"#;

pub const INPUT_FREE_CYCLE_BAD: &str = r#"flow support {
  channel chat
  start main_menu

  state main_menu {
    say "You can ask me about our opening hours."
    goto route
  }

  state route {
    if text matches /hours|几点/ {
      goto hours_info
    }
    goto main_menu
  }

  state hours_info {
    say "We are open Monday to Friday, 9:00 to 18:00."
    end
  }
}
"#;

pub const INPUT_FREE_CYCLE_FIXED: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow support {
  channel chat
  start main_menu

  slot topic: text

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state main_menu {
    ask topic "What can I help you with? You can ask me about our opening hours."
    goto route
  }

  state route {
    if topic matches /hours|几点/ {
      goto hours_info
    }
    set topic = none
    say "Sorry, I can only help with our opening hours."
    goto main_menu
  }

  state hours_info {
    say "We are open Monday to Friday, 9:00 to 18:00."
    end
  }
}
"#;

pub const INVALID_REGEX_BAD: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow support {
  channel chat
  start welcome

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent                   handoff general
    when text matches /投诉|(complain/  handoff general priority high
  }

  state welcome {
    say "Welcome to Acme Bank."
    end
  }
}
"#;

pub const INVALID_REGEX_FIXED: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow support {
  channel chat
  start welcome

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent                  handoff general
    when text matches /投诉|complain/  handoff general priority high
  }

  state welcome {
    say "Welcome to Acme Bank."
    end
  }
}
"#;

pub const INVALID_HOURS_BAD: &str = r#"hours office {
  timezone "Asia/Beijing"
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
    say "Our agents are available Monday to Friday, 9:00 to 18:00."
    end
  }

  escalate {
    when intent agent handoff general
  }

  state welcome {
    say "Welcome to Acme Bank."
    end
  }
}
"#;

pub const INVALID_HOURS_FIXED: &str = r#"hours office {
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
    say "Our agents are available Monday to Friday, 9:00 to 18:00."
    end
  }

  escalate {
    when intent agent handoff general
  }

  state welcome {
    say "Welcome to Acme Bank."
    end
  }
}
"#;

pub const RESERVED_NAME_BAD: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow support {
  channel chat
  start welcome

  slot text: text

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state welcome {
    ask text "Please describe your problem in a few words."
    handoff general reason "problem described"
  }
}
"#;

pub const RESERVED_NAME_FIXED: &str = r#"queue general { }

intent agent {
  "agent"  "talk to a person"  "转人工"
}

flow support {
  channel chat
  start welcome

  slot problem: text

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state welcome {
    ask problem "Please describe your problem in a few words."
    handoff general reason "problem described"
  }
}
"#;

pub const VALUE_OUT_OF_RANGE_BAD: &str = r#"queue general { }

flow support {
  channel chat
  start welcome

  slot reply: text
  on no_match retry 99999999999999999999999 then handoff general

  state welcome {
    ask reply "How can we help?"
    handoff general
  }
}
"#;

pub const VALUE_OUT_OF_RANGE_FIXED: &str = r#"queue general { }

flow support {
  channel chat
  start welcome

  slot reply: text
  on no_match retry 2 then handoff general

  state welcome {
    ask reply "How can we help?"
    handoff general
  }
}
"#;

pub const DIVISION_BY_ZERO_BAD: &str = r#"queue general { }

flow party {
  channel chat
  start welcome

  slot guests: integer = 4
  slot per_table: number

  on no_match retry 2 then handoff general

  state welcome {
    set per_table = guests / 0
    say "That is {per_table} guests per table."
    end
  }
}
"#;

pub const DIVISION_BY_ZERO_FIXED: &str = r#"queue general { }

flow party {
  channel chat
  start welcome

  slot guests: integer = 4
  slot per_table: number

  on no_match retry 2 then handoff general

  state welcome {
    set per_table = guests / 2
    say "That is {per_table} guests per table."
    end
  }
}
"#;

pub const INTERPOLATED_LABEL_BAD: &str = r#"queue general { }

intent agent {
  "agent"  "转人工"
}

flow support {
  channel chat
  start main_menu

  slot name: text

  on no_match retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state main_menu {
    ask name "What is your name?"
    menu "What can I do for you?" {
      option "Orders of {name}" goto orders
      option "Something else"   handoff general
    }
  }

  state orders {
    say "Your orders are on their way."
    end
  }
}
"#;

pub const INTERPOLATED_LABEL_FIXED: &str = r#"queue general { }

intent agent {
  "agent"  "转人工"
}

flow support {
  channel chat
  start main_menu

  slot name: text

  on no_match retry 2 then handoff general

  escalate {
    when intent agent handoff general
  }

  state main_menu {
    ask name "What is your name?"
    menu "What can I do for you, {name}?" {
      option "My orders"      goto orders
      option "Something else" handoff general
    }
  }

  state orders {
    say "Your orders are on their way."
    end
  }
}
"#;

pub const VOICE_ONLY_IN_CHAT_BAD: &str = r#"queue billing { }

flow web_help {
  channel chat
  start welcome

  state welcome {
    say "Let me put you through to billing."
    transfer "+861012345678"
  }
}
"#;

pub const VOICE_ONLY_IN_CHAT_FIXED: &str = r#"queue billing { }

flow web_help {
  channel chat
  start welcome

  state welcome {
    say "Let me put you through to billing."
    handoff billing
  }
}
"#;

pub const MAX_DIGITS_TOO_SHORT_BAD: &str = r#"queue cards { }

flow card_line {
  channel voice
  start pin
  on no_match retry 2 then handoff cards
  on no_input retry 2 then handoff cards

  slot last4: digits(4)

  state pin {
    ask last4 "Please key in the last four digits of your card." max_digits 3
    handoff cards
  }
}
"#;

pub const MAX_DIGITS_TOO_SHORT_FIXED: &str = r#"queue cards { }

flow card_line {
  channel voice
  start pin
  on no_match retry 2 then handoff cards
  on no_input retry 2 then handoff cards

  slot last4: digits(4)

  state pin {
    ask last4 "Please key in the last four digits of your card." max_digits 4
    handoff cards
  }
}
"#;

pub const DUPLICATE_SETTING_BAD: &str = r#"queue cards { }

flow card_line {
  channel voice
  start pin
  on no_match retry 2 then handoff cards
  on no_input retry 2 then handoff cards

  slot last4: digits(4)

  state pin {
    ask last4 "Please key in the last four digits of your card." timeout 5s timeout 10s
    handoff cards
  }
}
"#;

pub const DUPLICATE_SETTING_FIXED: &str = r#"queue cards { }

flow card_line {
  channel voice
  start pin
  on no_match retry 2 then handoff cards
  on no_input retry 2 then handoff cards

  slot last4: digits(4)

  state pin {
    ask last4 "Please key in the last four digits of your card." timeout 10s
    handoff cards
  }
}
"#;

pub const INTERPOLATION_NOT_ALLOWED_BAD: &str = r#"queue general { }

flow welcome_line {
  channel voice
  start welcome
  slot region: enum { north south }

  state welcome {
    play "https://cdn.example.com/ivr/welcome-{region}.wav" or say "Welcome to Acme Bank, {region} office."
    handoff general
  }
}
"#;

pub const INTERPOLATION_NOT_ALLOWED_FIXED: &str = r#"queue general { }

flow welcome_line {
  channel voice
  start welcome
  slot region: enum { north south }

  state welcome {
    if region == north {
      play "https://cdn.example.com/ivr/welcome-north.wav" or say "Welcome to Acme Bank, north office."
    } else {
      play "https://cdn.example.com/ivr/welcome-south.wav" or say "Welcome to Acme Bank, south office."
    }
    handoff general
  }
}
"#;
