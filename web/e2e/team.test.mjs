// A team server in real Chromium: the UI asks to sign in, refuses a wrong password, shows the team's
// sessions after signing in and forgets them after signing out; and a page on another origin, opened in the
// browser of a signed-in engineer, can neither write, delete nor open a live socket with the user's cookie.
//   RACECRAFT_TEAM_URL=… RACECRAFT_TEAM_USER=… RACECRAFT_TEAM_PASSWORD=… node --test e2e/team.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { launch } from './browser.mjs';

const TEAM = process.env.RACECRAFT_TEAM_URL?.replace(/\/+$/, '');
const USER = process.env.RACECRAFT_TEAM_USER;
const PASSWORD = process.env.RACECRAFT_TEAM_PASSWORD;

/** A cookie header of a fresh login, for checking through the API what the browser did. */
async function signedInCookie() {
  const res = await fetch(`${TEAM}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: USER, password: PASSWORD }),
  });
  assert.equal(res.status, 200, 'the test user signs in');
  return res.headers.get('set-cookie').split(';')[0];
}

/** Signs `page` in through the sign-in form. */
async function signInPage(page) {
  await page.goto(`${TEAM}/`);
  await page.fill('input[name=name]', USER);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('button[type=submit]');
}

async function sessions(cookie) {
  const res = await fetch(`${TEAM}/api/sessions?archived=true`, { headers: { cookie } });
  assert.equal(res.status, 200);
  return res.json();
}

describe('a team server', () => {
  let browser;
  let attacker;
  let attackerUrl;

  before(async () => {
    // Never skipped: scripts/e2e.sh starts the team server and names it.
    assert.ok(TEAM && USER && PASSWORD, 'RACECRAFT_TEAM_URL, RACECRAFT_TEAM_USER and RACECRAFT_TEAM_PASSWORD must be set (scripts/e2e.sh does)');
    attacker = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>elsewhere</title>');
    });
    await new Promise((r) => attacker.listen(0, '127.0.0.1', r));
    attackerUrl = `http://127.0.0.1:${attacker.address().port}/`;
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await new Promise((r) => attacker?.close(r));
  });

  test('asks to sign in, refuses a wrong password, shows the sessions, signs out', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${TEAM}/`);
    await page.getByTestId('signin').waitFor();
    assert.equal(await page.getByTestId('session-row').count(), 0, 'nothing is shown before signing in');

    await page.fill('input[name=name]', USER);
    await page.fill('input[name=password]', 'not the password');
    await page.click('button[type=submit]');
    const error = await page.getByTestId('signin-error').textContent();
    assert.match(error, /wrong user name or password/);

    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.getByTestId('session-row').first().waitFor();
    assert.match(await page.getByTestId('signed-in').textContent(), new RegExp(USER));
    const cookie = (await context.cookies()).find((c) => c.name === 'racecraft_session');
    assert.ok(cookie?.httpOnly, 'the login cookie is HttpOnly');
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(await page.evaluate(() => document.cookie.includes('racecraft_session')), false, 'scripts cannot read it');

    await page.getByTestId('sign-out').click();
    await page.getByTestId('signin').waitFor();
    const status = await page.evaluate(async () => (await fetch('/api/sessions')).status);
    assert.equal(status, 401, 'signed out for real, not just hidden');
    await context.close();
  });

  test('the owner adds a member and makes and revokes an agent token on the team page', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInPage(page);
    await page.getByTestId('nav-team').first().click();
    await page.getByTestId('team-page').waitFor();
    // Members and tokens arrive together: once the owner's row is there, both lists are loaded.
    await page.getByTestId('member-row').filter({ hasText: USER }).waitFor();
    const before = await page.getByTestId('member-row').count();

    await page.fill('input[name=member]', 'newbie');
    await page.selectOption('select[name=role]', 'viewer');
    await page.click('[data-testid=add-member] button[type=submit]');
    await page.getByTestId('secret-value').waitFor();
    const password = await page.getByTestId('secret-value').textContent();
    assert.equal(password.length, 22, password);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=member-row]').length === n, before + 1);
    const login = await fetch(`${TEAM}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'newbie', password }),
    });
    assert.equal(login.status, 200, 'the one-time password signs the new member in');
    assert.equal((await login.json()).teams[0].role, 'viewer');

    const tokensBefore = await page.getByTestId('token-row').count();
    await page.selectOption('select[name=driver]', 'dan');
    await page.fill('input[name=label]', 'laptop');
    await page.click('[data-testid=create-token] button[type=submit]');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=token-row]').length === n, tokensBefore + 1);
    assert.match(await page.getByTestId('secret-value').textContent(), /^rc_agent_[A-Za-z0-9_-]{43}$/);
    const newest = page.getByTestId('token-row').first();
    assert.match(await newest.textContent(), /laptop/);
    await newest.getByTestId('revoke').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=token-row] [data-testid=token-state]')?.textContent === 'revoked');
    await context.close();
  });

  test('the session page shares the session and sets who may read it', async () => {
    const cookie = await signedInCookie();
    const [session] = await sessions(cookie);
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInPage(page);
    await page.goto(`${TEAM}/#/session/${session.id}`);
    await page.getByTestId('share-panel').waitFor();
    await page.selectOption('[data-testid=visibility]', 'private');
    await page.waitForFunction(async (id) => (await (await fetch(`/api/sessions/${id}`)).json()).visibility === 'private', session.id);
    await page.getByTestId('share').click();
    const url = await page.getByTestId('share-url').textContent();
    assert.match(url, /#\/share\/rc_share_/);
    assert.equal(await page.$eval('[data-testid=visibility]', (e) => e.value), 'link', 'sharing makes it readable by link');

    const visitor = await browser.newContext();
    const shared = await visitor.newPage();
    await shared.goto(url);
    await shared.waitForURL(new RegExp(`#/session/${session.id}$`));
    await shared.getByTestId('best-lap').waitFor();
    assert.equal(await shared.getByTestId('share-panel').count(), 0, 'a link holder cannot share further');
    await visitor.close();

    const before = await page.getByTestId('share-link').count();
    await page.getByTestId('share-link').last().getByRole('button').click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=share-link]').length === n - 1, before);
    await context.close();
  });

  test('a share link opens its session without an account until it is revoked', async () => {
    const cookie = await signedInCookie();
    const [session] = await sessions(cookie);
    const created = await fetch(`${TEAM}/api/sessions/${session.id}/shares`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(created.status, 201);
    const { token, listed } = await created.json();

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${TEAM}/#/share/${token}`);
    await page.waitForURL(new RegExp(`#/session/${session.id}$`));
    const best = await page.getByTestId('best-lap').textContent();
    assert.match(best, /^\d:\d\d\.\d\d\d$/, 'the analysis page shows the session');
    assert.equal(await page.getByTestId('signin').count(), 0, 'no sign-in asked');
    await context.close();

    const revoked = await fetch(`${TEAM}/api/sessions/${session.id}/shares/${listed.id}`, { method: 'DELETE', headers: { cookie } });
    assert.equal(revoked.status, 204);
    const again = await browser.newContext();
    const gone = await again.newPage();
    await gone.goto(`${TEAM}/#/share/${token}`);
    const error = await gone.getByTestId('share-error').textContent();
    assert.match(error, /does not exist/);
    await again.close();
  });

  test('a page on another origin cannot use a signed-in user to write, delete or watch', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInPage(page);
    await page.getByTestId('session-row').first().waitFor();

    const cookie = await signedInCookie();
    const before = await sessions(cookie);
    const target = before[0].id;

    const evil = await context.newPage();
    await evil.goto(attackerUrl);
    const outcome = await evil.evaluate(
      async ({ base, id }) => {
        const out = { fetches: {}, opened: false };
        const attempt = async (name, url, init) => {
          try {
            const r = await fetch(url, { credentials: 'include', ...init });
            out.fetches[name] = r.type === 'opaque' ? 'opaque' : r.status;
          } catch {
            out.fetches[name] = 'blocked';
          }
        };
        const body = JSON.stringify({ track: 'evil', speed_kmh: 1 });
        await attempt('post_text', `${base}/api/sessions`, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body });
        await attempt('post_json', `${base}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await attempt('delete', `${base}/api/sessions/${id}`, { method: 'DELETE' });
        await attempt('read', `${base}/api/sessions`, {});
        await new Promise((resolve) => {
          const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws/${id}`);
          ws.onopen = () => {
            out.opened = true;
            ws.close();
          };
          ws.onclose = () => resolve();
          ws.onerror = () => {};
          setTimeout(resolve, 3000);
        });
        return out;
      },
      { base: TEAM, id: target },
    );
    assert.equal(outcome.opened, false, `no live socket with the user's cookie: ${JSON.stringify(outcome)}`);
    assert.equal(outcome.fetches.read, 'blocked', 'the session list is not readable cross-origin');
    const after = await sessions(cookie);
    assert.ok(after.some((s) => s.id === target), 'the session was not deleted');
    assert.equal(after.length, before.length, `no session was created: ${JSON.stringify(outcome)}`);
    await context.close();
  });
});
