import { describe, expect, it } from 'vitest';
import { liveSocketUrl } from './api';
import { parseRoute, sessionHref } from './route';

describe('parseRoute', () => {
  it('parses the three pages', () => {
    expect(parseRoute('')).toEqual({ page: 'sessions' });
    expect(parseRoute('#/')).toEqual({ page: 'sessions' });
    expect(parseRoute('#/live/7')).toEqual({ page: 'live', id: 7 });
    expect(parseRoute('#/live/7/')).toEqual({ page: 'live', id: 7 });
    expect(parseRoute('#/session/12?x=1')).toEqual({ page: 'session', id: 12, laps: null, ref: null, xref: null });
    expect(parseRoute('#/session/12?laps=&ref=2')).toEqual({ page: 'session', id: 12, laps: [], ref: 2, xref: null });
    expect(parseRoute('#/session/12?laps=3,5&ref=4')).toEqual({ page: 'session', id: 12, laps: [3, 5], ref: 4, xref: null });
    expect(parseRoute('#/session/12?laps=3,x&ref=best')).toEqual({ page: 'session', id: 12, laps: [3], ref: null, xref: null });
    expect(parseRoute('#/live/abc').page).toBe('notfound');
    expect(parseRoute('#/pitwall')).toEqual({ page: 'pitwall' });
    expect(parseRoute('#/pitwall/')).toEqual({ page: 'pitwall' });
  });
  it('parses a share link and nothing that is not one', () => {
    expect(parseRoute('#/share/rc_share_AbC-9_x')).toEqual({ page: 'share', token: 'rc_share_AbC-9_x' });
    expect(parseRoute('#/share/rc_agent_AbC').page).toBe('notfound');
    expect(parseRoute('#/share/rc_share_a<b').page).toBe('notfound');
    expect(parseRoute('#/team/3')).toEqual({ page: 'team', id: 3 });
  });
  it('builds session links that parse back', () => {
    expect(sessionHref(4)).toBe('#/session/4');
    expect(sessionHref(4, [2, 7], 3)).toBe('#/session/4?laps=2,7&ref=3');
    expect(sessionHref(4, [], 3)).toBe('#/session/4?laps=&ref=3');
    expect(parseRoute(sessionHref(4, [2, 7], 3))).toEqual({ page: 'session', id: 4, laps: [2, 7], ref: 3, xref: null });
  });
  it('names a reference lap of another session by its lap id', () => {
    expect(sessionHref(4, [2], null, 81)).toBe('#/session/4?laps=2&xref=81');
    expect(sessionHref(4, [2], 3, 81)).toBe('#/session/4?laps=2&xref=81');
    expect(parseRoute('#/session/4?laps=2&xref=81')).toEqual({ page: 'session', id: 4, laps: [2], ref: null, xref: 81 });
    expect(parseRoute('#/session/4?xref=abc').page === 'session' && parseRoute('#/session/4?xref=abc')).toMatchObject({ xref: null });
  });
  it('builds the viewer socket URL from the page origin', () => {
    expect(liveSocketUrl(7, { protocol: 'http:', host: '127.0.0.1:8080' })).toBe('ws://127.0.0.1:8080/ws/7?format=binary');
    expect(liveSocketUrl(3, { protocol: 'https:', host: 'rc.example' })).toBe('wss://rc.example/ws/3?format=binary');
  });
});
