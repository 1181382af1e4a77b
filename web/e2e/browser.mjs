// What both browser tests share: the server's address, the artifacts folder, the rule the UI formats lap times
// with (an independent copy of src/lib/format.ts, so a change there is caught), JSON GETs, and a system
// Chromium (playwright-core; a browser is never downloaded) whose pages collect console errors.
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const BASE = (process.env.RACECRAFT_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
export const ARTIFACTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'artifacts');

/** m:ss.mmm, the same rule as src/lib/format.ts formatLapTime. */
export function formatLapTime(s) {
  if (s == null || !Number.isFinite(s) || s < 0) return '-:--.---';
  const ms = Math.round(s * 1000);
  const minutes = Math.floor(ms / 60000);
  const rest = ms - minutes * 60000;
  const secs = Math.floor(rest / 1000);
  const millis = rest - secs * 1000;
  return `${minutes}:${String(secs).padStart(2, '0')}.${String(millis).padStart(3, '0')}`;
}

export async function getJson(p) {
  const res = await fetch(BASE + p);
  assert.ok(res.ok, `GET ${p}: ${res.status}`);
  return res.json();
}

/** Headless Debian Chromium. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** A page of `browser` whose console errors and uncaught exceptions go into `errors`. */
export async function newPage(browser, errors, viewport) {
  const page = await browser.newPage({ viewport });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${m.text()} ${m.location()?.url ?? ''}`.trim());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return page;
}

/** The finished session with the most laps (at least 3), or RACECRAFT_ANALYSIS_SESSION: the lap-analysis tests' session. */
export async function finishedSession() {
  if (process.env.RACECRAFT_ANALYSIS_SESSION) return Number(process.env.RACECRAFT_ANALYSIS_SESSION);
  const sessions = (await getJson('/api/sessions')).filter((s) => !s.live && s.lap_count >= 3);
  if (!sessions.length) throw new Error('no finished session with 3 laps on the server: simulate one or set RACECRAFT_ANALYSIS_SESSION');
  sessions.sort((a, b) => b.lap_count - a.lap_count || b.id - a.id);
  return sessions[0].id;
}
