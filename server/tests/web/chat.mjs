// Drives the web chat page in headless Chromium through a Chinese conversation with option
// buttons, then a hand-off, then a voice flow with the keypad and "no answer".
// Usage: node chat.mjs BASE_URL   (CSFLOW_TEST_CHROMIUM: the chromium binary)
import { chromium } from "playwright-core";
import assert from "node:assert/strict";

const base = process.argv[2];
const browser = await chromium.launch({
  executablePath: process.env.CSFLOW_TEST_CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
    "--disable-component-update", "--disable-sync", "--disable-quic"],
});
const fail = (message) => { console.error(message); process.exitCode = 1; };
try {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(base + "/");
  assert.equal(await page.getAttribute("#messages", "aria-live"), "polite");

  // A Chinese conversation, started and answered with the keyboard and option buttons.
  await page.waitForSelector("#flow option[value=zh_support]", { state: "attached" });
  await page.selectOption("#flow", "zh_support");
  await page.focus("#start-button");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#messages li.bot");
  const greeting = await page.textContent("#messages li.bot");
  assert.equal(greeting, "您好！请选择：1 查询订单，2 人工客服。");
  assert.equal(await page.getAttribute("#messages li.bot", "lang"), "zh-CN");
  const buttons = await page.$$eval("#options button", (bs) => bs.map((b) => b.textContent));
  assert.deepEqual(buttons, ["查询订单", "人工客服"]);
  // Keyboard: the first option has focus; Tab to the second and press it.
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "查询订单");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#messages li.event.handoff");
  const handoff = await page.textContent("#messages li.event.handoff");
  assert.match(handoff, /agents/);
  assert.match(handoff, /客户要求人工/);
  assert.equal(await page.isDisabled("#text"), true, "no input after a hand-off");
  assert.match(await page.textContent("#status"), /human agent/);

  // Again, typing Chinese text this time: the conversation ends.
  await page.click("#start-button");
  await page.waitForSelector("#options button");
  await page.fill("#text", "查询订单");
  await page.press("#text", "Enter");
  await page.waitForSelector("#messages li.event.ended");
  const said = await page.$$eval("#messages li", (ls) => ls.map((l) => [l.className, l.textContent]));
  assert.deepEqual(said.slice(-3), [["user", "查询订单"], ["bot", "您的订单已发货。再见！"], ["event ended", "Conversation ended"]]);

  // A voice flow: keypad and "no answer".
  await page.selectOption("#flow", "hotline");
  await page.click("#start-button");
  await page.waitForSelector("#keypad:not([hidden]) button");
  assert.equal(await page.isVisible("#no-answer"), true);
  await page.click("#keypad button[aria-label='Key 1']");
  await page.waitForFunction(() => document.querySelector("#messages li.bot:last-child")?.textContent.includes("six digit"));
  await page.click("#no-answer");
  await page.waitForFunction(() => [...document.querySelectorAll("#messages li.user")].some((l) => l.textContent === "(no answer)"));
  await page.waitForFunction(() => document.querySelector("#messages li.bot:last-child")?.textContent.includes("six digit"));

  assert.deepEqual(errors, []);
  for (const url of requests) assert.ok(url.startsWith(base), "no request leaves the server: " + url);
  console.log("web chat ok");
} catch (e) {
  fail(e.stack || String(e));
} finally {
  await browser.close();
}
