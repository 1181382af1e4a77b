import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './api';
import {
  applyEvent,
  ask,
  CUT_OFF,
  formatArguments,
  history,
  linkify,
  loadConversation,
  saveConversation,
  SseParser,
  storageKey,
  type AskEvent,
  type ChatMessage,
} from './chat';

const sse = (ev: AskEvent) => `data: ${JSON.stringify(ev)}\n\n`;

describe('SseParser', () => {
  it('joins an event split across chunks, anywhere', () => {
    const text = sse({ type: 'delta', text: 'Brake later into T2' }) + sse({ type: 'done', flags: [], finish_reason: 'stop' });
    for (let cut = 1; cut < text.length; cut++) {
      const p = new SseParser();
      const got = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut)), ...p.end()];
      expect(got.map((d) => JSON.parse(d).type), `cut at ${cut}`).toEqual(['delta', 'done']);
    }
  });
  it('gives every event of a chunk holding several, and keeps the unfinished one', () => {
    const p = new SseParser();
    const chunk = sse({ type: 'delta', text: 'a' }) + sse({ type: 'delta', text: 'b' }) + sse({ type: 'delta', text: 'c' }) + 'data: {"ty';
    expect(p.push(chunk).map((d) => JSON.parse(d).text)).toEqual(['a', 'b', 'c']);
    expect(p.push('pe":"delta","text":"d"}\n')).toEqual([]);
    expect(p.push('\n').map((d) => JSON.parse(d).text)).toEqual(['d']);
  });
  it('skips comments and keep-alives, and other fields', () => {
    const p = new SseParser();
    expect(p.push(': keep-alive\n\n:\n\nevent: message\nid: 3\nretry: 10\ndata: {"type":"delta","text":"x"}\n\n')).toEqual([
      '{"type":"delta","text":"x"}',
    ]);
  });
  it('takes \\r\\n and \\r line ends, also a \\r\\n split between chunks', () => {
    const p = new SseParser();
    expect(p.push('data: 1\r')).toEqual([]);
    expect(p.push('\n\r')).toEqual([]);
    expect(p.push('\ndata: 2\r\rdata:3\n\n')).toEqual(['1', '2', '3']);
  });
  it('joins multi-line data with \\n; the value may leave out the space', () => {
    const p = new SseParser();
    expect(p.push('data:{"type":"delta",\ndata: "text":"y"}\n\n')).toEqual(['{"type":"delta",\n"text":"y"}']);
  });
  it('dispatches a last event without its blank line at the end of the stream', () => {
    const p = new SseParser();
    expect(p.push('data: last')).toEqual([]);
    expect(p.end()).toEqual(['last']);
    expect(new SseParser().end()).toEqual([]);
  });
});

