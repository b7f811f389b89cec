/**
 * The chat page: the conversation as bubbles, the options of the current menu as buttons,
 * a keypad for voice flows, a text box, and "no answer" (the caller stays silent). Every
 * user action is posted to the extension, which talks to the conversation server.
 */
import { element, vscodeApi } from './vscodeApi.js';

interface Bubble {
  who: 'bot' | 'user' | 'system';
  text: string;
  audio?: string;
  language?: string;
}
interface ViewTurn {
  bubbles: Bubble[];
  options: { label: string; key?: string }[];
  finished: boolean;
  state?: string;
  expecting?: { kind: string; timeoutMs?: number; maxDigits?: number; finishKey?: string };
}
type Message =
  | { type: 'reset'; flow: string; channel: 'voice' | 'chat'; canSwitchChannel: boolean }
  | { type: 'user'; bubble: Bubble }
  | { type: 'turn'; turn: ViewTurn }
  | { type: 'busy'; busy: boolean }
  | { type: 'error'; message: string };

const api = vscodeApi();
const app = document.getElementById('app')!;

const header = element('div', 'header');
const title = element('span', 'title', 'Talk to this flow');
const channelSelect = element('select', 'channel');
for (const channel of ['chat', 'voice']) {
  const option = element('option', undefined, channel === 'voice' ? 'Voice (keypad)' : 'Chat');
  option.value = channel;
  channelSelect.append(option);
}
const restart = element('button', 'restart', 'Start again');
header.append(title, channelSelect, restart);

const transcript = element('div', 'transcript');
transcript.setAttribute('role', 'log');
transcript.setAttribute('aria-live', 'polite');
const optionsBar = element('div', 'options');
const hint = element('div', 'hint');

const keypad = element('div', 'keypad');
const keypadDisplay = element('div', 'keypad-display');
const keypadGrid = element('div', 'keypad-grid');
for (const key of ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#']) {
  const button = element('button', 'key', key);
  button.dataset.key = key;
  button.addEventListener('click', () => pressKey(key));
  keypadGrid.append(button);
}
const keypadSend = element('button', 'keypad-send', 'Send keys');
const keypadClear = element('button', 'keypad-clear', 'Clear');
keypadSend.addEventListener('click', () => sendKeys());
keypadClear.addEventListener('click', () => setEntry(''));
const keypadActions = element('div', 'keypad-actions');
keypadActions.append(keypadClear, keypadSend);
keypad.append(keypadDisplay, keypadGrid, keypadActions);

const inputRow = element('form', 'input-row');
const textBox = element('input', 'text');
textBox.type = 'text';
textBox.placeholder = 'Type what the customer says…';
const sendButton = element('button', 'send', 'Send');
sendButton.type = 'submit';
const noAnswer = element('button', 'no-answer', 'No answer');
noAnswer.type = 'button';
noAnswer.title = 'The customer says nothing until the time-out (a no-input event)';
inputRow.append(textBox, sendButton, noAnswer);

const errorBox = element('div', 'error');
app.append(header, transcript, hint, optionsBar, keypad, inputRow, errorBox);

let channel: 'voice' | 'chat' = 'chat';
let entry = '';
let expecting: ViewTurn['expecting'];
let finished = false;
let currentState: string | undefined;

function setEntry(value: string): void {
  entry = value;
  keypadDisplay.textContent = entry === '' ? 'Press keys…' : entry;
  keypadDisplay.classList.toggle('empty', entry === '');
}

function pressKey(key: string): void {
  if (finished) return;
  if (expecting?.finishKey && key === expecting.finishKey) {
    sendKeys();
    return;
  }
  setEntry(entry + key);
  // A menu takes one key; an ask takes up to max_digits (then the entry is sent at once).
  if ((expecting?.kind === 'menu' && !expecting.maxDigits && entry.length === 1 && !hasLongerKey(entry)) || (expecting?.maxDigits && entry.length >= expecting.maxDigits)) {
    sendKeys();
  }
}

let currentOptions: ViewTurn['options'] = [];
function hasLongerKey(prefix: string): boolean {
  return currentOptions.some((option) => option.key !== undefined && option.key.length > prefix.length && option.key.startsWith(prefix));
}

