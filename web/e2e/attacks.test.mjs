// A web page the user happens to visit must not be able to write to the local server, read its live data
// or reach it by DNS rebinding. Each test runs a real page in Chromium on another origin (a small Node server
// on another port of 127.0.0.1) or under a foreign host name, and then checks through the API that nothing
// got in.
//   RACECRAFT_URL=http://127.0.0.1:8080 node --test e2e/attacks.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { chromium } from 'playwright-core';
import { BASE, getJson, launch } from './browser.mjs';

const WS_BASE = BASE.replace(/^http/, 'ws');

/** The attacker's page: tries every way in and reports what happened in `window.outcome`. */
function attackerPage(sessionId) {
  return `<!doctype html><html><body>
<iframe name="sink" style="display:none"></iframe>
<form id="ac" method="POST" enctype="text/plain" target="sink" action="${BASE}/ingest?session_id=${sessionId}">
  <input name='[{"gas":1,"packetId":999999999,"x":"' value='"}]'>
</form>
<form id="api" method="POST" enctype="application/x-www-form-urlencoded" target="sink" action="${BASE}/api/ingest">
  <input name="track" value="evil-form"><input name="rpm" value="1">
</form>
<script>
window.outcome = { opened: [], messages: 0, fetches: {} };
function ws(path, send) {
  return new Promise((resolve) => {
    const s = new WebSocket('${WS_BASE}' + path);
    s.onopen = () => { window.outcome.opened.push(path); if (send) s.send(send); };
    s.onmessage = () => { window.outcome.messages++; };
    s.onclose = () => resolve();
    s.onerror = () => {};
    setTimeout(() => { try { s.close(); } catch (e) {} resolve(); }, 3000);
  });
}
async function tryFetch(name, url, init) {
  try {
    const r = await fetch(url, init);
    window.outcome.fetches[name] = r.type === 'opaque' ? 'sent-opaque' : r.status;
  } catch (e) {
    window.outcome.fetches[name] = 'blocked';
  }
}
window.attack = async () => {
  const body = JSON.stringify({ track: 'evil-fetch', chassis: 'x', rpm: 1 });
  await tryFetch('text_plain', '${BASE}/api/ingest', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body });
  await tryFetch('no_type', '${BASE}/api/ingest', { method: 'POST', mode: 'no-cors', body });
  await tryFetch('delete', '${BASE}/api/sessions/${sessionId}', { method: 'DELETE' });
  await tryFetch('json', '${BASE}/api/ingest', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  for (const form of ['ac', 'api']) {
    // Each form's answer loads into the hidden frame: wait for it before the next one.
    const loaded = new Promise((r) => { document.querySelector('iframe').onload = r; });
    document.getElementById(form).submit();
    await loaded;
  }
  await ws('/ws/${sessionId}');
  await ws('/ws/ingest', JSON.stringify({ type: 'hello', session_id: ${sessionId} }));
  return window.outcome;
};
</script></body></html>`;
}

async function metrics() {
  const res = await fetch(BASE + '/metrics');
  return res.text();
}

function counter(text, prefix) {
  return text
    .split('\n')
    .filter((l) => l.startsWith(prefix))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

describe('a page on another origin', () => {
  let browser;
  let attacker;
  let attackerUrl;
  let sessionId;

  before(async () => {
    const sessions = await getJson('/api/sessions');
    const live = sessions.find((s) => s.live) ?? sessions[0];
    assert.ok(live, 'the server has a session to attack');
    sessionId = live.id;
    attacker = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(attackerPage(sessionId));
    });
    await new Promise((r) => attacker.listen(0, '127.0.0.1', r));
    attackerUrl = `http://127.0.0.1:${attacker.address().port}/`;
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await new Promise((r) => attacker?.close(r));
  });

  test('cannot write, delete or open a WebSocket, and is counted as refused', async () => {
    const before = await metrics();
    const page = await browser.newPage();
    await page.goto(attackerUrl);
    const outcome = await page.evaluate(() => window.attack());
    await page.close();

    assert.deepEqual(outcome.opened, [], `no WebSocket opened: ${JSON.stringify(outcome)}`);
    assert.equal(outcome.messages, 0, 'no live data reached the page');
    const after = await metrics();
    for (const transport of ['http_api', 'http_ac']) {
      const name = `racecraft_frames_received_total{transport="${transport}"}`;
      assert.equal(counter(after, name), counter(before, name), `no frame came in through ${transport}`);
    }
    const refused = counter(after, 'racecraft_requests_refused_total') - counter(before, 'racecraft_requests_refused_total');
    // text/plain, no content type, both forms and both WebSockets reach the server and are refused (the
    // DELETE and the JSON POST are stopped by the browser's preflight, which the server does not answer).
    assert.ok(refused >= 6, `refused ${refused}: ${JSON.stringify(outcome)}`);

    const sessions = await getJson('/api/sessions');
    assert.ok(sessions.some((s) => s.id === sessionId), 'the session was not deleted');
    assert.ok(!sessions.some((s) => String(s.track).startsWith('evil')), 'no session was created');
  });

  test('cannot reach the server by DNS rebinding (a foreign host name resolving to 127.0.0.1)', async () => {
    const port = new URL(BASE).port;
    const rebound = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--host-resolver-rules=MAP rebind.test 127.0.0.1'],
    });
    try {
      const page = await rebound.newPage();
      const res = await page.goto(`http://rebind.test:${port}/`);
      assert.equal(res.status(), 403, 'the UI is not served under a foreign name');
      const body = await res.json();
      assert.match(body.error, /rebind\.test/);
      const status = await page.evaluate(async (id) => (await fetch(`/api/sessions/${id}`, { method: 'DELETE' })).status, sessionId);
      assert.equal(status, 403, 'a same-origin DELETE under the foreign name is refused');
      const list = await page.evaluate(async () => (await fetch('/api/sessions')).status);
      assert.equal(list, 403, 'and so are reads');
    } finally {
      await rebound.close();
    }
    const sessions = await getJson('/api/sessions');
    assert.ok(sessions.some((s) => s.id === sessionId), 'the session is still there');
  });

  test('the UI is served with its security headers', async () => {
    const res = await fetch(BASE + '/');
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    // A foreign page cannot frame it.
    const page = await browser.newPage();
    const framed = http.createServer((req, r) => {
      r.writeHead(200, { 'content-type': 'text/html' });
      r.end(`<iframe id="f" src="${BASE}/"></iframe>`);
    });
    await new Promise((r) => framed.listen(0, '127.0.0.1', r));
    try {
      const blocked = new Promise((resolve) => page.on('console', (m) => /frame-ancestors|Refused to display/.test(m.text()) && resolve(true)));
      await page.goto(`http://127.0.0.1:${framed.address().port}/`);
      assert.equal(await blocked, true, 'Chromium refused to display the framed UI');
    } finally {
      await page.close();
      await new Promise((r) => framed.close(r));
    }
  });
});
