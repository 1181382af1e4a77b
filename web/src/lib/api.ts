// REST types and helpers (docs/protocol.md, "REST").

import type { ChannelInfo } from './channels';

// Every body is generated from the Rust types (crates/protocol): a renamed field fails the type check.
import type {
  AddMember,
  AgentTokenBody,
  Columns,
  CreateAgentToken,
  CreatedAgentToken,
  CreatedShareLink,
  CreateShareLink,
  Lap,
  LapFrames,
  Login,
  Me,
  MemberAdded,
  MemberBody,
  Session,
  ShareLinkBody,
  Shared,
} from './protocol';
export type { AgentTokenBody, Columns, Lap, Me, MemberBody, Session, ShareLinkBody };
/** `GET /api/laps/{id}`: the lap and its frames as columns. */
export type LapData = LapFrames;

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const SHARE_KEY = 'racecraft_share';

/** The share link this tab was opened with (`#/share/<token>`), sent with every API request; kept for the tab. */
export function shareToken(): string | null {
  return sessionStorage.getItem(SHARE_KEY);
}

export function setShareToken(token: string): void {
  sessionStorage.setItem(SHARE_KEY, token);
}

/** GET `path` as JSON; a non-2xx answer throws an ApiError with the server's `error` message. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const share = shareToken();
  if (share) headers.authorization = `Bearer ${share}`;
  const res = await fetch(path, { signal, headers });
  if (!res.ok) {
    let msg = `${res.status} ${res.statusText}`;
    try {
      const body = await res.json();
      if (body && typeof body.error === 'string') msg = body.error;
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, msg);
  }
  return (await res.json()) as T;
}

// Relative paths ("api/…") would break under "#/…" routes only if the app moved off "/"; the server
// serves the UI at "/", so absolute paths are used.
export const api = {
  sessions: (signal?: AbortSignal) => getJson<Session[]>('/api/sessions', signal),
  session: (id: number, signal?: AbortSignal) => getJson<Session>(`/api/sessions/${id}`, signal),
  laps: (id: number, signal?: AbortSignal) => getJson<Lap[]>(`/api/sessions/${id}/laps`, signal),
  channels: (signal?: AbortSignal) => getJson<ChannelInfo[]>('/api/channels', signal),
  lapData: (lapId: number, channels: string[], maxPoints: number, signal?: AbortSignal) =>
    getJson<LapData>(
      `/api/laps/${lapId}?channels=${channels.map(encodeURIComponent).join(',')}&max_points=${maxPoints}`,
      signal,
    ),
};

/** Best lap time among valid laps (all laps if none is flagged valid); null when there are none. */
export function bestLapTime(laps: readonly Lap[]): number | null {
  const valid = laps.filter((l) => l.valid !== false);
  const pool = valid.length ? valid : laps;
  let best: number | null = null;
  for (const l of pool) if (Number.isFinite(l.lap_time_s) && (best === null || l.lap_time_s < best)) best = l.lap_time_s;
  return best;
}

/** Live viewer WebSocket URL for the page's origin. */
export function liveSocketUrl(id: number, loc: { protocol: string; host: string } = location): string {
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${loc.host}/ws/${id}?format=binary`;
}

/** What a share link opens (`GET /api/shared`, the link sent as the bearer). */
export const shared = (signal?: AbortSignal) => getJson<Shared>('/api/shared', signal);

/** The server's mode and who is signed in (`GET /api/me`). */
export const me = (signal?: AbortSignal) => getJson<Me>('/api/me', signal);

/** Signs in (`POST /api/login`); the server sets the login cookie. Throws an ApiError with the server's reason. */
export async function signIn(body: Login): Promise<Me> {
  const res = await fetch('/api/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, typeof json.error === 'string' ? json.error : `${res.status}`);
  return json as Me;
}

/** Signs out (`POST /api/logout`). */
export async function signOut(): Promise<void> {
  await fetch('/api/logout', { method: 'POST' });
}

/** Sends `body` as JSON with `method`; a non-2xx answer throws an ApiError with the server's reason. */
async function send<T>(method: string, path: string, body?: unknown): Promise<T | null> {
  const res = await fetch(path, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return null;
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, typeof json.error === 'string' ? json.error : `${res.status}`);
  return json as T;
}

/** A team's members and agent tokens (owners only). */
export const team = {
  members: (id: number) => getJson<MemberBody[]>(`/api/teams/${id}/members`),
  addMember: (id: number, body: AddMember) => send<MemberAdded>('POST', `/api/teams/${id}/members`, body),
  removeMember: (id: number, user: number) => send<null>('DELETE', `/api/teams/${id}/members/${user}`),
  tokens: (id: number) => getJson<AgentTokenBody[]>(`/api/teams/${id}/tokens`),
  createToken: (id: number, body: CreateAgentToken) => send<CreatedAgentToken>('POST', `/api/teams/${id}/tokens`, body),
  revokeToken: (id: number, token: number) => send<null>('DELETE', `/api/teams/${id}/tokens/${token}`),
};

/** Who may read a session, and its share links (team server; for those who may change the session). */
export const sharing = {
  links: (session: number) => getJson<ShareLinkBody[]>(`/api/sessions/${session}/shares`),
  create: (session: number, body: CreateShareLink) =>
    send<CreatedShareLink>('POST', `/api/sessions/${session}/shares`, body),
  revoke: (session: number, link: number) => send<null>('DELETE', `/api/sessions/${session}/shares/${link}`),
  visibility: (session: number, visibility: Session['visibility']) =>
    send<Session>('PATCH', `/api/sessions/${session}`, { visibility }),
};
