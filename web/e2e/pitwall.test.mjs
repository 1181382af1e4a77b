// The pit wall in a browser: two team cars simulated on the server (scripts/e2e.sh: Apex #7 driven by Ana and then
// Ben, a driver swap; Apex #12 short of fuel), updating without a reload, the swap in car 7's stint table, the race
// settings form bringing a plan and an alert, and a car's click opening its driver's live dashboard with the car's
// alerts, spoken once each.
//   RACECRAFT_URL=http://127.0.0.1:8080 [CHROMIUM=/usr/bin/chromium] node --test e2e/pitwall.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, BASE, launch, newPage as openPage } from './browser.mjs';

const car = (n) => `[data-testid="car"][data-team="Apex"][data-car="${n}"]`;

describe('pit wall', () => {
  let browser;
  const consoleErrors = [];

  before(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    assert.deepEqual(consoleErrors, [], `console errors: ${consoleErrors.join('\n')}`);
  });

  test('shows both cars live, the driver swap, an alert and the plan, and opens a car\'s dashboard', async () => {
    const page = await openPage(browser, consoleErrors, { width: 1440, height: 1000 });
    // Count what the dashboard would say instead of saying it.
    await page.addInitScript(() => {
      window.__spoken = [];
      if (window.speechSynthesis) window.speechSynthesis.speak = (u) => window.__spoken.push(u.text);
    });
    try {
      await page.goto(`${BASE}/#/`);
      await page.getByRole('link', { name: 'Pit wall', exact: true }).click();
      await page.waitForURL(/#\/pitwall$/);
      await page.locator(car(7)).waitFor({ timeout: 30_000 });
      await page.locator(car(12)).waitFor({ timeout: 30_000 });
      assert.equal(await page.locator('[data-testid="car"]').count(), 2, 'one card per car');

      // Live: car 7's lap or fuel changes while the page stays loaded.
      const reading = () =>
        page.evaluate((sel) => {
          const c = document.querySelector(sel);
          return `${c?.querySelector('[data-testid="car-lap"]')?.textContent}|${c?.querySelector('[data-testid="fuel-now"]')?.textContent}`;
        }, car(7));
      const first = await reading();
      assert.match(first, /\| ?\d+\.\d l$/, `fuel with its unit: ${first}`);
      await page.waitForFunction(
        ([sel, was]) => {
          const c = document.querySelector(sel);
          return `${c?.querySelector('[data-testid="car-lap"]')?.textContent}|${c?.querySelector('[data-testid="fuel-now"]')?.textContent}` !== was;
        },
        [car(7), first],
        { timeout: 20_000 },
      );
      const navigations = await page.evaluate(() => performance.getEntriesByType('navigation').length);
      assert.equal(navigations, 1, 'no reload');

      // The driver swap: car 7's stints are Ana's and then Ben's, and Ben drives it now.
      await page.waitForFunction(
        (sel) => {
          const drivers = [...document.querySelectorAll(`${sel} [data-testid="stint"]`)].map((r) => r.getAttribute('data-driver'));
          return drivers.join(',') === 'Ana,Ben';
        },
        car(7),
        { timeout: 60_000 },
      );
      assert.equal(await page.locator(`${car(7)} [data-testid="car-driver"]`).textContent(), 'Ben');
      assert.equal(await page.locator(`${car(12)} [data-testid="car-driver"]`).textContent(), 'Cleo');

      // Ben races five simulated opponents: car 7's card shows the field as a timing tower, Ben's row marked.
      const tower = `${car(7)} [data-testid="timing-tower"]`;
      await page.waitForFunction((sel) => document.querySelectorAll(`${sel} [data-testid="tower-row"]`).length === 6, tower, { timeout: 20_000 });
      const positions = await page.locator(`${tower} [data-testid="tower-row"]`).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-position')));
      assert.deepEqual(positions, ['1', '2', '3', '4', '5', '6']);
      assert.match(await page.locator(`${tower} tr.player`).textContent(), /Ben/);
      assert.equal(await page.locator(`${tower} [data-testid="tower-gap"]`).first().textContent(), 'Leader');

      // Car 12 started on 6 l: while its fuel lasts it has fewer laps of it than the alert's threshold (once the tank
      // is dry the simulated car drives on using none, and the alert goes as the window forgets the laps that did).
      const lowFuel = page.locator(`${car(12)} [data-testid="alert"][data-kind="low_fuel"]`);
      if (await lowFuel.count()) assert.match((await lowFuel.first().textContent()) ?? '', /fuel/i);

      // Each car shows its tyres, FL FR RL RR.
      assert.equal(await page.locator(`${car(7)} [data-testid="tyre-wear"]`).count(), 4);
      assert.match((await page.locator(`${car(7)} [data-testid="tyre-pressure"]`).first().textContent()) ?? '', /^\d+$/);

      // A race length and a tyre window from the form: sent as the query, they bring car 7 a pit plan and (its tyres
      // run at 70-80 °C) a tyre temperature alert.
      await page.getByTestId('set-race').selectOption('laps');
      await page.getByTestId('set-race_laps').fill('60');
      await page.getByTestId('set-tyre_min_c').fill('95');
      await page.waitForFunction(
        (sel) => document.querySelector(`${sel} [data-testid="plan-stops"], ${sel} [data-testid="plan-error"]`) !== null,
        car(7),
        { timeout: 15_000 },
      );
      assert.ok(
        (await page.locator(`${car(7)} [data-testid="one-more-stop"], ${car(7)} [data-testid="plan-error"]`).count()) >= 1,
        'the plan says whether one more stop is faster, or why there is no plan',
      );
      const tyreAlert = page.locator(`${car(7)} [data-testid="alert"][data-kind="tyre_temperature"]`).first();
      await tyreAlert.waitFor({ timeout: 15_000 });
      assert.match((await tyreAlert.getAttribute('data-severity')) ?? '', /^(info|warning|critical)$/);
      assert.match((await tyreAlert.textContent()) ?? '', /tyre/i);
      const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('racecraft.pitwall.settings') ?? 'null'));
      assert.equal(stored?.race, 'laps');
      assert.equal(stored?.race_laps, 60);
      assert.equal(stored?.tyre_min_c, 95);
      await page.screenshot({ path: path.join(ARTIFACTS, 'pitwall.png'), fullPage: true });

      // Kept over a reload.
      await page.reload();
      await page.locator(car(7)).waitFor({ timeout: 15_000 });
      assert.equal(await page.getByTestId('set-race_laps').inputValue(), '60');

      // Clicking car 7 opens its driver's live dashboard, which shows the car's alerts (with the same settings).
      const sessionId = await page.locator(car(7)).getAttribute('data-session-id');
      await page.locator(`${car(7)} [data-testid="car-link"]`).click();
      await page.waitForURL(new RegExp(`#/live/${sessionId}$`));
      await page.getByTestId('live-dashboard').waitFor();
      await page.locator('[data-testid="dash-alert"][data-kind="tyre_temperature"]').first().waitFor({ timeout: 15_000 });

      // "Speak alerts": each raised alert is said once, however many polls follow.
      await page.getByTestId('speak-alerts').check();
      const polls = Number(await page.getByTestId('dash-alerts').getAttribute('data-polls'));
      await page.waitForFunction(
        (n) => Number(document.querySelector('[data-testid="dash-alerts"]')?.getAttribute('data-polls')) >= n + 2,
        polls,
        { timeout: 15_000 },
      );
      const spoken = await page.evaluate(() => window.__spoken);
      assert.equal(spoken.filter((t) => /tyre/i.test(t)).length, 1, `the tyre alert spoken once: ${JSON.stringify(spoken)}`);
      await page.screenshot({ path: path.join(ARTIFACTS, 'pitwall-dashboard.png') });
    } finally {
      await page.close();
    }
  });
});