describe('ask', () => {
  const enc = new TextEncoder();
  let calls: { url: string; init: RequestInit }[];
  let store: Record<string, string>;

  function respondWith(chunks: (string | Uint8Array)[], init: ResponseInit = { status: 200, headers: { 'content-type': 'text/event-stream' } }) {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (const x of chunks) c.enqueue(typeof x === 'string' ? enc.encode(x) : x);
        c.close();
      },
    });
    vi.stubGlobal('fetch', async (url: string, req: RequestInit) => {
      calls.push({ url, init: req });
      return new Response(body, init);
    });
  }

  beforeEach(() => {
    calls = [];
    store = {};
    vi.stubGlobal('sessionStorage', { getItem: (k: string) => store[k] ?? null, setItem: (k: string, v: string) => (store[k] = v) });
  });
  afterEach(() => vi.unstubAllGlobals());

  it('posts the conversation and hands over every event as it is parsed', async () => {
    const whole =
      ': open\n\n' +
      sse({ type: 'tool', name: 'corner_detail', arguments: '{"corner":2}' }) +
      sse({ type: 'tool_result', name: 'corner_detail', ok: true, summary: 'T2: 0.12 s lost' }) +
      sse({ type: 'delta', text: 'Brake ' }) +
      sse({ type: 'delta', text: 'later — T2 ✓' }) +
      sse({ type: 'done', flags: [{ cited: 'T14', problem: 'there is no corner 14' }], finish_reason: 'stop' });
    // Split into odd pieces, one of them in the middle of a multi-byte character.
    const bytes = enc.encode(whole);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 7) chunks.push(bytes.slice(i, i + 7));
    respondWith(chunks);
    const events: AskEvent[] = [];
    const messages = [{ role: 'user' as const, content: 'Where do I lose time at T2?' }];
    await ask(12, messages, new AbortController().signal, (e) => events.push(e));
    expect(events.map((e) => e.type)).toEqual(['tool', 'tool_result', 'delta', 'delta', 'done']);
    expect(events.filter((e) => e.type === 'delta').map((e) => (e as { text: string }).text).join('')).toBe('Brake later — T2 ✓');
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe('/api/sessions/12/chat');
    expect(calls[0].init.method).toBe('POST');
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ messages });
    const headers = calls[0].init.headers as Record<string, string>;
    expect(headers['content-type']).toBe('application/json');
    expect(headers.authorization).toBeUndefined();
  });

  it('sends the share link as the bearer', async () => {
    store.racecraft_share = 'rc_share_abc';
    respondWith([sse({ type: 'done', flags: [], finish_reason: 'stop' })]);
    await ask(1, [{ role: 'user', content: 'q' }], new AbortController().signal, () => {});
    expect((calls[0].init.headers as Record<string, string>).authorization).toBe('Bearer rc_share_abc');
  });

  it('several events in one chunk, then the stream ends without done: a cut-off error', async () => {
    respondWith([sse({ type: 'delta', text: 'a' }) + sse({ type: 'delta', text: 'b' })]);
    const events: AskEvent[] = [];
    await ask(1, [{ role: 'user', content: 'q' }], new AbortController().signal, (e) => events.push(e));
    expect(events).toEqual([
      { type: 'delta', text: 'a' },
      { type: 'delta', text: 'b' },
      { type: 'error', message: CUT_OFF },
    ]);
  });

  it('an error event ends the answer', async () => {
    respondWith([sse({ type: 'delta', text: 'a' }) + sse({ type: 'error', message: 'model unreachable' })]);
    const events: AskEvent[] = [];
    await ask(1, [{ role: 'user', content: 'q' }], new AbortController().signal, (e) => events.push(e));
    expect(events.at(-1)).toEqual({ type: 'error', message: 'model unreachable' });
    expect(events).toHaveLength(2);
  });

  it('a refusal before streaming throws an ApiError with the server reason', async () => {
    respondWith([JSON.stringify({ error: 'the chat is off' })], { status: 503, headers: { 'content-type': 'application/json' } });
    const err = await ask(1, [{ role: 'user', content: 'q' }], new AbortController().signal, () => {}).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(503);
    expect(err.message).toBe('the chat is off');
  });

  it('aborting stops reading and rejects with the AbortError', async () => {
    const ctrl = new AbortController();
    let push: (s: string) => void = () => {};
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        push = (s) => c.enqueue(enc.encode(s));
      },
    });
    // The body never ends by itself: only the abort can end the answer.
    vi.stubGlobal('fetch', async () => new Response(body, { status: 200 }));
    const events: AskEvent[] = [];
    const done = ask(1, [{ role: 'user', content: 'q' }], ctrl.signal, (e) => {
      events.push(e);
      if (events.length === 1) ctrl.abort();
    });
    push(sse({ type: 'delta', text: 'part' }));
    const settled = await Promise.race([done.then(() => 'resolved', (e) => e), new Promise((r) => setTimeout(() => r('hung'), 1000))]);
    expect(events).toEqual([{ type: 'delta', text: 'part' }]);
    expect(settled).toBeInstanceOf(Error);
    expect((settled as Error).name).toBe('AbortError');
  });
});

describe('linkify', () => {
  const corners = [1, 2, 3, 10];
  const laps = [1, 2, 3, 7];
  const refs = (text: string) =>
    linkify(text, corners, laps)
      .flatMap((s) => (s.kind === 'text' ? [] : [`${s.kind} ${s.n}${s.known ? '' : ' ?'} [${s.text}]`]));

  it('finds corners and laps in every spelling', () => {
    expect(refs('T10, Turn 10, turn 10, corner 10, Corner 3 and TURN 2')).toEqual([
      'corner 10 [T10]',
      'corner 10 [Turn 10]',
      'corner 10 [turn 10]',
      'corner 10 [corner 10]',
      'corner 3 [Corner 3]',
      'corner 2 [TURN 2]',
    ]);
    expect(refs('lap 7, Lap 7, L7, LAP 3, lap3')).toEqual(['lap 7 [lap 7]', 'lap 7 [Lap 7]', 'lap 7 [L7]', 'lap 3 [LAP 3]', 'lap 3 [lap3]']);
  });

  it('keeps the text around the references, so the pieces join back to the text', () => {
    const text = 'Where do I lose time at T2 on lap 3?';
    const segs = linkify(text, corners, laps);
    expect(segs.map((s) => s.text).join('')).toBe(text);
    expect(segs).toEqual([
      { kind: 'text', text: 'Where do I lose time at ' },
      { kind: 'corner', text: 'T2', n: 2, known: true },
      { kind: 'text', text: ' on ' },
      { kind: 'lap', text: 'lap 3', n: 3, known: true },
      { kind: 'text', text: '?' },
    ]);
  });

  it('marks references the session does not have as unknown', () => {
    expect(refs('T14 and lap 31, but T3 and L2')).toEqual(['corner 14 ? [T14]', 'lap 31 ? [lap 31]', 'corner 3 [T3]', 'lap 2 [L2]']);
  });

  it('no false hits inside words or numbers', () => {
    for (const text of ['ST10', 'T10a', 'BLT1', 'SL7', 'L7x', 't10', 'l7', 'return 5', 'overlap 3', 'laps', 'T', 'Turn', 'lap 1.5 s', 'T2024', 'T_1', 'x_L2']) {
      expect(refs(text), text).toEqual([]);
    }
    expect(linkify('ST10 T10a', corners, laps)).toEqual([{ kind: 'text', text: 'ST10 T10a' }]);
  });

  it('references next to punctuation, ranges and line ends', () => {
    expect(refs('(T1–T3), L1/L2. T10: lap 7!\nturn 2')).toEqual([
      'corner 1 [T1]',
      'corner 3 [T3]',
      'lap 1 [L1]',
      'lap 2 [L2]',
      'corner 10 [T10]',
      'lap 7 [lap 7]',
      'corner 2 [turn 2]',
    ]);
  });

  it('an empty text, and a text without references', () => {
    expect(linkify('', corners, laps)).toEqual([]);
    expect(linkify('Carry more speed.', corners, laps)).toEqual([{ kind: 'text', text: 'Carry more speed.' }]);
  });
});

