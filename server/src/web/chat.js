// The csflow web chat page: talks to the JSON API of the server that serves it.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const messages = $("messages"), options = $("options"), keypad = $("keypad");
  const text = $("text"), send = $("send"), noAnswer = $("no-answer"), status = $("status");
  let conversation = null, channel = "chat", flows = [];

  function lang(s) { return /[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]/.test(s) ? "zh-CN" : "en"; }

  function add(who, message, extra) {
    const li = document.createElement("li");
    li.className = who + (extra ? " " + extra : "");
    li.lang = lang(message);
    li.textContent = message;
    messages.appendChild(li);
    li.scrollIntoView({ block: "nearest" });
  }

  function headers() {
    const h = { "content-type": "application/json" };
    const token = sessionStorage.getItem("csflow-token") || $("token").value;
    if (token) h.authorization = "Bearer " + token;
    return h;
  }

  async function api(method, path, body) {
    const response = await fetch(path, { method, headers: headers(), body: body ? JSON.stringify(body) : undefined });
    const json = await response.json().catch(() => ({ error: { code: "bad_answer", message: "the server did not answer JSON" } }));
    if (response.status === 401) { $("token-box").hidden = false; }
    if (!response.ok) throw new Error((json.error && json.error.message) || ("HTTP " + response.status));
    return json;
  }

  function setWaiting(waiting) {
    text.disabled = !waiting; send.disabled = !waiting;
    noAnswer.disabled = !waiting;
    for (const b of keypad.querySelectorAll("button")) b.disabled = !waiting;
  }

  function show(turn) {
    conversation = turn.id;
    for (const o of turn.outputs || []) add("bot", o.text);
    options.replaceChildren();
    if (turn.expecting && turn.expecting.options) {
      for (const option of turn.expecting.options) {
        const b = document.createElement("button");
        b.type = "button";
        b.lang = lang(option.label);
        b.textContent = option.key && channel === "voice" ? option.key + " · " + option.label : option.label;
        b.addEventListener("click", () => {
          if (channel === "voice" && option.key) input({ keys: option.key }, option.key);
          else input({ text: option.label }, option.label);
        });
        options.appendChild(b);
      }
    }
    if (turn.status === "handed_off") {
      const h = turn.handoff || {};
      add("event", "Handed off to " + (h.queue || "an agent") + (h.reason ? " — " + h.reason : ""), "handoff");
      status.textContent = "Handed off to a human agent.";
      setWaiting(false);
    } else if (turn.status === "ended") {
      add("event", "Conversation ended", "ended");
      status.textContent = "The conversation has ended.";
      setWaiting(false);
    } else if (turn.status === "failed" || turn.status === "transferred") {
      add("event", turn.status === "failed" ? "The conversation failed" : "Transferred", "error");
      setWaiting(false);
    } else {
      status.textContent = "";
      setWaiting(true);
      const first = options.querySelector("button");
      (first && channel === "chat" ? first : text).focus();
    }
  }

  async function input(body, shown) {
    if (!conversation) return;
    add("user", shown);
    setWaiting(false);
    try { show(await api("POST", "/v1/conversations/" + conversation + "/input", body)); }
    catch (e) { add("event", e.message, "error"); setWaiting(true); }
  }

  async function start(event) {
    event.preventDefault();
    const name = $("flow").value;
    const flow = flows.find((f) => f.name === name);
    channel = flow && flow.channel === "voice" ? "voice" : "chat";
    keypad.hidden = channel !== "voice";
    noAnswer.hidden = channel !== "voice";
    messages.replaceChildren();
    options.replaceChildren();
    try { show(await api("POST", "/v1/conversations", { flow: name, channel })); }
    catch (e) { add("event", e.message, "error"); }
  }

  function buildKeypad() {
    for (const k of ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"]) {
      const b = document.createElement("button");
      b.type = "button"; b.textContent = k; b.disabled = true;
      b.setAttribute("aria-label", "Key " + k);
      b.addEventListener("click", () => input({ keys: k }, k));
      keypad.appendChild(b);
    }
  }

  async function loadFlows() {
    try {
      const json = await api("GET", "/v1/flows");
      flows = json.flows;
      const select = $("flow");
      const previous = select.value;
      select.replaceChildren();
      for (const f of flows) {
        const o = document.createElement("option");
        o.value = f.name; o.textContent = f.name + " (" + f.channel + ")";
        select.appendChild(o);
      }
      if (flows.some((f) => f.name === previous)) select.value = previous;
    } catch (e) { add("event", e.message, "error"); }
  }

  async function pollStatus() {
    try {
      const response = await fetch("/status");
      const json = await response.json();
      const box = $("compile-error");
      box.hidden = !json.compile_error;
      box.textContent = json.compile_error ? "The flows do not compile; the last good version keeps running.\n\n" + json.compile_error : "";
    } catch (e) { /* the server is restarting */ }
  }

  $("start").addEventListener("submit", start);
  $("say").addEventListener("submit", (e) => {
    e.preventDefault();
    const value = text.value.trim();
    if (!value) return;
    text.value = "";
    if (channel === "voice" && /^[0-9*#]+$/.test(value)) input({ keys: value }, value);
    else input({ text: value }, value);
  });
  noAnswer.addEventListener("click", () => input({ event: "no_input" }, "(no answer)"));
  $("token").addEventListener("change", () => { sessionStorage.setItem("csflow-token", $("token").value); loadFlows(); });
  buildKeypad();
  loadFlows();
  pollStatus();
  setInterval(pollStatus, 2000);
})();
