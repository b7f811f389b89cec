//! The TwiML webhook with the provider's requests simulated: form-encoded posts keyed by
//! CallSid, signed with X-Twilio-Signature; every answer parsed as XML and checked.

mod support;

use support::*;

const AUTH: &str = "twilio-auth-token-0123456789";

async fn call(
    http: &reqwest::Client,
    server: &Server,
    params: &[(&str, &str)],
    signature: Option<String>,
) -> (u16, String) {
    let url = server.url("/v1/voice/twilio");
    let owned: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let signature =
        signature.unwrap_or_else(|| csflow_server::voice::signature(AUTH, &url, &owned));
    let response = http
        .post(&url)
        .header("x-twilio-signature", signature)
        .form(params)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

/// Name/value pairs: a verb's attributes, or its children (tag[@language], text).
type Pairs = Vec<(String, String)>;

/// The TwiML document: the verbs under <Response>, as (name, attributes, text or children).
fn verbs(xml: &str) -> Vec<(String, Pairs, Pairs)> {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("not XML ({e}): {xml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "Response", "{xml}");
    root.children()
        .filter(|n| n.is_element())
        .map(|n| {
            let attrs = n
                .attributes()
                .map(|a| (a.name().to_string(), a.value().to_string()))
                .collect();
            let inner = if n.children().any(|c| c.is_element()) {
                n.children()
                    .filter(|c| c.is_element())
                    .map(|c| {
                        let lang = c.attribute("language").unwrap_or("").to_string();
                        (
                            format!(
                                "{}{}",
                                c.tag_name().name(),
                                if lang.is_empty() {
                                    String::new()
                                } else {
                                    format!("@{lang}")
                                }
                            ),
                            c.text().unwrap_or("").to_string(),
                        )
                    })
                    .collect()
            } else {
                vec![(String::new(), n.text().unwrap_or("").to_string())]
            };
            (n.tag_name().name().to_string(), attrs, inner)
        })
        .collect()
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn a_phone_call_through_menus_an_ask_silence_and_the_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = bundle(dir.path(), &demo_source());
    let config = write(
        dir.path(),
        "voice.toml",
        "[voice]\nauth_token_env = \"TWILIO_AUTH\"\nflow = \"hotline\"\ngather_timeout_secs = 6\n\n[voice.dial]\nagents = \"+861012345678\"\n",
    );
    let server = Server::start_env(
        dir.path(),
        "voice",
        &bundle,
        &["--config", config.to_str().expect("path")],
        &[("TWILIO_AUTH", AUTH)],
    );
    let http = client();

    let (s, xml) = call(
        &http,
        &server,
        &[
            ("CallSid", "CA100"),
            ("From", "+8613800000000"),
            ("CallStatus", "ringing"),
        ],
        None,
    )
    .await;
    assert_eq!(s, 200, "{xml}");
    let v = verbs(&xml);
    assert_eq!(v.len(), 1, "{xml}");
    let (name, attrs, inner) = &v[0];
    assert_eq!(name, "Gather");
    assert_eq!(attr(attrs, "input"), Some("dtmf speech"));
    assert_eq!(
        attr(attrs, "numDigits"),
        Some("1"),
        "menu keys are one digit"
    );
    assert_eq!(attr(attrs, "timeout"), Some("6"));
    assert_eq!(attr(attrs, "action"), Some("/v1/voice/twilio"));
    assert_eq!(inner[0].0, "Say");
    assert!(inner[0].1.starts_with("Welcome."), "{xml}");

    let (_, xml) = call(
        &http,
        &server,
        &[("CallSid", "CA100"), ("Digits", "1")],
        None,
    )
    .await;
    let v = verbs(&xml);
    let (name, attrs, inner) = &v[0];
    assert_eq!(name, "Gather");
    assert_eq!(
        attr(attrs, "numDigits"),
        Some("6"),
        "a digits(6) slot: {xml}"
    );
    assert_eq!(attr(attrs, "finishOnKey"), Some("#"));
    assert!(inner[0].1.contains("six digit"), "{xml}");

    // An empty gather is a time-out: the prompt again.
    let (_, xml) = call(
        &http,
        &server,
        &[("CallSid", "CA100"), ("Digits", "")],
        None,
    )
    .await;
    let v = verbs(&xml);
    assert_eq!(v[0].0, "Gather", "{xml}");
    assert!(v[0].2.iter().any(|(_, t)| t.contains("six digit")), "{xml}");

    let (_, xml) = call(
        &http,
        &server,
        &[("CallSid", "CA100"), ("Digits", "123456#")],
        None,
    )
    .await;
    let v = verbs(&xml);
    let names: Vec<&str> = v.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, ["Say", "Say", "Hangup"], "{xml}");
    assert_eq!(v[0].2[0].1, "Thank you.");
    assert!(
        !xml.contains("123456"),
        "the account number is not said back: {xml}"
    );

    // After the end, the call only hangs up.
    let (_, xml) = call(
        &http,
        &server,
        &[("CallSid", "CA100"), ("Digits", "1")],
        None,
    )
    .await;
    assert_eq!(verbs(&xml)[0].0, "Hangup", "{xml}");

    // A hand-off dials the queue's number; speech input works like text.
    let (_, _) = call(&http, &server, &[("CallSid", "CA200")], None).await;
    let (_, xml) = call(
        &http,
        &server,
        &[
            ("CallSid", "CA200"),
            ("SpeechResult", "agent please"),
            ("Digits", "0"),
        ],
        None,
    )
    .await;
    let v = verbs(&xml);
    let last = v.last().expect("verbs");
    assert_eq!(last.0, "Dial", "{xml}");
    assert_eq!(last.2[0].1, "+861012345678");

    // Bad and missing signatures are refused with the JSON error.
    let (s, body) = call(
        &http,
        &server,
        &[("CallSid", "CA300")],
        Some("bm90IGEgc2lnbmF0dXJl".into()),
    )
    .await;
    assert_eq!(s, 401, "{body}");
    let error: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(error["error"]["code"], "bad_signature");
    let url = server.url("/v1/voice/twilio");
    let response = http
        .post(&url)
        .form(&[("CallSid", "CA300")])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 401);
    // A signature over other parameters does not fit these.
    let forged = csflow_server::voice::signature(AUTH, &url, &[("CallSid".into(), "CA301".into())]);
    let (s, _) = call(&http, &server, &[("CallSid", "CA300")], Some(forged)).await;
    assert_eq!(s, 401);
    let (s, body) = call(&http, &server, &[("From", "+1")], None).await;
    assert_eq!(s, 400, "{body}");
    assert!(!server.log_text().contains(AUTH));
}

