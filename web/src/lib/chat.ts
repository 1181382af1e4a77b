// The coaching chat ("Ask"): whether the server has a model (`GET /api/chat`), a question with the conversation
// so far (`POST /api/sessions/{id}/chat`, answered as `text/event-stream`, one JSON AskEvent per event), and the
// corner and lap references in a text (`T4`, `Turn 4`, `lap 7`, `L7`) for the UI to turn into links.
//
// The conversation lives with the browser (the server keeps nothing of it): every question sends it whole.

import { ApiError, getJson, shareToken } from './api';
import type { AskEvent, AskRequest, ChatInfo, ChatTurn, CitationFlag } from './protocol';
export type { AskEvent, ChatInfo, ChatTurn, CitationFlag };

/** `GET /api/chat`: whether a model is configured, which endpoint and model receive the data, how to turn it on. */
export const chatInfo = (signal?: AbortSignal) => getJson<ChatInfo>('/api/chat', signal);

/** Incremental `text/event-stream` parser: feed it decoded text as it arrives, get the complete events' data. */
export class SseParser {
  private buf = '';
  private data: string[] = [];

  /** The data of every event completed by `text` (in order). */
  push(text: string): string[] {
    this.buf += text;
    const out: string[] = [];
    // Lines end with \n, \r\n or \r; a trailing \r may be the first half of a \r\n split across chunks.
    const re = /\r\n|\n|\r(?!$)/g;
    let start = 0;
    for (let m = re.exec(this.buf); m; m = re.exec(this.buf)) {
      this.line(this.buf.slice(start, m.index), out);
      start = m.index + m[0].length;
    }
    this.buf = this.buf.slice(start);
    return out;
  }

  /** The end of the stream: an event left without its closing blank line is dispatched all the same. */
  end(): string[] {
    const out: string[] = [];
    if (this.buf) this.line(this.buf.replace(/\r$/, ''), out);
    this.buf = '';
    this.line('', out);
    return out;
  }

  private line(line: string, out: string[]): void {
    if (line === '') {
      if (this.data.length) out.push(this.data.join('\n'));
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return; // a comment or keep-alive
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    // `event`, `id`, `retry`: the server does not use them.
  }
}

/** An event's data as an AskEvent; anything else becomes an `error` event. */
export function parseAskEvent(data: string): AskEvent {
  try {
    const ev = JSON.parse(data);
    if (ev && typeof ev === 'object' && typeof ev.type === 'string') return ev as AskEvent;
  } catch {
    /* below */
  }
  return { type: 'error', message: `The server sent an event this page does not understand: ${data.slice(0, 120)}` };
}

/** Sent when the stream ends without `done` or `error`. */
export const CUT_OFF = 'The connection closed before the answer was complete.';

/**
 * Asks about session `sessionId`: `messages` is the conversation, oldest first, ending with the new question.
 * Calls `onEvent` for every event as it arrives and resolves after the answer's last (`done` or `error`; when the
 * stream ends without one, an `error` event saying so is sent). Aborting `signal` stops the answer (the server
 * then stops generating) and rejects with the AbortError. An answer refused before it starts (chat off: 503) throws
 * an ApiError with the server's reason.
 */
export async function ask(
  sessionId: number,
  messages: ChatTurn[],
  signal: AbortSignal,
  onEvent: (ev: AskEvent) => void,
): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
  const share = shareToken();
  if (share) headers.authorization = `Bearer ${share}`;
  const body: AskRequest = { messages };
  const res = await fetch(`/api/sessions/${sessionId}/chat`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    credentials: 'same-origin',
    signal,
  });
  if (!res.ok) {
    let msg = `${res.status} ${res.statusText}`.trim();
    try {
      const json = await res.json();
      if (json && typeof json.error === 'string') msg = json.error;
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, msg);
  }
  if (!res.body) {
    onEvent({ type: 'error', message: CUT_OFF });
    return;
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  let finished = false;
  const dispatch = (datas: string[]): boolean => {
    for (const d of datas) {
      signal.throwIfAborted();
      const ev = parseAskEvent(d);
      onEvent(ev);
      if (ev.type === 'done' || ev.type === 'error') return true;
    }
    return false;
  };
  // Aborting errors the body in a browser; cancelling the reader as well makes sure a pending read returns.
  const onAbort = () => reader.cancel().catch(() => {});
  signal.addEventListener('abort', onAbort);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      signal.throwIfAborted();
      if (done) {
        finished = dispatch([...parser.push(decoder.decode()), ...parser.end()]);
        break;
      }
      if (dispatch(parser.push(decoder.decode(value, { stream: true })))) {
        finished = true;
        break;
      }
    }
  } finally {
    // After the last event (or an abort) nothing more is read.
    signal.removeEventListener('abort', onAbort);
    reader.cancel().catch(() => {});
  }
  if (!finished) onEvent({ type: 'error', message: CUT_OFF });
}

/** A piece of a text: plain, or a reference to a corner or lap (`known`: the session has it). */
export type Segment =
  | { kind: 'text'; text: string }
  | { kind: 'corner' | 'lap'; text: string; n: number; known: boolean };

