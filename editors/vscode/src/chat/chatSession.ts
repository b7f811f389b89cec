/**
 * The logic of the chat panel, without VS Code: one conversation with a flow through the
 * conversation API. The page sends what the user did (typed, pressed keys, picked an
 * option, stayed silent); the session sends back what to show.
 */
import { ApiError, ConversationApi, UserInput } from './api';
import { Bubble, ViewTurn, viewTurn } from './view';

export type Channel = 'voice' | 'chat';

export type ChatFromPage =
  | { type: 'ready' }
  | { type: 'text'; text: string }
  | { type: 'keys'; keys: string }
  | { type: 'noInput' }
  | { type: 'option'; label: string; key?: string }
  | { type: 'restart'; channel?: Channel };

export type ChatToPage =
  | { type: 'reset'; flow: string; channel: Channel; canSwitchChannel: boolean }
  | { type: 'user'; bubble: Bubble }
  | { type: 'turn'; turn: ViewTurn }
  | { type: 'busy'; busy: boolean }
  | { type: 'error'; message: string };

export interface ChatOptions {
  flow: string;
  /** The channel the flow declares (`any` lets the user switch). */
  declaredChannel: 'voice' | 'chat' | 'any' | undefined;
}

export class ChatSession {
  private conversation: string | undefined;
  private finished = false;
  private channelInUse: Channel;
  /** Inputs run one at a time, in the order the user gave them. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private api: ConversationApi,
    private readonly post: (message: ChatToPage) => void,
    private readonly options: ChatOptions,
  ) {
    this.channelInUse = options.declaredChannel === 'voice' ? 'voice' : 'chat';
  }

  get channel(): Channel {
    return this.channelInUse;
  }

  get conversationId(): string | undefined {
    return this.conversation;
  }

  /** A new server (after a save): the next start uses it. */
  replaceApi(api: ConversationApi): void {
    this.api = api;
  }

  handle(message: ChatFromPage): Promise<void> {
    this.queue = this.queue.then(() => this.apply(message)).catch(() => undefined);
    return this.queue;
  }

  private async apply(message: ChatFromPage): Promise<void> {
    switch (message.type) {
      case 'ready':
        return this.start();
      case 'restart':
        if (message.channel && this.options.declaredChannel === 'any') this.channelInUse = message.channel;
        return this.start();
      case 'text': {
        const text = message.text.trim();
        if (text === '') return;
        return this.send({ who: 'user', text }, { text });
      }
      case 'keys': {
        const keys = message.keys.replace(/[^0-9*#]/g, '');
        if (keys === '') return;
        return this.send({ who: 'user', text: `⌨ ${keys}` }, { keys });
      }
      case 'noInput':
        return this.send({ who: 'user', text: '(no answer)' }, { event: 'no_input' });
      case 'option':
        // A caller presses the option's key; a chat user taps the button, which sends its label.
        if (this.channelInUse === 'voice' && message.key) {
          return this.send({ who: 'user', text: `⌨ ${message.key}` }, { keys: message.key });
        }
        return this.send({ who: 'user', text: message.label }, { text: message.label });
    }
  }

  private async start(): Promise<void> {
    this.conversation = undefined;
    this.finished = false;
    this.post({ type: 'reset', flow: this.options.flow, channel: this.channelInUse, canSwitchChannel: this.options.declaredChannel === 'any' });
    await this.call(async () => {
      const turn = await this.api.start(this.options.flow, this.channelInUse);
      this.conversation = turn.id;
      this.show(viewTurn(turn));
    });
  }

  private async send(bubble: Bubble, input: UserInput): Promise<void> {
    if (!this.conversation || this.finished) {
      this.post({ type: 'error', message: 'This conversation is over: start it again.' });
      return;
    }
    const conversation = this.conversation;
    this.post({ type: 'user', bubble });
    await this.call(async () => this.show(viewTurn(await this.api.input(conversation, input))));
  }

  private show(turn: ViewTurn): void {
    this.finished = turn.finished;
    this.post({ type: 'turn', turn });
  }

  private async call(action: () => Promise<void>): Promise<void> {
    this.post({ type: 'busy', busy: true });
    try {
      await action();
    } catch (error) {
      const message = error instanceof ApiError || error instanceof Error ? error.message : String(error);
      this.post({ type: 'error', message });
    } finally {
      this.post({ type: 'busy', busy: false });
    }
  }
}
