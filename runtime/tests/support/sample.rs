//! A hand-assembled sample bundle (a small phone-banking flow) shared by the runtime's
//! integration tests, with a two-pass label assembler.

#![allow(dead_code)]

use csflow_runtime::bundle::*;
use std::collections::HashMap;

type Program = Vec<(&'static str, Instr)>;

/// Assembles a program written against label names: pass 1 finds where labels are, pass 2
/// fills them in.
pub fn assemble(
    program: impl Fn(&dyn Fn(&str) -> Pc) -> Program,
) -> (Vec<Instr>, HashMap<String, Pc>) {
    let first = program(&|_| 0);
    let mut labels = HashMap::new();
    for (pc, (label, _)) in first.iter().enumerate() {
        if !label.is_empty() {
            labels.insert(label.to_string(), pc as Pc);
        }
    }
    let at = |name: &str| {
        *labels
            .get(name)
            .unwrap_or_else(|| panic!("no label {name}"))
    };
    let code = program(&at).into_iter().map(|(_, i)| i).collect();
    (code, labels)
}

/// Monday 2026-11-23 10:00 office time (open).
pub fn monday() -> csflow_runtime::Clock {
    csflow_runtime::Clock::WallClock(
        chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap(),
    )
}

pub struct Strings(pub Interner);

impl Strings {
    pub fn s(&mut self, text: &str) -> StrId {
        self.0.intern(text)
    }
}

pub fn sample() -> Bundle {
    let mut st = Strings(Interner::default());
    let s = &mut st;
    let file = s.s("flows/bank.csflow");
    let t = |hour, minute| Time { hour, minute };
    let hours = vec![Hours {
        name: s.s("office"),
        timezone: s.s("Asia/Shanghai"),
        weekly: (0..5)
            .map(|day| WeeklyRange {
                day,
                start: t(9, 0),
                end: t(18, 0),
            })
            .collect(),
        closed: vec![DateRange {
            first: Date {
                year: 2026,
                month: 10,
                day: 1,
            },
            last: Date {
                year: 2026,
                month: 10,
                day: 7,
            },
        }],
    }];
    let queues = vec![
        Queue {
            name: s.s("general"),
            hours: Some(0),
            skills: vec![],
        },
        Queue {
            name: s.s("care"),
            hours: None,
            skills: vec![],
        },
        Queue {
            name: s.s("cards"),
            hours: None,
            skills: vec![s.s("cards")],
        },
    ];
    let intents = vec![
        Intent {
            name: s.s("agent"),
            examples: vec![s.s("agent"), s.s("talk to a person"), s.s("转人工")],
        },
        Intent {
            name: s.s("lost_card"),
            examples: vec![
                s.s("I lost my card"),
                s.s("my card was stolen"),
                s.s("卡丢了"),
                s.s("挂失"),
            ],
        },
    ];
    let knowledge = vec![KnowledgeBase {
        name: s.s("faq"),
        entries: vec![KnowledgeEntry {
            name: s.s("opening_hours"),
            questions: vec![s.s("What are your opening hours?"), s.s("你们几点上班")],
            answer: s.s("We are open Monday to Friday, 9:00 to 18:00."),
            tags: vec![s.s("hours")],
        }],
    }];
    let services = vec![Service {
        name: s.s("cards"),
        timeout_ms: 3000,
        operations: vec![Operation {
            name: s.s("block"),
            params: vec![Field {
                name: s.s("last4"),
                ty: SlotType::Digits {
                    min: Some(4),
                    max: Some(4),
                },
            }],
            returns: vec![
                Field {
                    name: s.s("ok"),
                    ty: SlotType::Bool,
                },
                Field {
                    name: s.s("reference"),
                    ty: SlotType::Text,
                },
            ],
        }],
    }];
    let vars = vec![
        Var {
            name: s.s("card_last4"),
            ty: SlotType::Digits {
                min: Some(4),
                max: Some(4),
            },
            sensitive: true,
            default: Const::None,
            is_result: false,
        },
        Var {
            name: s.s("more"),
            ty: SlotType::YesNo,
            sensitive: false,
            default: Const::None,
            is_result: false,
        },
        Var {
            name: s.s("result"),
            ty: SlotType::Record,
            sensitive: false,
            default: Const::None,
            is_result: true,
        },
    ];
    let state_names = [
        "welcome",
        "main_menu",
        "card_services",
        "hours_info",
        "goodbye",
        "after_hours",
        "tech",
        "loop_forever",
    ];
    let state_ids: Vec<StrId> = state_names.iter().map(|n| s.s(n)).collect();
    let welcome = s.s("Welcome to Acme Bank.");
    let menu_prompt = s.s("Press 1 for cards, 2 for opening hours, 0 for an agent.");
    let sorry = s.s("Sorry, please press 1, 2 or 0.");
    let ask_prompt = s.s("Please key in the last four digits of your card.");
    let blocked = s.s("Blocked card {1}. Your reference is {0}.");
    let block_failed = s.s("block failed");
    let ok = s.s("ok");
    let reference = s.s("reference");
    let topic = s.s("opening hours");
    let goodbye = s.s("Goodbye.");
    let closed_msg = s.s("We are closed.");
    let tech = s.s("Technical problem.");
    let service_error = s.s("service error");
    let upset = s.s("upset customer");
    let state = |name: &str| state_names.iter().position(|n| *n == name).unwrap() as u32;
    let (code, labels) = assemble(|l| {
        vec![
            (
                "welcome",
                Instr::Say {
                    text: welcome,
                    args: 0,
                },
            ),
            ("", Instr::Goto(state("main_menu"))),
            (
                "main_menu",
                Instr::Say {
                    text: menu_prompt,
                    args: 0,
                },
            ),
            ("mm_wait", Instr::Wait(0)),
            ("mm_after", Instr::End),
            ("opt_cards", Instr::Goto(state("card_services"))),
            ("opt_hours", Instr::Goto(state("hours_info"))),
            (
                "opt_agent",
                Instr::Handoff {
                    queue: 0,
                    priority: Priority::Normal,
                    reason: None,
                    args: 0,
                    on_closed: None,
                },
            ),
            ("opt_menu", Instr::Goto(state("main_menu"))),
            ("opt_loop", Instr::Goto(state("loop_forever"))),
            (
                "mm_sorry",
                Instr::Say {
                    text: sorry,
                    args: 0,
                },
            ),
            ("", Instr::Resume),
            (
                "mm_nomatch",
                Instr::Handoff {
                    queue: 0,
                    priority: Priority::Normal,
                    reason: None,
                    args: 0,
                    on_closed: None,
                },
            ),
            ("card_services", Instr::Load(0)),
            ("", Instr::IsSet),
            ("", Instr::JumpIfTrue(l("cs_after_ask"))),
            (
                "cs_prompt",
                Instr::Say {
                    text: ask_prompt,
                    args: 0,
                },
            ),
            ("", Instr::Wait(1)),
            ("cs_after_ask", Instr::Load(0)),
            (
                "",
                Instr::Call {
                    service: 0,
                    operation: 0,
                    into: Some(2),
                    on_error: None,
                },
            ),
            ("", Instr::Load(2)),
            ("", Instr::Field(ok)),
            ("", Instr::JumpIfFalse(l("cs_else"))),
            ("", Instr::Load(2)),
            ("", Instr::Field(reference)),
            ("", Instr::Load(0)),
            (
                "",
                Instr::Say {
                    text: blocked,
                    args: 2,
                },
            ),
            ("", Instr::Jump(l("cs_end"))),
            (
                "cs_else",
                Instr::Handoff {
                    queue: 2,
                    priority: Priority::Normal,
                    reason: Some(block_failed),
                    args: 0,
                    on_closed: None,
                },
            ),
            ("cs_end", Instr::Goto(state("goodbye"))),
            (
                "hours_info",
                Instr::Answer {
                    knowledge: 0,
                    topic: Some(topic),
                    args: 0,
                    found: l("hi_found"),
                },
            ),
            (
                "",
                Instr::Handoff {
                    queue: 1,
                    priority: Priority::Normal,
                    reason: None,
                    args: 0,
                    on_closed: None,
                },
            ),
            ("hi_found", Instr::Goto(state("goodbye"))),
            (
                "goodbye",
                Instr::Say {
                    text: goodbye,
                    args: 0,
                },
            ),
            ("", Instr::End),
            (
                "after_hours",
                Instr::Say {
                    text: closed_msg,
                    args: 0,
                },
            ),
            ("", Instr::End),
            (
                "tech",
                Instr::Say {
                    text: tech,
                    args: 0,
                },
            ),
            (
                "",
                Instr::Handoff {
                    queue: 1,
                    priority: Priority::Normal,
                    reason: Some(service_error),
                    args: 0,
                    on_closed: None,
                },
            ),
            ("loop_forever", Instr::Jump(l("loop_forever"))),
            (
                "f_nomatch",
                Instr::Handoff {
                    queue: 0,
                    priority: Priority::Normal,
                    reason: None,
                    args: 0,
                    on_closed: None,
                },
            ),
            ("f_noinput", Instr::Goto(state("goodbye"))),
            ("f_closed", Instr::Goto(state("after_hours"))),
            ("f_error", Instr::Goto(state("tech"))),
            ("escalate", Instr::IntentIs(0)),
            ("", Instr::JumpIfFalse(l("esc2"))),
            (
                "",
                Instr::Handoff {
                    queue: 0,
                    priority: Priority::Normal,
                    reason: None,
                    args: 0,
                    on_closed: None,
                },
            ),
            ("esc2", Instr::Builtin(Builtin::Sentiment)),
            ("", Instr::PushNumber(-0.6)),
            ("", Instr::Compare(CmpOp::Lt)),
            ("", Instr::JumpIfFalse(l("esc_done"))),
            (
                "",
                Instr::Handoff {
                    queue: 1,
                    priority: Priority::High,
                    reason: Some(upset),
                    args: 0,
                    on_closed: None,
                },
            ),
            ("esc_done", Instr::Deliver),
        ]
    });
    let l = |name: &str| labels[name];
    let option = |s: &mut Strings,
                  label: &str,
                  key: &str,
                  intents: Vec<u32>,
                  phrases: Vec<&str>,
                  action: &str| MenuOption {
        label: s.s(label),
        keys: vec![s.s(key)].into(),
        intents,
        phrases: phrases.into_iter().map(|p| s.s(p)).collect(),
        action: l(action),
    };
    let options = vec![
        option(s, "Card services", "1", vec![1], vec![], "opt_cards"),
        option(
            s,
            "Opening hours",
            "2",
            vec![],
            vec!["when are you open"],
            "opt_hours",
        ),
        option(s, "Agent", "0", vec![0], vec![], "opt_agent"),
        option(s, "Menu again", "3", vec![], vec![], "opt_menu"),
        option(s, "Loop", "9", vec![], vec![], "opt_loop"),
    ];
    let points = vec![
        InputPoint {
            kind: PointKind::Menu { options },
            prompt: l("main_menu"),
            after: l("mm_after"),
            no_match: Some(InputHandler {
                retries: 2,
                retry_message: Some(l("mm_sorry")),
                action: l("mm_nomatch"),
            }),
            no_input: None,
            items: None,
            timing: Default::default(),
        },
        InputPoint {
            kind: PointKind::Ask { var: 0 },
            prompt: l("cs_prompt"),
            after: l("cs_after_ask"),
            no_match: None,
            no_input: None,
            items: None,
            timing: Default::default(),
        },
    ];
    let states = state_names
        .iter()
        .zip(&state_ids)
        .map(|(n, id)| State {
            name: *id,
            entry: l(n),
        })
        .collect();
    let locs = (0..code.len() as u32)
        .map(|i| Loc {
            file: 0,
            line: i + 1,
            col: 3,
        })
        .collect();
    let flow = Flow {
        name: s.s("bank"),
        channel: FlowChannel::Voice,
        timezone: None,
        language: None,
        start: 0,
        vars,
        states,
        points,
        handlers: FlowHandlers {
            no_match: Some(InputHandler {
                retries: 2,
                retry_message: None,
                action: l("f_nomatch"),
            }),
            no_input: Some(InputHandler {
                retries: 1,
                retry_message: None,
                action: l("f_noinput"),
            }),
            closed: Some(l("f_closed")),
            error: Some(l("f_error")),
        },
        escalate: Some(l("escalate")),
        code,
        locs,
    };
    let regex = s.s("投诉|complain");
    Bundle {
        compiler_version: "test".into(),
        files: vec![file],
        regexes: vec![regex],
        hours,
        queues,
        intents,
        knowledge,
        services,
        flows: vec![flow],
        models: Default::default(),
        strings: std::mem::take(&mut st.0).into_strings(),
    }
}
