// Hash routes: #/ (sessions), #/pitwall (every team car's race figures), #/share/{token} (a share link: opens its session), #/team/{id} (members, tokens), #/live/{id}, #/session/{id}[?laps=3,5&ref=4] (lap numbers), where instead of
// `ref` an `xref` names the reference lap of another session on the same track by its lap id.

export type Route =
  | { page: 'sessions' }
  | { page: 'pitwall' }
  | { page: 'live'; id: number }
  | { page: 'session'; id: number; laps: number[] | null; ref: number | null; xref: number | null }
  | { page: 'share'; token: string }
  | { page: 'team'; id: number }
  | { page: 'notfound'; hash: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').split('?')[0].replace(/\/+$/, '') || '/';
  if (path === '/' || path === '') return { page: 'sessions' };
  if (path === '/pitwall') return { page: 'pitwall' };
  const share = /^\/share\/(rc_share_[A-Za-z0-9_-]+)$/.exec(path);
  if (share) return { page: 'share', token: share[1] };
  const team = /^\/team\/(\d+)$/.exec(path);
  if (team) return { page: 'team', id: Number(team[1]) };
  const m = /^\/(live|session)\/(\d+)$/.exec(path);
  if (m && m[1] === 'live') return { page: 'live', id: Number(m[2]) };
  if (m) {
    const q = new URLSearchParams(hash.replace(/^#/, '').split('?')[1] ?? '');
    // No `laps` parameter means "the default pick"; an empty one means none picked.
    const lapsParam = q.get('laps');
    const laps =
      lapsParam === null
        ? null
        : lapsParam
            .split(',')
            .filter((s) => /^\d+$/.test(s))
            .map(Number);
    const num = (key: string) => {
      const v = q.get(key);
      return v && /^\d+$/.test(v) ? Number(v) : null;
    };
    return { page: 'session', id: Number(m[2]), laps, ref: num('ref'), xref: num('xref') };
  }
  return { page: 'notfound', hash };
}

export function liveHref(id: number): string {
  return `#/live/${id}`;
}

/** The session's analysis page; `laps` (lap numbers; null: the default pick) are compared against lap `ref` of
 * the session, or against the lap with id `xref` of another session. */
export function sessionHref(
  id: number,
  laps: readonly number[] | null = null,
  ref: number | null = null,
  xref: number | null = null,
): string {
  const q: string[] = [];
  if (laps !== null) q.push(`laps=${laps.join(',')}`);
  if (xref !== null) q.push(`xref=${xref}`);
  else if (ref !== null) q.push(`ref=${ref}`);
  return `#/session/${id}${q.length ? '?' + q.join('&') : ''}`;
}
