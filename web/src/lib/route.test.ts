import { describe, expect, it } from 'vitest';
import { liveSocketUrl } from './api';
import { parseRoute } from './route';

describe('parseRoute', () => {
  it('parses the three pages', () => {
    expect(parseRoute('')).toEqual({ page: 'sessions' });
    expect(parseRoute('#/')).toEqual({ page: 'sessions' });
    expect(parseRoute('#/live/7')).toEqual({ page: 'live', id: 7 });
    expect(parseRoute('#/live/7/')).toEqual({ page: 'live', id: 7 });
    expect(parseRoute('#/session/12?x=1')).toEqual({ page: 'session', id: 12 });
    expect(parseRoute('#/live/abc').page).toBe('notfound');
  });
  it('builds the viewer socket URL from the page origin', () => {
    expect(liveSocketUrl(7, { protocol: 'http:', host: '127.0.0.1:8080' })).toBe('ws://127.0.0.1:8080/ws/7?format=binary');
    expect(liveSocketUrl(3, { protocol: 'https:', host: 'rc.example' })).toBe('wss://rc.example/ws/3?format=binary');
  });
});
