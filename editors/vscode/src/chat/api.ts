/**
 * A client for the conversation API that `csflow serve` (and `csflow-runtime serve`) speak:
 * start a conversation, send one user turn. Node's own fetch; no VS Code.
 */

export interface TurnOutput {
  /** `say`, `play` (a recorded prompt), or a kind added later. */
  type: string;
  text?: string;
  url?: string;
  language?: string;
}

export interface TurnOption {
  label: string;
  key?: string;
}

export interface Turn {
  id: string;
  /** `waiting`, `ended`, `handed_off`, `transferred`. */
  status: string;
  state?: string;
  outputs: TurnOutput[];
  expecting?: {
    /** `menu` or `ask`. */
    kind: string;
    options?: TurnOption[];
    timeout_ms?: number;
    max_digits?: number;
    finish_key?: string;
  };
  handoff?: { queue: string; priority?: string; reason?: string | null };
  /** Why the conversation failed (status `failed`, from `csflow run`). */
  error?: string;
  transfer?: { to: string; reason?: string | null };
}

export type UserInput = { text: string } | { keys: string } | { event: 'no_input' };

/** An error answered by the server (`{"error":{"code","message"}}`) or the transport. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export interface ConversationApi {
  start(flow: string, channel: string | undefined): Promise<Turn>;
  input(conversation: string, input: UserInput): Promise<Turn>;
}

export class HttpConversationApi implements ConversationApi {
  constructor(
    private readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  start(flow: string, channel: string | undefined): Promise<Turn> {
    return this.post('/v1/conversations', channel ? { flow, channel } : { flow });
  }

  input(conversation: string, input: UserInput): Promise<Turn> {
    return this.post(`/v1/conversations/${encodeURIComponent(conversation)}/input`, input);
  }

  private async post(route: string, body: unknown): Promise<Turn> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await fetch(this.baseUrl.replace(/\/$/, '') + route, { method: 'POST', headers, body: JSON.stringify(body) });
    } catch (error) {
      throw new ApiError(`Could not reach the conversation server at ${this.baseUrl}: ${(error as Error).message}`, undefined, undefined);
    }
    const text = await response.text();
    let value: unknown;
    try {
      value = text === '' ? undefined : JSON.parse(text);
    } catch {
      value = undefined;
    }
    if (!response.ok) {
      const error = (value as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiError(error?.message ?? `The server answered ${response.status}: ${text.slice(0, 200)}`, response.status, error?.code);
    }
    if (!isTurn(value)) throw new ApiError(`The server's answer is not a turn: ${text.slice(0, 200)}`, response.status, undefined);
    return value;
  }
}

function isTurn(value: unknown): value is Turn {
  return typeof value === 'object' && value !== null && typeof (value as Turn).id === 'string' && Array.isArray((value as Turn).outputs);
}
