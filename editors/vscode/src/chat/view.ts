/**
 * What the chat page shows for one turn: the server's Turn turned into bubbles, buttons and
 * keypad settings. Pure, so the wording is tested without a browser.
 */
import { Turn } from './api';

export interface Bubble {
  who: 'bot' | 'user' | 'system';
  text: string;
  /** A recorded prompt: the audio file the caller hears. */
  audio?: string;
  language?: string;
}

export interface ViewOption {
  label: string;
  key?: string;
}

export interface ViewTurn {
  bubbles: Bubble[];
  options: ViewOption[];
  /** The conversation is over: no more input. */
  finished: boolean;
  state?: string;
  expecting?: { kind: string; timeoutMs?: number; maxDigits?: number; finishKey?: string };
}

export function viewTurn(turn: Turn): ViewTurn {
  const bubbles: Bubble[] = [];
  for (const output of turn.outputs) {
    const bubble: Bubble = { who: 'bot', text: output.text ?? '' };
    if (output.type === 'play' && output.url) bubble.audio = output.url;
    if (output.language) bubble.language = output.language;
    bubbles.push(bubble);
  }
  switch (turn.status) {
    case 'ended':
      bubbles.push({ who: 'system', text: 'The conversation ended.' });
      break;
    case 'handed_off': {
      const handoff = turn.handoff;
      let text = `Handed off to the queue ${handoff?.queue ?? '(unknown)'}`;
      if (handoff?.priority && handoff.priority !== 'normal') text += `, priority ${handoff.priority}`;
      if (handoff?.reason) text += ` — ${handoff.reason}`;
      bubbles.push({ who: 'system', text: `${text}. A human agent takes over here.` });
      break;
    }
    case 'transferred': {
      let text = `Transferred to ${turn.transfer?.to ?? '(unknown number)'}`;
      if (turn.transfer?.reason) text += ` — ${turn.transfer.reason}`;
      bubbles.push({ who: 'system', text: `${text}.` });
      break;
    }
    case 'failed':
      bubbles.push({ who: 'system', text: `The conversation failed: ${turn.error ?? 'unknown error'}.` });
      break;
    default:
      break;
  }
  const view: ViewTurn = {
    bubbles,
    options: (turn.expecting?.options ?? []).map((option) => (option.key ? { label: option.label, key: option.key } : { label: option.label })),
    finished: turn.status !== 'waiting',
  };
  if (turn.state) view.state = turn.state;
  if (turn.expecting && turn.status === 'waiting') {
    const expecting: NonNullable<ViewTurn['expecting']> = { kind: turn.expecting.kind };
    if (turn.expecting.timeout_ms !== undefined) expecting.timeoutMs = turn.expecting.timeout_ms;
    if (turn.expecting.max_digits !== undefined) expecting.maxDigits = turn.expecting.max_digits;
    if (turn.expecting.finish_key !== undefined) expecting.finishKey = turn.expecting.finish_key;
    view.expecting = expecting;
  }
  return view;
}