function sendKeys(): void {
  if (entry === '') return;
  api.postMessage({ type: 'keys', keys: entry });
  setEntry('');
}

function addBubble(bubble: Bubble): void {
  const item = element('div', `bubble ${bubble.who}`);
  if (bubble.audio) {
    item.append(element('div', 'audio', `▶ ${bubble.audio}`));
  }
  item.append(element('div', 'text', bubble.text));
  if (bubble.language) {
    item.lang = bubble.language;
    item.append(element('span', 'language', bubble.language));
  }
  transcript.append(item);
  transcript.scrollTop = transcript.scrollHeight;
}

function showOptions(turn: ViewTurn): void {
  currentOptions = turn.options;
  optionsBar.replaceChildren();
  for (const option of turn.options) {
    const button = element('button', 'option');
    if (option.key) button.append(element('span', 'option-key', option.key));
    button.append(element('span', 'option-label', option.label));
    button.addEventListener('click', () => api.postMessage({ type: 'option', label: option.label, ...(option.key ? { key: option.key } : {}) }));
    optionsBar.append(button);
  }
}

function showHint(): void {
  const parts: string[] = [];
  if (currentState) parts.push(`state ${currentState}`);
  if (finished) parts.push('The conversation is over. “Start again” begins a new one.');
  else if (expecting) {
    parts.push(expecting.kind === 'menu' ? 'Waiting for a choice' : 'Waiting for an answer');
    if (expecting.maxDigits) parts.push(`up to ${expecting.maxDigits} digits`);
    if (expecting.finishKey) parts.push(`end with ${expecting.finishKey}`);
    if (expecting.timeoutMs) parts.push(`time-out ${Math.round(expecting.timeoutMs / 100) / 10} s`);
  }
  hint.textContent = parts.join(' · ');
}

function setEnabled(enabled: boolean): void {
  for (const control of [textBox, sendButton, noAnswer, keypadSend, keypadClear, ...Array.from(keypadGrid.children), ...Array.from(optionsBar.children)]) {
    (control as HTMLButtonElement | HTMLInputElement).disabled = !enabled;
  }
}

function show(message: Message): void {
  switch (message.type) {
    case 'reset':
      channel = message.channel;
      title.textContent = `Talk to ${message.flow}`;
      channelSelect.value = channel;
      channelSelect.disabled = !message.canSwitchChannel;
      app.classList.toggle('voice', channel === 'voice');
      transcript.replaceChildren();
      optionsBar.replaceChildren();
      errorBox.textContent = '';
      finished = false;
      expecting = undefined;
      currentState = undefined;
      setEntry('');
      showHint();
      break;
    case 'user':
      errorBox.textContent = '';
      addBubble(message.bubble);
      break;
    case 'turn':
      for (const bubble of message.turn.bubbles) addBubble(bubble);
      finished = message.turn.finished;
      expecting = message.turn.expecting;
      currentState = message.turn.state;
      showOptions(message.turn);
      app.classList.toggle('finished', finished);
      setEnabled(!finished);
      showHint();
      break;
    case 'busy':
      app.classList.toggle('busy', message.busy);
      if (!finished) setEnabled(!message.busy);
      break;
    case 'error':
      errorBox.textContent = message.message;
      break;
  }
}

inputRow.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = textBox.value.trim();
  if (text === '') return;
  textBox.value = '';
  api.postMessage({ type: 'text', text });
});
noAnswer.addEventListener('click', () => api.postMessage({ type: 'noInput' }));
restart.addEventListener('click', () => api.postMessage({ type: 'restart', channel: channelSelect.value }));
channelSelect.addEventListener('change', () => api.postMessage({ type: 'restart', channel: channelSelect.value }));
document.addEventListener('keydown', (event) => {
  if (channel !== 'voice' || document.activeElement === textBox) return;
  if (/^[0-9*#]$/.test(event.key)) pressKey(event.key);
  if (event.key === 'Enter') sendKeys();
});

window.addEventListener('message', (event: MessageEvent<Message>) => show(event.data));
setEntry('');
api.postMessage({ type: 'ready' });
