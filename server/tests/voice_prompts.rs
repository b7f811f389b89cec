//! The voice additions over HTTP: the Turn JSON (`play` outputs, `language` on outputs,
//! `expecting` timing, status `transferred` with `transfer`) and the TwiML webhook (`<Play>`,
//! `<Say language>`, `<Gather>` timing from the flow, `<Dial>` for a transfer).

mod support;

use serde_json::json;
use support::*;

const FLOW: &str = r##"queue agents { }

flow hotline {
  channel voice
  language "zh-CN"
  start welcome
  timeout 6s
  finish_key "#"

  slot account: digits(8)
  on no_match retry 2 "抱歉，我没有听清。" and prompt then handoff agents
  on no_input retry 1 then handoff agents

  state welcome {
    play "audio/welcome.wav" or say "欢迎致电。"
    say "For English, stay on the line." language "en-US"
    menu "查询账户请按1，维修请按2。" timeout 5s {
      option "账户" key 1 goto account_info
      option "维修" key 2 transfer "+861012345678" reason "repair"
    }
  }

  state account_info {
    ask account play "audio/account.wav" or say "请输入八位账号，以#号键结束。" timeout 8s
    transfer "sip:billing@desk.example.com"
  }
}
"##;

#[tokio::test]
async fn the_turn_carries_recordings_languages_timing_and_transfers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = bundle(dir.path(), FLOW);
    let server = Server::start(dir.path(), "voice-api", &bundle, &[]);
    let http = client();
    let (status, turn) = post(
        &http,
        &server.url("/v1/conversations"),
        json!({"flow": "hotline", "channel": "voice"}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{turn}");
    assert_eq!(
        turn["outputs"],
        json!([
            {"type": "play", "url": "audio/welcome.wav", "text": "欢迎致电。", "language": "zh-CN"},
            {"type": "say", "text": "For English, stay on the line.", "language": "en-US"},
            {"type": "say", "text": "查询账户请按1，维修请按2。", "language": "zh-CN"},
        ])
    );
    assert_eq!(turn["expecting"]["timeout_ms"], 5000);
    assert_eq!(turn["expecting"]["finish_key"], "#");
    assert!(turn["expecting"].get("max_digits").is_none(), "{turn}");
    let id = turn["id"].as_str().expect("id").to_string();
    let input = server.url(&format!("/v1/conversations/{id}/input"));
    let (_, turn) = post(&http, &input, json!({"keys": "9"}), None).await;
    assert_eq!(
        says(&turn),
        ["抱歉，我没有听清。", "查询账户请按1，维修请按2。"]
    );
    let (_, turn) = post(&http, &input, json!({"keys": "1"}), None).await;
    // The ask's prompt is a recording: a `play` output, then what it expects.
    assert_eq!(
        turn["outputs"],
        json!([{"type": "play", "url": "audio/account.wav", "text": "请输入八位账号，以#号键结束。", "language": "zh-CN"}])
    );
    assert_eq!(turn["expecting"]["kind"], "ask");
    assert_eq!(turn["expecting"]["timeout_ms"], 8000);
    assert_eq!(turn["expecting"]["max_digits"], 8);
    let (status, turn) = post(&http, &input, json!({"keys": "12345678"}), None).await;
    assert_eq!(status, 200, "{turn}");
    assert_eq!(turn["status"], "transferred");
    assert_eq!(
        turn["transfer"],
        json!({"to": "sip:billing@desk.example.com"})
    );
    let (status, body) = post(&http, &input, json!({"keys": "1"}), None).await;
    assert_error(status, &body, 409, "conversation_transferred");

    let (_, turn) = post(
        &http,
        &server.url("/v1/conversations"),
        json!({"flow": "hotline", "channel": "voice"}),
        None,
    )
    .await;
    let id = turn["id"].as_str().expect("id").to_string();
    let input = server.url(&format!("/v1/conversations/{id}/input"));
    let (_, turn) = post(&http, &input, json!({"keys": "2"}), None).await;
    assert_eq!(turn["status"], "transferred");
    assert_eq!(
        turn["transfer"],
        json!({"to": "+861012345678", "reason": "repair"})
    );
}

fn twiml(xml: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("not XML ({e}): {xml}"))
}

