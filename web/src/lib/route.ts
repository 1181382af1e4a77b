// Hash routes: #/ (sessions), #/live/{id}, #/session/{id}.

export type Route =
  | { page: 'sessions' }
  | { page: 'live'; id: number }
  | { page: 'session'; id: number }
  | { page: 'notfound'; hash: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').split('?')[0].replace(/\/+$/, '') || '/';
  if (path === '/' || path === '') return { page: 'sessions' };
  const m = /^\/(live|session)\/(\d+)$/.exec(path);
  if (m) return { page: m[1] as 'live' | 'session', id: Number(m[2]) };
  return { page: 'notfound', hash };
}

export function liveHref(id: number): string {
  return `#/live/${id}`;
}

export function sessionHref(id: number): string {
  return `#/session/${id}`;
}
