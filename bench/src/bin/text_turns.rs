//! Free-text turns against a 50-intent model:
//! `cargo run --release -p csflow-bench --bin text_turns -- M K`.
//!
//! Compiles a generated chat project in-process: 50 intents of 5 examples each (English and
//! Chinese, the way designers write them), a flow whose `escalate` block has a sentiment
//! rule, two intent rules and a `text matches` rule, and a menu whose options are picked by
//! intent. Then M conversations each get K typed replies, round-robin, drawn from a pool of
//! paraphrases and ordinary requests that trip no escalation rule (so every conversation
//! stays waiting): every turn evaluates all four rules — sentiment, the intent scores (once
//! per turn), the regex — and then the menu's intent match. Prints one JSON line with turns
//! per second on one thread (creation excluded).

use csflow_bench::compile_source;
use csflow_runtime::{Channel, Clock, Conversation, Env, Input, NoServices, Status};
use std::fmt::Write;
use std::process::ExitCode;
use std::time::Instant;

const TOPICS: [(&str, &str); 24] = [
    ("bill", "账单"),
    ("card", "银行卡"),
    ("flight", "航班"),
    ("password", "密码"),
    ("order", "订单"),
    ("parcel", "包裹"),
    ("appointment", "预约"),
    ("balance", "余额"),
    ("data plan", "流量套餐"),
    ("address", "地址"),
    ("subscription", "订阅"),
    ("delivery", "配送"),
    ("loan", "贷款"),
    ("insurance", "保险"),
    ("meter reading", "电表读数"),
    ("tariff", "资费"),
    ("contract", "合约"),
    ("seat", "座位"),
    ("luggage", "行李"),
    ("phone number", "手机号"),
    ("payment", "付款"),
    ("invoice", "发票"),
    ("refund", "退款"),
    ("ticket", "机票"),
];

const ACTIONS: [(&str, &str); 2] = [("check", "查询"), ("change", "修改")];

/// Replies of the measured turns: paraphrases, other requests, no escalation.
const POOL: [&str; 16] = [
    "why is my bill so high",
    "I would like to change the address on my account",
    "can you look at my parcel please",
    "我想查一下我的订单",
    "帮我改一下密码",
    "what is the balance of my account",
    "I need to change my flight to Friday",
    "我的包裹到哪了",
    "how much data is left on my plan",
    "please check the status of my refund",
    "我想修改一下配送地址",
    "what's the weather like today",
    "can I change my seat",
    "查询一下电表读数",
    "my invoice from last month",
    "我要改签机票",
];

fn project() -> String {
    let mut src = String::from("queue care { skills [\"care\"] }\n\n");
    let mut names = Vec::new();
    for (topic, zh_topic) in TOPICS {
        for (action, zh_action) in ACTIONS {
            let name = format!("{action}_{}", topic.replace(' ', "_"));
            let _ = writeln!(
                src,
                "intent {name} {{\n  \"{action} my {topic}\"\n  \"I want to {action} my {topic}\"\n  \"can you {action} the {topic}\"\n  \"{zh_action}{zh_topic}\"\n  \"我想{zh_action}一下{zh_topic}\"\n}}\n"
            );
            names.push(name);
        }
    }
    src.push_str(
        "intent agent {\n  \"agent\"\n  \"talk to a person\"\n  \"representative\"\n  \"转人工\"\n  \"人工客服\"\n}\n\n\
         intent complaint {\n  \"complaint\"\n  \"make a complaint\"\n  \"formal complaint\"\n  \"我要投诉\"\n  \"我要给差评\"\n}\n\n",
    );
    src.push_str(
        "flow chat {\n  start main\n  escalate {\n    when sentiment < -0.6 handoff care priority high reason \"upset\"\n    when intent agent handoff care\n    when intent complaint handoff care reason \"complaint\"\n    when text matches /(?i)unsubscribe|delete my data/ handoff care reason \"privacy\"\n  }\n  on no_match goto main\n  on no_input goto main\n\n  state main {\n    menu \"How can I help?\" {\n",
    );
    for name in &names {
        let _ = writeln!(src, "      option \"{name}\" intent {name} goto main");
    }
    src.push_str("      option \"Agent\" handoff care\n    }\n  }\n}\n");
    src
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parsed = match args.as_slice() {
        [m, k] => m.parse::<usize>().ok().zip(k.parse::<usize>().ok()),
        _ => None,
    };
    let Some((m, k)) = parsed else {
        eprintln!("usage: text_turns M K");
        return ExitCode::from(2);
    };
    match run(m, k) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("text_turns: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(m: usize, k: usize) -> Result<(), String> {
    let source = project();
    let bundle = compile_source("text_turns.csflow", source.into_bytes())?;
    let intents = bundle.intents.len();
    let mut services = NoServices;
    let mut env = Env {
        clock: Clock::test_default(),
        services: &mut services,
    };
    let mut conversations = Vec::with_capacity(m);
    for _ in 0..m {
        let (mut conversation, _) = Conversation::start(&bundle, "chat", Channel::Chat, &mut env)
            .map_err(|e| e.to_string())?;
        conversation.keep_transcript(false);
        conversations.push(conversation);
    }
    let inputs: Vec<Input> = POOL.iter().map(|t| Input::Text((*t).to_string())).collect();
    let mut said = 0u64;
    let started = Instant::now();
    for round in 0..k {
        for (i, conversation) in conversations.iter_mut().enumerate() {
            let input = inputs[(i + round) % inputs.len()].clone();
            let turn = conversation
                .input(&bundle, input, &mut env)
                .map_err(|e| e.to_string())?;
            if turn.status != Status::Waiting {
                return Err(format!("conversation {i} is {}", turn.status.as_str()));
            }
            said += turn.says().count() as u64;
        }
    }
    let run_s = started.elapsed().as_secs_f64();
    let turns = (m * k) as f64;
    println!(
        "{{\"bench\":\"text_turns\",\"intents\":{intents},\"M\":{m},\"K\":{k},\"runMs\":{:.1},\
         \"turnsPerSec\":{:.0},\"usPerTurn\":{:.3},\"says\":{said}}}",
        run_s * 1e3,
        turns / run_s,
        run_s * 1e6 / turns,
    );
    Ok(())
}
