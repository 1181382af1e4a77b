// Interoperability check: the independent npm decoder `ac-remote-telemetry-client` (0.1.1) talks to
// racecraft's emulator of Assetto Corsa's UDP remote telemetry server (`racecraft simulate --as ac-udp`)
// and what it decodes must agree with the simulator's ground truth.
//
// Usage: RACECRAFT_BIN=/path/to/racecraft node check.mjs   (or `npm test`)
// Exits 0 when every assertion holds, 1 otherwise; never runs longer than TIMEOUT_MS.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import ACRemoteTelemetryClient from 'ac-remote-telemetry-client';

const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = process.env.RACECRAFT_BIN
  ? path.resolve(process.env.RACECRAFT_BIN)
  : path.resolve(here, '../../target/debug/racecraft');
const HOST = '127.0.0.1'; // the client always talks to port 9996
const TRACK = 'Norisring';
const LAPS = 2;
const TIMEOUT_MS = 60_000;
const MIN_DELIVERED = 0.99; // accepted share of RTCarInfo datagrams if loopback UDP ever drops some

/** The client keeps AC's '%' terminator (and whatever follows it); the name is what precedes it. */
const name = (raw) => raw.split('%')[0];
const close = (actual, expected, what) =>
  assert.ok(
    Math.abs(actual - expected) <= 1e-3 + 1e-5 * Math.abs(expected),
    `${what}: ${actual} is not ≈ ${expected}`,
  );

