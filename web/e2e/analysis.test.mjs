// End-to-end check of the lap-analysis page against a running server holding a finished session.
//   RACECRAFT_URL=http://127.0.0.1:8080 [RACECRAFT_ANALYSIS_SESSION=3] [CHROMIUM=/usr/bin/chromium] node --test e2e/
// Without RACECRAFT_ANALYSIS_SESSION it uses the finished session with the most laps. Uses the system
// Chromium through playwright-core; it never downloads a browser.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, BASE, formatLapTime, getJson, launch, newPage as openPage, finishedSession } from './browser.mjs';

/** s.mmm as src/lib/format.ts formatSector prints sectors under a minute. */
function formatSector(s) {
  return s >= 60 ? formatLapTime(s) : (Math.round(s * 1000) / 1000).toFixed(3);
}


describe('lap analysis page', () => {
  let browser;
  let sessionId;
  let analysis;
  const consoleErrors = [];
  const timings = {};

  before(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    sessionId = await finishedSession();
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    fs.writeFileSync(path.join(ARTIFACTS, 'analysis-timings.json'), JSON.stringify({ session: sessionId, ...timings }, null, 2) + '\n');
  });

  const newPage = () => openPage(browser, consoleErrors, { width: 1600, height: 1000 });

  /** Opens the compare view in a fresh page; returns the milliseconds from navigation to everything drawn. */
  async function openCompare(laps, ref) {
    const page = await newPage();
    try {
      await page.goto(`${BASE}/#/session/${sessionId}?laps=${laps.join(',')}&ref=${ref}`);
      await page.waitForFunction(() => document.body.dataset.compareReadyMs, null, { timeout: 120_000 });
      return Number(await page.evaluate(() => document.body.dataset.compareReadyMs));
    } finally {
      await page.close();
    }
  }

  test('opens the compare view of the session, cold and cached', async () => {
    // The server analysed the session when it ended; the first open also pays for a cold browser cache.
    const laps = await getJson(`/api/sessions/${sessionId}/laps`);
    const byTime = laps.filter((l) => l.valid).sort((x, y) => x.lap_time_s - y.lap_time_s).map((l) => l.lap_number);
    timings.open_ms_first = await openCompare([byTime[1]], byTime[0]);
    timings.open_ms = [];
    for (let i = 0; i < 3; i++) timings.open_ms.push(await openCompare([byTime[2 + i] ?? byTime[1]], byTime[0]));
    analysis = await getJson(`/api/sessions/${sessionId}/analysis`);
    const session = await getJson(`/api/sessions/${sessionId}`);
    Object.assign(timings, { laps: analysis.laps.length, frames: session.frame_count });
    console.log(
      `compare view of session ${sessionId} (${analysis.laps.length} laps, ${session.frame_count} frames): ` +
        `first open ${timings.open_ms_first} ms (analysed by the server when the session ended), then ${timings.open_ms.join(', ')} ms`,
    );
    assert.ok(Math.min(...timings.open_ms) < 5000, `compare view took ${timings.open_ms} ms`);
  });

  test('with every lap compared, the lap chips wrap inside their panel', async () => {
    const laps = (await getJson(`/api/sessions/${sessionId}/laps`)).map((l) => l.lap_number);
    const page = await newPage();
    try {
      await page.goto(`${BASE}/#/session/${sessionId}?laps=${laps.slice(1).join(',')}&ref=${laps[0]}`);
      await page.waitForFunction(() => document.body.dataset.compareReadyMs, null, { timeout: 120_000 });
      const layout = await page.evaluate(() => {
        const panel = document.querySelector('[data-testid="compare-view"] .traces-panel').getBoundingClientRect();
        const chips = [...document.querySelectorAll('[data-testid="compare-chip"]')].map((c) => c.getBoundingClientRect());
        return { left: panel.left, right: panel.right, chips: chips.map((c) => ({ left: c.left, right: c.right, top: c.top })) };
      });
      assert.equal(layout.chips.length, laps.length, 'one chip per lap');
      for (const c of layout.chips) {
        assert.ok(c.left >= layout.left - 0.5 && c.right <= layout.right + 0.5, `chip ${JSON.stringify(c)} outside its panel ${layout.left}..${layout.right}`);
      }
      const rows = new Set(layout.chips.map((c) => Math.round(c.top))).size;
      const width = layout.chips.reduce((w, c) => w + (c.right - c.left), 0);
      assert.ok(width > layout.right - layout.left, `${laps.length} chips fit on one line: the test would prove nothing`);
      assert.ok(rows > 1, `${laps.length} chips on ${rows} row`);
      await page.screenshot({ path: path.join(ARTIFACTS, 'analysis-all-laps.png') });
    } finally {
      await page.close();
    }
  });

  test('lap table matches the API; picking two laps compares them; delta, corners and map agree with the API', async () => {
    const page = await newPage();
    try {
      await page.goto(`${BASE}/#/session/${sessionId}`);
      await page.getByTestId('lap-table').waitFor({ timeout: 60_000 });
      const a = analysis ?? (await getJson(`/api/sessions/${sessionId}/analysis`));

      // Every lap's time and sectors as the API gives them; the session best in purple.
      const rows = page.getByTestId('lap-row');
      assert.equal(await rows.count(), a.laps.length, 'one row per analysed lap');
      for (const l of a.laps) {
        const row = page.locator(`[data-testid="lap-row"][data-lap="${l.lap_number}"]`);
        assert.equal(await row.getByTestId('lap-time').textContent(), formatLapTime(l.lap_time_s), `lap ${l.lap_number} time`);
        const sectors = await row.getByTestId('sector').allTextContents();
        assert.deepEqual(sectors, l.sectors_s.map(formatSector), `lap ${l.lap_number} sectors`);
        const cls = (await row.getByTestId('lap-time').getAttribute('class')) ?? '';
        assert.equal(cls.includes('sb'), l.session_best, `lap ${l.lap_number} session-best colour`);
      }
      assert.equal(await page.getByTestId('theoretical').textContent(), formatLapTime(a.theoretical_best.sectors_s));

      // Pick: the best lap as reference, then exactly two other valid laps.
      const valid = a.laps.filter((l) => l.valid).sort((x, y) => x.lap_time_s - y.lap_time_s);
      const ref = valid[0];
      const picks = [valid[valid.length - 1], valid[1]];
      await page.locator(`[data-testid="lap-row"][data-lap="${ref.lap_number}"] [data-testid="pick-ref"]`).check();
      for (const box of await page.locator('[data-testid="pick-lap"]:checked').all()) await box.uncheck();
      for (const l of picks) await page.locator(`[data-testid="lap-row"][data-lap="${l.lap_number}"] [data-testid="pick-lap"]`).check();
      await page.waitForURL(new RegExp(`laps=${picks.map((l) => l.lap_number).join(',')}&ref=${ref.lap_number}$`));

      // Delta trace: one line per picked lap, each ending at its lap-time difference to the reference.
      await page.waitForFunction(
        (n) => (document.querySelector('[data-testid="delta-trace"]')?.getAttribute('data-end-delta') ?? '').split(',').filter(Boolean).length === n,
        picks.length,
        { timeout: 30_000 },
      );
      const ends = ((await page.getByTestId('delta-trace').getAttribute('data-end-delta')) ?? '').split(',').map(Number);
      picks.forEach((l, i) => {
        const diff = l.lap_time_s - ref.lap_time_s;
        assert.ok(Math.abs(ends[i] - diff) < 0.02, `lap ${l.lap_number}: delta ends at ${ends[i]}, lap times differ by ${diff}`);
      });

      // Corner table: the corner that lost most against the reference first, as the comparison API says.
      const cmp = await getJson(`/api/laps/${a.lap_ids[picks[0].lap_number]}/compare/${a.lap_ids[ref.lap_number]}`);
      const worst = [...cmp.corners].sort((x, y) => y.segment_loss_s - x.segment_loss_s || x.corner - y.corner)[0];
      const first = page.getByTestId('corner-row').first();
      await first.waitFor({ timeout: 10_000 });
      assert.equal(Number(await first.getAttribute('data-corner')), worst.corner, 'first corner row');
      assert.ok(Math.abs(Number(await first.getAttribute('data-loss')) - worst.segment_loss_s) < 1e-3, 'first corner loss');
      const advice = cmp.coaching.find((c) => c.corner === worst.corner);
      if (advice) assert.equal((await first.locator('.advice').textContent())?.trim(), advice.message);

      // Track map: drawn from the track model, every corner numbered, pixels on the canvas.
      const track = await getJson(`/api/sessions/${sessionId}/track`);
      const map = page.getByTestId('analysis-map');
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="analysis-map"]')?.getAttribute('data-segments')) > 0);
      assert.equal(Number(await map.getAttribute('data-segments')), track.points.length - 1, 'one coloured segment per centre-line step');
      assert.equal(Number(await map.getAttribute('data-corners')), track.corners.length);
      const lit = await map.evaluate((c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
        return n;
      });
      assert.ok(lit > 2000, `only ${lit} pixels drawn on the map`);
      assert.ok(Number(await page.getByTestId('gg-diagram').getAttribute('data-points')) > 100, 'G-G samples');
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(ARTIFACTS, 'analysis.png'), fullPage: true });

      // Zoom and cursor frame times on the full-resolution laps: wheel steps in, then out; the pointer sweeps.
      await page.waitForFunction(() => {
        const [a, b] = (document.querySelector('[data-testid="compare-view"]')?.getAttribute('data-full-res') ?? '0/1').split('/');
        return a === b;
      }, null, { timeout: 60_000 });
      const frames = await page.evaluate(async () => {
        const over = document.querySelector('[data-testid="trace-speed_mps"] .u-over');
        over.scrollIntoView({ block: 'center' });
        const r = over.getBoundingClientRect();
        const nextFrame = () => new Promise((res) => requestAnimationFrame(() => res()));
        const zoom = [];
        for (let i = 0; i < 40; i++) {
          const t0 = performance.now();
          over.dispatchEvent(new WheelEvent('wheel', { deltaY: i < 20 ? -150 : 150, clientX: r.left + r.width * 0.4, clientY: r.top + 10, bubbles: true, cancelable: true }));
          await nextFrame();
          zoom.push(performance.now() - t0);
        }
        const cursor = [];
        for (let i = 0; i < 40; i++) {
          const t0 = performance.now();
          over.dispatchEvent(new MouseEvent('mousemove', { clientX: r.left + (r.width * i) / 40, clientY: r.top + 10, bubbles: true }));
          await nextFrame();
          cursor.push(performance.now() - t0);
        }
        const stats = (a) => ({ mean: a.reduce((s, x) => s + x, 0) / a.length, max: Math.max(...a) });
        return { zoom: stats(zoom), cursor: stats(cursor) };
      });
      timings.zoom_frame_ms = frames.zoom;
      timings.cursor_frame_ms = frames.cursor;
      console.log(`zoom step: mean ${frames.zoom.mean.toFixed(1)} ms, max ${frames.zoom.max.toFixed(1)} ms; cursor move: mean ${frames.cursor.mean.toFixed(1)} ms, max ${frames.cursor.max.toFixed(1)} ms`);
      await page.getByTestId('zoom-reset').click();

      // Hover the traces: the map shows the cursor; two clicks give range statistics.
      const speed = page.getByTestId('trace-speed_mps').locator('.u-over');
      await speed.scrollIntoViewIfNeeded();
      const box = await speed.boundingBox();
      await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
      await page.waitForFunction(() => document.querySelector('[data-testid="analysis-map"]')?.hasAttribute('data-cursor-m'));
      await page.mouse.click(box.x + box.width * 0.3, box.y + box.height / 2);
      await page.mouse.click(box.x + box.width * 0.45, box.y + box.height / 2);
      await page.getByTestId('range-dd').waitFor();
      const dd = Number((await page.getByTestId('range-dd').textContent()).replace(/[^\d.]/g, ''));
      assert.ok(Math.abs(dd - a.track_length_m * 0.15) < a.track_length_m * 0.01, `Δd ${dd} between markers at 30% and 45% of the lap`);

      // Clicking the worst corner zooms the traces to it.
      await first.click();
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(ARTIFACTS, 'analysis-corner.png'), fullPage: true });
      await page.getByTestId('map-mode').selectOption('speed_mps');
      await page.waitForFunction(() => document.querySelector('[data-testid="analysis-map"]')?.getAttribute('data-mode') === 'speed_mps');
      await page.getByTestId('analysis-map').screenshot({ path: path.join(ARTIFACTS, 'analysis-map-speed.png') });
    } finally {
      await page.close();
    }
  });

  test('a lap of another session as the reference; the export links download the shown laps', async () => {
    const a = analysis ?? (await getJson(`/api/sessions/${sessionId}/analysis`));
    const refs = await getJson(`/api/sessions/${sessionId}/references`);
    assert.ok(refs.sessions.length > 0, 'another session on the same track (scripts/e2e.sh simulates one)');
    assert.ok(refs.sessions.every((s) => s.session_id !== sessionId));
    const other = refs.sessions[0];
    const otherLap = other.laps.filter((l) => l.valid).sort((x, y) => x.lap_time_s - y.lap_time_s)[0];
    const lap = a.laps.filter((l) => l.valid).sort((x, y) => x.lap_time_s - y.lap_time_s)[1];
    const cmp = await getJson(`/api/laps/${a.lap_ids[lap.lap_number]}/compare/${otherLap.id}`);
    assert.equal(cmp.reference_session_id, other.session_id);
    assert.ok(Math.abs(cmp.difference_s - (lap.lap_time_s - otherLap.lap_time_s)) < 2e-3, `${cmp.difference_s}`);

    const page = await newPage();
    try {
      await page.goto(`${BASE}/#/session/${sessionId}?laps=${lap.lap_number}`);
      await page.getByTestId('pick-xref').waitFor({ timeout: 60_000 });
      await page.getByTestId('pick-xref').selectOption(String(otherLap.id));
      await page.waitForURL(new RegExp(`laps=${lap.lap_number}&xref=${otherLap.id}$`));
      const label = `S${other.session_id} L${otherLap.lap_number}`;
      // The delta against the other session's lap ends at the lap-time difference.
      await page.waitForFunction(
        (want) => {
          const end = Number(document.querySelector('[data-testid="delta-trace"]')?.getAttribute('data-end-delta') ?? NaN);
          return Math.abs(end - want) < 0.02;
        },
        cmp.difference_s,
        { timeout: 30_000 },
      );
      const chips = await page.getByTestId('compare-chip').allTextContents();
      assert.ok(chips.some((c) => c.includes(`${label} ref`)), `chips ${chips}`);
      await page.getByTestId('corners-title').waitFor();
      assert.ok((await page.getByTestId('corners-title').textContent()).includes(`against ${label}`));
      const worst = [...cmp.corners].sort((x, y) => y.segment_loss_s - x.segment_loss_s || x.corner - y.corner)[0];
      const first = page.getByTestId('corner-row').first();
      assert.equal(Number(await first.getAttribute('data-corner')), worst.corner, 'first corner row against the other session');
      await page.screenshot({ path: path.join(ARTIFACTS, 'analysis-other-session.png'), fullPage: true });

      // Export: the compared lap of this session, as MoTeC .ld and as CSV.
      const [ld] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-ld').click()]);
      assert.match(ld.suggestedFilename(), new RegExp(`-s${sessionId}-L${lap.lap_number}\\.ld$`));
      const ldPath = path.join(ARTIFACTS, ld.suggestedFilename());
      await ld.saveAs(ldPath);
      const bytes = fs.readFileSync(ldPath);
      assert.equal(bytes.readUInt32LE(0), 0x40, 'the MoTeC .ld header marker');
      assert.ok(bytes.length > 100_000, `.ld of one lap is ${bytes.length} bytes`);
      const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
      assert.match(csv.suggestedFilename(), new RegExp(`-s${sessionId}-L${lap.lap_number}\\.csv$`));
      const text = fs.readFileSync(await csv.path(), 'utf8');
      assert.ok(text.startsWith('"Format","MoTeC CSV File"'), text.slice(0, 80));
      const stored = (await getJson(`/api/sessions/${sessionId}/laps`)).find((l) => l.lap_number === lap.lap_number);
      const dataRows = text.split('\n').filter((row) => /^"\d/.test(row)).length;
      assert.equal(dataRows, stored.frame_count, 'one CSV row per stored frame of the lap');
    } finally {
      await page.close();
    }
  });

  test('no script errors in the browser console', () => {
    assert.deepEqual(consoleErrors, []);
  });
});