#[tokio::test]
async fn twiml_plays_recordings_gathers_as_the_flow_says_and_dials_a_transfer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = bundle(dir.path(), FLOW);
    let config = write(
        dir.path(),
        "voice.toml",
        "[voice]\nflow = \"hotline\"\naudio_base_url = \"https://cdn.example.com/ivr/\"\n",
    );
    let server = Server::start(
        dir.path(),
        "voice-twiml",
        &bundle,
        &["--config", config.to_str().expect("path")],
    );
    let http = client();
    let url = server.url("/v1/voice/twilio");
    let post = |params: Vec<(&'static str, &'static str)>| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let response = http.post(&url).form(&params).send().await.expect("request");
            response.text().await.expect("body")
        }
    };
    let xml = post(vec![("CallSid", "CAvoice")]).await;
    let doc = twiml(&xml);
    let gather = doc
        .descendants()
        .find(|n| n.has_tag_name("Gather"))
        .expect("a gather");
    assert_eq!(gather.attribute("timeout"), Some("5"), "{xml}");
    assert_eq!(gather.attribute("finishOnKey"), Some("#"), "{xml}");
    assert_eq!(gather.attribute("numDigits"), None, "{xml}");
    let inside: Vec<(String, Option<String>, String)> = gather
        .children()
        .filter(|n| n.is_element())
        .map(|n| {
            (
                n.tag_name().name().to_string(),
                n.attribute("language").map(str::to_string),
                n.text().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        inside,
        [
            (
                "Play".to_string(),
                None,
                "https://cdn.example.com/ivr/audio/welcome.wav".to_string()
            ),
            (
                "Say".to_string(),
                Some("en-US".to_string()),
                "For English, stay on the line.".to_string()
            ),
            (
                "Say".to_string(),
                Some("zh-CN".to_string()),
                "查询账户请按1，维修请按2。".to_string()
            ),
        ]
    );
    let xml = post(vec![("CallSid", "CAvoice"), ("Digits", "1")]).await;
    let doc = twiml(&xml);
    let gather = doc
        .descendants()
        .find(|n| n.has_tag_name("Gather"))
        .expect("a gather");
    assert_eq!(gather.attribute("timeout"), Some("8"), "{xml}");
    assert_eq!(gather.attribute("numDigits"), Some("8"), "{xml}");
    // The recorded prompt of the ask is played inside its gather.
    let played: Vec<&str> = gather
        .children()
        .filter(|n| n.has_tag_name("Play"))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(
        played,
        ["https://cdn.example.com/ivr/audio/account.wav"],
        "{xml}"
    );
    let xml = post(vec![("CallSid", "CAvoice"), ("Digits", "12345678")]).await;
    let doc = twiml(&xml);
    let sip = doc
        .descendants()
        .find(|n| n.has_tag_name("Sip"))
        .unwrap_or_else(|| panic!("a SIP dial: {xml}"));
    assert_eq!(sip.text(), Some("sip:billing@desk.example.com"));
    assert_eq!(sip.parent().map(|p| p.tag_name().name()), Some("Dial"));

    let xml = post(vec![("CallSid", "CAother")]).await;
    assert!(xml.contains("<Gather"), "{xml}");
    let xml = post(vec![("CallSid", "CAother"), ("Digits", "2")]).await;
    let doc = twiml(&xml);
    let dial = doc
        .descendants()
        .find(|n| n.has_tag_name("Dial"))
        .unwrap_or_else(|| panic!("a dial: {xml}"));
    assert_eq!(dial.text(), Some("+861012345678"));
}