async function run() {
  const dir = mkdtempSync(path.join(tmpdir(), 'racecraft-ac-interop-'));
  const truthPath = path.join(dir, 'truth.json');
  const args = ['simulate', '--as', 'ac-udp', '--listen', `${HOST}:9996`, '--track', TRACK,
    '--laps', String(LAPS), '--rate', '60', '--speed', '10', '--truth', truthPath];

  const client = new ACRemoteTelemetryClient(HOST);
  const handshakes = [];
  const infos = [];
  const laps = [];
  client.on('HANDSHAKER_RESPONSE', (d) => handshakes.push(d));
  client.on('RT_CAR_INFO', (d) => infos.push(d));
  client.on('RT_LAP', (d) => laps.push(d));

  const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b) => { stdout += b; });
  child.stderr.on('data', (b) => { stderr += b; });

  let handshakeTimer;
  let hardTimer;
  try {
    const exited = new Promise((resolve, reject) => {
      child.on('error', (e) => reject(new Error(`cannot start ${BIN}: ${e.message}`)));
      child.on('close', (code, signal) => resolve({ code, signal }));
    });
    const timedOut = new Promise((_, reject) => {
      hardTimer = setTimeout(() => reject(new Error(`no result within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
    });

    client.start();
    // The emulator may not be bound yet: repeat the handshake until it answers, then subscribe to the
    // lap events first so they are registered before the car updates start the session.
    const answered = new Promise((resolve) => client.once('HANDSHAKER_RESPONSE', resolve));
    client.handshake();
    handshakeTimer = setInterval(() => client.handshake(), 200);
    await Promise.race([answered, exited, timedOut]);
    clearInterval(handshakeTimer);
    client.subscribeSpot();
    client.subscribeUpdate();

    const { code, signal } = await Promise.race([exited, timedOut]);
    // Let datagrams already queued on the socket be delivered before judging.
    await new Promise((r) => setTimeout(r, 300));
    client.dismiss();
    assert.equal(code, 0, `racecraft exited with ${code ?? signal}\n${stdout}${stderr}`);
  } finally {
    clearInterval(handshakeTimer);
    clearTimeout(hardTimer);
    if (child.exitCode === null && child.signalCode === null) child.kill();
    await new Promise((r) => setTimeout(r, 50)); // let the dismiss datagram leave
    client.stop();
  }

  const published = stdout.match(/Published (\d+) frames as AcUdp\./);
  assert.ok(published, `no "Published N frames as AcUdp." line in:\n${stdout}`);
  const n = Number(published[1]);
  const truth = JSON.parse(readFileSync(truthPath, 'utf8'));
  rmSync(dir, { recursive: true, force: true });
  const truthMs = truth.laps.map((l) => Math.round(l.lap_time_s * 1000));
  assert.equal(truth.laps.length, LAPS, 'truth lap count');

  // Handshake response (408 bytes).
  assert.ok(handshakes.length >= 1, 'no HANDSHAKER_RESPONSE');
  for (const h of handshakes) {
    assert.equal(h.identifier, 4242, 'handshake identifier');
    assert.equal(h.version, 1, 'handshake version');
    for (const field of ['carName', 'driverName', 'trackName', 'trackConfig']) {
      assert.ok(h[field].includes('%'), `${field} ${JSON.stringify(h[field])} has no '%' terminator`);
    }
    assert.equal(name(h.carName), truth.car, 'car name');
    assert.equal(name(h.driverName), 'Sim Driver', 'driver name');
    assert.equal(name(h.trackName), truth.track, 'track name');
    assert.equal(name(h.trackConfig), '', 'track config');
  }

  // RTCarInfo (328 bytes), one per simulated frame.
  assert.ok(infos.length <= n, `${infos.length} RT_CAR_INFO for ${n} frames published`);
  assert.ok(infos.length >= Math.ceil(n * MIN_DELIVERED), `only ${infos.length} of ${n} RT_CAR_INFO arrived`);
  const lapChanges = [];
  infos.forEach((c, i) => {
    const at = `RT_CAR_INFO #${i}`;
    assert.equal(c.identifier, 'a', `${at} identifier`);
    assert.equal(c.size, 328, `${at} size`);
    assert.ok(c.speedMs >= 0 && c.speedMs < 120, `${at} speedMs ${c.speedMs}`);
    close(c.speedKmh, c.speedMs * 3.6, `${at} speedKmh`);
    close(c.speedMph, c.speedMs * 2.23694, `${at} speedMph`);
    assert.ok(Number.isInteger(c.gear) && c.gear >= 0 && c.gear <= 9, `${at} gear ${c.gear} (0 = R, 1 = N)`);
    assert.ok(c.engineRPM >= 0 && c.engineRPM <= 20000, `${at} engineRPM ${c.engineRPM}`);
    for (const f of ['gas', 'brake', 'clutch']) assert.ok(c[f] >= 0 && c[f] <= 1, `${at} ${f} ${c[f]}`);
    assert.ok(c.carPositionNormalized >= 0 && c.carPositionNormalized <= 1,
      `${at} carPositionNormalized ${c.carPositionNormalized}`);
    for (const f of ['carCoordinatesX', 'carCoordinatesY', 'carCoordinatesZ']) {
      assert.ok(Number.isFinite(c[f]), `${at} ${f} ${c[f]}`);
    }
    assert.ok(c.lapTime >= 0 && c.lapTime <= Math.max(...truthMs) + 1000, `${at} lapTime ${c.lapTime}`);
    const prev = infos[i - 1];
    if (i === 0) {
      assert.equal(c.lapCount, 0, `${at} lapCount at start`);
    } else if (c.lapCount !== prev.lapCount) {
      assert.equal(c.lapCount, prev.lapCount + 1, `${at} lapCount jumps ${prev.lapCount} → ${c.lapCount}`);
      lapChanges.push(c.lastLap);
    } else {
      assert.equal(c.lastLap, prev.lastLap, `${at} lastLap changed within lap ${c.lapCount}`);
    }
  });
  assert.equal(infos.at(-1).lapCount, LAPS, 'final lapCount');
  assert.deepEqual(lapChanges, truthMs, 'lastLap (ms) at each lapCount change vs truth');

  // RTLap (212 bytes), one per completed lap.
  assert.deepEqual(laps.map((l) => l.lap), truthMs.map((_, i) => i + 1), 'RT_LAP lap numbers');
  assert.deepEqual(laps.map((l) => l.time), truthMs, 'RT_LAP time (ms) vs truth');
  for (const l of laps) {
    assert.equal(name(l.carName), truth.car, 'RT_LAP car name');
    assert.equal(name(l.driverName), 'Sim Driver', 'RT_LAP driver name');
  }

  const h = handshakes[0];
  const loss = n - infos.length;
  console.log([
    `ac-remote-telemetry-client 0.1.1 vs ${path.relative(process.cwd(), BIN) || BIN}: OK`,
    `  handshake: identifier ${h.identifier}, version ${h.version}, car "${name(h.carName)}", `
      + `driver "${name(h.driverName)}", track "${name(h.trackName)}", config "${name(h.trackConfig)}"`,
    `  RT_CAR_INFO: ${infos.length} of ${n} published`
      + (loss ? ` (${loss} lost on loopback, accepted ≥ ${MIN_DELIVERED * 100}%)` : ' (none lost)')
      + `, all 'a'/328 B; lapCount 0 → ${LAPS}; lastLap at changes ${lapChanges.join(', ')} ms`,
    `  RT_LAP: ${laps.map((l) => `lap ${l.lap} ${l.time} ms`).join(', ')}`,
    `  truth (round(lap_time_s × 1000)): ${truthMs.join(', ')} ms`,
  ].join('\n'));
}

try {
  await run();
  process.exit(0);
} catch (e) {
  console.error(`FAIL: ${e.message}`);
  process.exit(1);
}