#[tokio::test]
async fn chinese_prompts_carry_the_language_and_a_hand_off_enqueues() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = bundle(dir.path(), &demo_source());
    let config = write(dir.path(), "zh.toml", "[voice]\nflow = \"zh_hotline\"\n");
    let server = Server::start(
        dir.path(),
        "zh-voice",
        &bundle,
        &["--config", config.to_str().expect("path")],
    );
    let http = client();
    let url = server.url("/v1/voice/twilio");
    let post = |params: Vec<(&'static str, &'static str)>| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let response = http.post(&url).form(&params).send().await.expect("request");
            assert_eq!(
                response.headers()["content-type"],
                "text/xml; charset=utf-8"
            );
            response.text().await.expect("body")
        }
    };
    let xml = post(vec![("CallSid", "CAzh")]).await;
    let v = verbs(&xml);
    assert_eq!(attr(&v[0].1, "language"), Some("zh-CN"), "{xml}");
    assert_eq!(v[0].2[0].0, "Say@zh-CN", "{xml}");
    assert_eq!(v[0].2[0].1, "您好，查询订单请按1，人工服务请按0。");
    let xml = post(vec![("CallSid", "CAzh"), ("Digits", "0")]).await;
    let v = verbs(&xml);
    assert_eq!(v.last().expect("verb").0, "Enqueue", "{xml}");
    assert_eq!(v.last().expect("verb").2[0].1, "agents");
}
