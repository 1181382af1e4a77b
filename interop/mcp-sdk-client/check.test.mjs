// Interoperability check: the official MCP TypeScript SDK's client (@modelcontextprotocol/sdk) drives racecraft's
// MCP server over stdio (`racecraft mcp --server URL`) and over Streamable HTTP (`POST /mcp` on the server):
// it lists the tools and calls each, and every answer agrees with the server's REST API.
//
// Usage: RACECRAFT_BIN=/path/to/racecraft npm test   (starts its own server on a free port, with a simulated session)

import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = process.env.RACECRAFT_BIN ? path.resolve(process.env.RACECRAFT_BIN) : path.resolve(here, '../../target/debug/racecraft');
const TOOLS = ['channel_window', 'compare_laps', 'corner_detail', 'corner_report', 'lap_table', 'list_sessions', 'same_track_sessions'];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls until the server answers its health check (it starts in well under a second), at most 30 s. */
async function waitHealthy(url) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/api/health`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    assert.ok(Date.now() < deadline, `no answer from ${url}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function rest(url, p) {
  const r = await fetch(`${url}${p}`);
  assert.equal(r.status, 200, `GET ${p}`);
  return r.json();
}

/** A tool's answer: its one text block parsed as JSON, or the error text. */
async function call(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  assert.equal(result.content.length, 1, `${name}: one content block`);
  const text = result.content[0].text;
  return result.isError ? { error: text } : JSON.parse(text);
}

/** Lists and calls every tool through `client`, checking each answer against REST. */
async function exercise(client, url) {
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), TOOLS);
  for (const t of tools) {
    assert.equal(t.annotations?.readOnlyHint, true, `${t.name} is read-only`);
    assert.equal(t.inputSchema.type, 'object', `${t.name} has an object schema`);
  }

  const sessions = await call(client, 'list_sessions', {});
  const restSessions = await rest(url, '/api/sessions');
  assert.deepEqual(sessions.map((s) => s.session_id), restSessions.map((s) => s.id));
  const id = sessions.find((s) => s.lap_count >= 3).session_id;

  const table = await call(client, 'lap_table', { session_id: id });
  const laps = await rest(url, `/api/sessions/${id}/laps`);
  assert.deepEqual(table.laps.map((l) => [l.lap_id, l.lap_number, l.lap_time_s]), laps.map((l) => [l.id, l.lap_number, l.lap_time_s]));
  const best = table.laps.find((l) => l.lap_number === table.best_lap_number);
  const other = table.laps.find((l) => l.lap_number !== table.best_lap_number);

  const report = await call(client, 'corner_report', { session_id: id });
  const analysis = await rest(url, `/api/sessions/${id}/analysis`);
  assert.deepEqual(report.corners.map((c) => c.corner), analysis.corners.map((c) => c.number));

  const comparison = await call(client, 'compare_laps', { lap_id: other.lap_id, reference_lap_id: best.lap_id });
  const restComparison = await rest(url, `/api/laps/${other.lap_id}/compare/${best.lap_id}`);
  assert.equal(comparison.difference_s, restComparison.difference_s);
  assert.deepEqual(comparison.corners.map((c) => c.zone_loss_s), restComparison.corners.map((c) => c.zone_loss_s));

  const corner = report.corners[0].corner;
  const detail = await call(client, 'corner_detail', { lap_id: other.lap_id, corner, reference_lap_id: best.lap_id });
  assert.equal(detail.corner, corner);
  assert.equal(detail.zone_loss_s, restComparison.corners.find((c) => c.corner === corner).zone_loss_s);
  const missing = await call(client, 'corner_detail', { lap_id: other.lap_id, corner: 99 });
  assert.match(missing.error, /there is no corner 99; the corners are 1, 2/);

  const sameTrack = await call(client, 'same_track_sessions', { session_id: id });
  const references = await rest(url, `/api/sessions/${id}/references`);
  assert.deepEqual(sameTrack.map((s) => s.session_id), references.sessions.map((s) => s.session_id));

  const window = await call(client, 'channel_window', { lap_id: best.lap_id, channels: ['speed_mps', 'throttle'], from_m: 100, to_m: 600, max_points: 50 });
  assert.equal(window.distance_m.length, 50);
  assert.ok(window.distance_m.every((d) => d >= 100 && d <= 600), 'points inside the window');
  assert.equal(window.channels.speed_mps.length, 50);
  const unknown = await client.callTool({ name: 'no_such_tool', arguments: {} }).then(
    (r) => (r.isError ? r.content[0].text : 'answered'),
    (e) => e.message,
  );
  assert.match(unknown, /no_such_tool|not found|unknown/i);
}

describe('racecraft MCP server with the official TypeScript SDK client', () => {
  let dir;
  let server;
  let url;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'racecraft-mcp-interop-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    server = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
    await waitHealthy(url);
    for (const seed of ['3', '4']) {
      execFileSync(BIN, ['simulate', '--server', url, '--track', 'Monza', '--laps', '3', '--rate', '60', '--speed', '0', '--seed', seed], { stdio: 'ignore', timeout: 120_000 });
    }
  });

  after(() => {
    server?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('over stdio (racecraft mcp --server URL): every tool listed and answered as REST says', async () => {
    const client = new Client({ name: 'racecraft-interop', version: '0.0.0' });
    await client.connect(new StdioClientTransport({ command: BIN, args: ['mcp', '--server', url], stderr: 'inherit' }));
    try {
      assert.equal(client.getServerVersion().name, 'racecraft');
      await exercise(client, url);
    } finally {
      await client.close();
    }
  });

  test('over Streamable HTTP (POST /mcp on the server): the same tools and answers', async () => {
    const client = new Client({ name: 'racecraft-interop', version: '0.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
    try {
      assert.equal(client.getServerVersion().name, 'racecraft');
      await exercise(client, url);
    } finally {
      await client.close();
    }
  });
});
