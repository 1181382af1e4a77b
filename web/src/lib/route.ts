// Hash routes: #/ (sessions), #/live/{id}, #/session/{id}[?laps=3,5&ref=4] (lap numbers).

export type Route =
  | { page: 'sessions' }
  | { page: 'live'; id: number }
  | { page: 'session'; id: number; laps: number[] | null; ref: number | null }
  | { page: 'notfound'; hash: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').split('?')[0].replace(/\/+$/, '') || '/';
  if (path === '/' || path === '') return { page: 'sessions' };
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
    const ref = q.get('ref');
    return { page: 'session', id: Number(m[2]), laps, ref: ref && /^\d+$/.test(ref) ? Number(ref) : null };
  }
  return { page: 'notfound', hash };
}

export function liveHref(id: number): string {
  return `#/live/${id}`;
}

/** The session's analysis page; `laps` (lap numbers; null: the default pick) are compared against lap `ref`. */
export function sessionHref(id: number, laps: readonly number[] | null = null, ref: number | null = null): string {
  const q: string[] = [];
  if (laps !== null) q.push(`laps=${laps.join(',')}`);
  if (ref !== null) q.push(`ref=${ref}`);
  return `#/session/${id}${q.length ? '?' + q.join('&') : ''}`;
}