// `T10`, `L7` (capitals only: `t10` is not a corner); `Turn 10`, `turn 10`, `corner 10`, `lap 7`, `Lap 7`, `LAP 7`
// (with or without the space). Not inside a word (`ST10`, `T10a`, `BLT1`) nor a number (`lap 1.5`, `T2024`).
const REF =
  /(?<!\w)(?:T(\d{1,3})|(?:[Tt]urn|TURN|[Cc]orner|CORNER)[ \u00a0]?(\d{1,3})|L(\d{1,3})|(?:[Ll]ap|LAP)[ \u00a0]?(\d{1,3}))(?!\w|[.,]\d)/g;

/** `text` cut into plain pieces and references to corners (`T10`, `Turn 10`, `corner 10`) and laps (`lap 7`,
 * `L7`); a reference to a corner or lap that is not in `corners` / `laps` is returned with `known: false`. */
export function linkify(text: string, corners: readonly number[], laps: readonly number[]): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const m of text.matchAll(REF)) {
    const at = m.index ?? 0;
    if (at > last) out.push({ kind: 'text', text: text.slice(last, at) });
    const cornerDigits = m[1] ?? m[2];
    const n = Number(cornerDigits ?? m[3] ?? m[4]);
    if (cornerDigits !== undefined) out.push({ kind: 'corner', text: m[0], n, known: corners.includes(n) });
    else out.push({ kind: 'lap', text: m[0], n, known: laps.includes(n) });
    last = at + m[0].length;
  }
  if (last < text.length) out.push({ kind: 'text', text: text.slice(last) });
  return out;
}

/** A tool lookup of an answer, and what it answered once it has. */
export type ToolLine = { name: string; arguments: string; ok: boolean | null; summary: string | null };

/** One bubble of the conversation as the panel keeps it (and stores it in localStorage). */
export type ChatMessage =
  | { role: 'user'; content: string }
  | {
      role: 'assistant';
      content: string;
      status: 'streaming' | 'done' | 'stopped' | 'error';
      tools: ToolLine[];
      flags: CitationFlag[];
      finish: string | null;
      error: string | null;
    };

/** The turns to send as history: each question with its completed or stopped answer (questions whose answer
 * failed or has no text are left out, so user and assistant alternate). */
export function history(messages: readonly ChatMessage[]): ChatTurn[] {
  const out: ChatTurn[] = [];
  for (let i = 0; i < messages.length; i++) {
    const q = messages[i];
    const a = messages[i + 1];
    if (q.role !== 'user' || !a || a.role !== 'assistant') continue;
    if ((a.status === 'done' || a.status === 'stopped') && a.content.trim()) {
      out.push({ role: 'user', content: q.content }, { role: 'assistant', content: a.content });
    }
    i++;
  }
  return out;
}

/** Applies `ev` to the answer being streamed. */
export function applyEvent(a: Extract<ChatMessage, { role: 'assistant' }>, ev: AskEvent): void {
  switch (ev.type) {
    case 'tool':
      a.tools.push({ name: ev.name, arguments: ev.arguments, ok: null, summary: null });
      break;
    case 'tool_result': {
      const t = [...a.tools].reverse().find((t) => t.name === ev.name && t.ok === null);
      if (t) {
        t.ok = ev.ok;
        t.summary = ev.summary;
      } else a.tools.push({ name: ev.name, arguments: '', ok: ev.ok, summary: ev.summary });
      break;
    }
    case 'delta':
      a.content += ev.text;
      break;
    case 'done':
      a.flags = ev.flags;
      a.finish = ev.finish_reason;
      a.status = 'done';
      break;
    case 'error':
      a.error = ev.message;
      a.status = 'error';
      break;
  }
}

/** A tool call's arguments (JSON text) in a short line: `corner 2, lap 3`. */
export function formatArguments(args: string, max = 80): string {
  let s = args.trim();
  try {
    const v = JSON.parse(s);
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      s = Object.entries(v)
        .map(([k, x]) => `${k.replace(/_/g, ' ')} ${typeof x === 'string' ? x : JSON.stringify(x)}`)
        .join(', ');
    }
  } catch {
    /* shown as given */
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** The localStorage key of session `id`'s conversation. */
export const storageKey = (id: number) => `racecraft.chat.${id}`;

/** The stored conversation (an answer that was streaming when the page went away counts as stopped). */
export function loadConversation(storage: Pick<Storage, 'getItem'>, id: number): ChatMessage[] {
  try {
    const v = JSON.parse(storage.getItem(storageKey(id)) ?? '[]');
    if (!Array.isArray(v)) return [];
    const out: ChatMessage[] = [];
    for (const m of v) {
      if (!m || typeof m.content !== 'string') continue;
      if (m.role === 'user') out.push({ role: 'user', content: m.content });
      else if (m.role === 'assistant')
        out.push({
          role: 'assistant',
          content: m.content,
          status: m.status === 'done' || m.status === 'error' ? m.status : 'stopped',
          tools: Array.isArray(m.tools) ? m.tools : [],
          flags: Array.isArray(m.flags) ? m.flags : [],
          finish: typeof m.finish === 'string' ? m.finish : null,
          error: typeof m.error === 'string' ? m.error : null,
        });
    }
    return out;
  } catch {
    return [];
  }
}

/** Stores the conversation (an empty one is removed); a full or disabled storage is ignored. */
export function saveConversation(storage: Pick<Storage, 'setItem' | 'removeItem'>, id: number, messages: readonly ChatMessage[]): void {
  try {
    if (messages.length) storage.setItem(storageKey(id), JSON.stringify(messages));
    else storage.removeItem(storageKey(id));
  } catch {
    /* not kept */
  }
}
