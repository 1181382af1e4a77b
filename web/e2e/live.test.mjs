// End-to-end check of the web UI against a running Racecraft server.
//   RACECRAFT_URL=http://127.0.0.1:8080 [RACECRAFT_SESSION=7] [CHROMIUM=/usr/bin/chromium] node --test e2e/
// Uses the system Chromium through playwright-core; it never downloads a browser.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, BASE, formatLapTime, getJson, launch, newPage as openPage } from './browser.mjs';

/** Best lap as the dashboard shows it when the server gives none: fastest valid lap. */
function bestOf(laps) {
  const valid = laps.filter((l) => l.valid !== false);
  const pool = valid.length ? valid : laps;
  return pool.length ? Math.min(...pool.map((l) => l.lap_time_s)) : null;
}

async function liveSessionId() {
  if (process.env.RACECRAFT_SESSION) return Number(process.env.RACECRAFT_SESSION);
  const sessions = await getJson('/api/sessions');
  // The demo driver's session, not a pit-wall test car's (those name a car number).
  const live = sessions.find((s) => s.live && !s.car_number) ?? sessions.find((s) => s.live);
  assert.ok(live, 'no live session on the server: start one or set RACECRAFT_SESSION');
  return live.id;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('racecraft web UI', () => {
  let browser;
  let sessionId;
  const consoleErrors = [];

  before(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    sessionId = await liveSessionId();
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
  });

  const newPage = () => openPage(browser, consoleErrors, { width: 1440, height: 900 });

  test('live dashboard shows moving telemetry, the car on the map and the best lap', async () => {
    const page = await newPage();
    try {
      await page.goto(`${BASE}/#/live/${sessionId}`);
      const speed = page.getByTestId('speed');
      const map = page.getByTestId('track-map');
      await page.waitForFunction(() => /^\d+$/.test(document.querySelector('[data-testid="speed"]')?.textContent ?? ''), null, { timeout: 15_000 });
      await page.waitForFunction(() => document.querySelector('[data-testid="track-map"]')?.hasAttribute('data-car-x'), null, { timeout: 15_000 });

      const samples = [];
      for (let i = 0; i < 8; i++) {
        samples.push({
          speed: await speed.textContent(),
          x: await map.getAttribute('data-car-x'),
          y: await map.getAttribute('data-car-y'),
          points: Number(await map.getAttribute('data-points')),
        });
        await sleep(280);
      }
      await page.screenshot({ path: path.join(ARTIFACTS, 'live.png') });

      const speeds = new Set(samples.map((s) => s.speed));
      const positions = new Set(samples.map((s) => `${s.x},${s.y}`));
      assert.ok(speeds.size > 1, `speed never changed: ${[...speeds]}`);
      assert.ok(positions.size > 1, `car never moved: ${[...positions]}`);
      for (const s of samples) assert.ok(Number.isFinite(Number(s.x)) && Number.isFinite(Number(s.y)), `bad car position ${s.x},${s.y}`);
      assert.ok(samples.at(-1).points > 10, `only ${samples.at(-1).points} map points drawn`);

      for (const id of ['rpm', 'gear', 'lap', 'lap-time', 'best-lap', 'last-lap']) {
        assert.equal(await page.getByTestId(id).count(), 1, `missing data-testid=${id}`);
      }
      assert.match((await page.getByTestId('gear').textContent()) ?? '', /^(R|N|\d+)$/);
      assert.match((await page.getByTestId('rpm').textContent()) ?? '', /^\d+$/);
      assert.match((await page.getByTestId('lap-time').textContent()) ?? '', /^\d+:\d{2}\.\d{3}$/);

      // Best lap: equal to the fastest stored lap. A lap may complete meanwhile, so re-read both for a while.
      let expected = null;
      let shown = null;
      const deadline = Date.now() + 6000;
      do {
        const laps = await getJson(`/api/sessions/${sessionId}/laps`);
        if (!laps.length) break;
        expected = formatLapTime(bestOf(laps));
        shown = await page.getByTestId('best-lap').textContent();
        if (shown === expected) break;
        await sleep(300);
      } while (Date.now() < deadline);
      if (expected !== null) assert.equal(shown, expected, 'best lap on the dashboard');

      // With a completed lap: the live delta to the best lap, and the last lap's insights from the analysis.
      if (expected !== null) {
        await page.waitForFunction(() => /^[+-]\d+\.\d{3}$/.test(document.querySelector('[data-testid="live-delta"]')?.textContent ?? ''), null, { timeout: 20_000 });
        await page.getByTestId('last-lap-insight').waitFor({ timeout: 20_000 });
        // The server's insight_update: sector deltas against the best sectors before the lap.
        await page.getByTestId('insight-sectors').waitFor({ timeout: 30_000 });
        await page.screenshot({ path: path.join(ARTIFACTS, 'live-delta.png') });
      }
    } finally {
      await page.close();
    }
  });

  test('session list shows the live session', async () => {
    const page = await newPage();
    try {
      await page.goto(`${BASE}/#/`);
      // With exactly one live session the list forwards to its dashboard on first load; going back to
      // the list afterwards must not forward again.
      const sessions = await getJson('/api/sessions');
      if (sessions.filter((s) => s.live).length === 1) {
        await page.waitForURL(new RegExp(`#/live/${sessions.find((s) => s.live).id}$`), { timeout: 10_000 });
        await page.getByTestId('nav-sessions').click();
      }
      const row = page.locator(`[data-testid="session-row"][data-session-id="${sessionId}"]`);
      await row.waitFor({ timeout: 10_000 });
      assert.equal(await row.locator('.badge-live').count(), 1, 'live badge');
      assert.equal(await row.getByTestId('live-link').getAttribute('href'), `#/live/${sessionId}`);
      await sleep(2500); // a poll later it is still the list
      assert.ok(page.url().endsWith('#/'), `left the list: ${page.url()}`);
      await page.screenshot({ path: path.join(ARTIFACTS, 'sessions.png') });
    } finally {
      await page.close();
    }
  });

  test('session page lists laps with the best one highlighted', async () => {
    const page = await newPage();
    try {
      await page.goto(`${BASE}/#/session/${sessionId}`);
      const laps = await getJson(`/api/sessions/${sessionId}/laps`);
      if (laps.length) {
        await page.getByTestId('lap-table').waitFor({ timeout: 20_000 });
        const best = page.locator('[data-testid="lap-table"] td.time.sb');
        assert.ok((await best.count()) >= 1, 'a session-best lap row');
      }
      await page.screenshot({ path: path.join(ARTIFACTS, 'session.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  test('no script errors in the browser console', () => {
    assert.deepEqual(consoleErrors, []);
  });
});