describe('conversation', () => {
  const answer = (content: string, status: 'streaming' | 'done' | 'stopped' | 'error'): ChatMessage => ({
    role: 'assistant',
    content,
    status,
    tools: [],
    flags: [],
    finish: null,
    error: null,
  });

  it('history keeps completed and stopped answers with their questions, in order', () => {
    const msgs: ChatMessage[] = [
      { role: 'user', content: 'q1' },
      answer('a1', 'done'),
      { role: 'user', content: 'q2' },
      answer('', 'error'),
      { role: 'user', content: 'q3' },
      answer('a3 part', 'stopped'),
      { role: 'user', content: 'q4' },
      answer('', 'stopped'),
      { role: 'user', content: 'q5' },
      answer('a5', 'streaming'),
    ];
    expect(history(msgs)).toEqual([
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: 'a1' },
      { role: 'user', content: 'q3' },
      { role: 'assistant', content: 'a3 part' },
    ]);
  });

  it('applies the events to the answer', () => {
    const a = answer('', 'streaming') as Extract<ChatMessage, { role: 'assistant' }>;
    applyEvent(a, { type: 'tool', name: 'corner_detail', arguments: '{"corner":2}' });
    applyEvent(a, { type: 'tool', name: 'lap_summary', arguments: '{"lap":3}' });
    applyEvent(a, { type: 'tool_result', name: 'corner_detail', ok: false, summary: 'no such lap' });
    applyEvent(a, { type: 'delta', text: 'Hi ' });
    applyEvent(a, { type: 'delta', text: 'there' });
    expect(a.content).toBe('Hi there');
    expect(a.tools).toEqual([
      { name: 'corner_detail', arguments: '{"corner":2}', ok: false, summary: 'no such lap' },
      { name: 'lap_summary', arguments: '{"lap":3}', ok: null, summary: null },
    ]);
    applyEvent(a, { type: 'done', flags: [{ cited: 'T14', problem: 'no corner 14' }], finish_reason: 'length' });
    expect(a.status).toBe('done');
    expect(a.finish).toBe('length');
    expect(a.flags).toHaveLength(1);
    const b = answer('x', 'streaming') as Extract<ChatMessage, { role: 'assistant' }>;
    applyEvent(b, { type: 'error', message: 'boom' });
    expect([b.status, b.error, b.content]).toEqual(['error', 'boom', 'x']);
  });

  it('stores per session and restores; an answer left streaming comes back stopped', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v), removeItem: (k: string) => void store.delete(k) };
    const msgs: ChatMessage[] = [{ role: 'user', content: 'q' }, answer('partial', 'streaming')];
    saveConversation(storage, 5, msgs);
    expect(storageKey(5)).toBe('racecraft.chat.5');
    expect(store.has('racecraft.chat.5')).toBe(true);
    const back = loadConversation(storage, 5);
    expect(back).toEqual([{ role: 'user', content: 'q' }, answer('partial', 'stopped')]);
    expect(loadConversation(storage, 6)).toEqual([]);
    store.set('racecraft.chat.7', '{not json');
    expect(loadConversation(storage, 7)).toEqual([]);
    saveConversation(storage, 5, []);
    expect(store.has('racecraft.chat.5')).toBe(false);
  });

  it('formats tool arguments in a short line', () => {
    expect(formatArguments('{"corner":2,"lap_number":3}')).toBe('corner 2, lap number 3');
    expect(formatArguments('not json')).toBe('not json');
    expect(formatArguments('{"q":"' + 'x'.repeat(200) + '"}', 20)).toHaveLength(20);
  });
});
