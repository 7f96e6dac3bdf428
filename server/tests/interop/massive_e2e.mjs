#!/usr/bin/env node
// The web client on the `massive` preset (a 32 000 x 32 000 wu world, 20 000 bots, about 16 000
// pickup spots) in headless Chromium: every page that joins decodes its snapshots. A player joins
// through the start screen ("Name", "Play") and a spectator ("Spectate"), whose camera starts at
// the centre of the map, where every pickup's index is past 4095 (a 12-bit pickup index once made
// every snapshot there an empty delta that no client could decode). --players more players may join
// (default 1: three pages at once are slow on a small machine). Each page must decode at least
// --min-decoded snapshots, none malformed; a player's own player must be in every snapshot it
// decoded (debug hook: snapshots.withoutOwn = 0) and in the newest one. Then the first player's
// page gets one snapshot corrupted on its way in (an init script rewrites the delta's bytes): the
// client must say so on the console, ask for a full snapshot (InputBatch.resync), get one from the
// server and decode again. The page's read-only hook window.__mgs.state() (client/src/app/debug.ts)
// reports what the client holds. Screenshots and the console go to --artifacts. Prints one JSON
// line and exits 0, or "FAIL ..." and exits 1; the server and Chromium are stopped either way.
// Waits are bounded (--wait-s per step, --timeout-s in all); nothing asserts a time.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  HERE, HOST, TestFailure, check, log, makeArtifactsDir, parseCommonArgs, requireDeps, runMain,
  sleep, startServerUnderTest, usage, withTimeout,
} from './harness.mjs';

const opts = parseCommonArgs({
  chromium: { type: 'string', default: process.env.CHROMIUM_BIN || '/usr/bin/chromium' },
  'client-dist': { type: 'string', default: path.resolve(HERE, '../../../client/dist') },
  headed: { type: 'boolean', default: false },
  players: { type: 'string', default: '1' },
  'min-decoded': { type: 'string', default: '20' },
  'wait-s': { type: 'string', default: '45' },
  'timeout-s': { type: 'string', default: '110' },
});
if (opts.help) {
  usage('massive_e2e.mjs', `Joins the web client to a server on the massive preset in headless Chromium.
       [--chromium /usr/bin/chromium] [--client-dist client/dist] [--players 1]
       [--min-decoded 20] [--wait-s 45]`);
  process.exit(0);
}
requireDeps('massive_e2e', ['playwright-core']);
const { chromium } = await import('playwright-core');

const PLAYERS = Math.max(1, Number(opts.players) || 1);
const MIN_DECODED = Math.max(1, Number(opts['min-decoded']) || 20);
const WAIT_MS = Math.max(5, Number(opts['wait-s']) || 45) * 1000;

function killProfileProcesses(profile) {
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes(`--user-data-dir=${profile}`)) process.kill(Number(pid), 'SIGKILL');
    } catch { /* gone or not ours */ }
  }
}

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns'];

/**
 * Runs in the page before its scripts: wraps the data channels' onmessage so that, when the test
 * sets window.__mgsCorruptNext, the next Snapshot on `state` has every byte of its delta set to
 * 0xff (the envelope stays valid FlatBuffers; the delta reads as removals and then a count of 2047
 * new entries, which every decoder rejects). Offsets follow docs/protocol.md "Envelope".
 */
function corrupter() {
  window.__mgsCorruptNext = false;
  window.__mgsCorrupted = [];
  const u32 = (b, p) => b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);
  const u16 = (b, p) => b[p] | (b[p + 1] << 8);
  /** Position of field `slot` of the table at `t`, or -1 if absent. */
  const field = (b, t, slot) => {
    const vt = t - u32(b, t);
    const at = 4 + 2 * slot;
    return at < u16(b, vt) && u16(b, vt + at) !== 0 ? t + u16(b, vt + at) : -1;
  };
  const corrupt = (b) => {
    const env = u32(b, 0);
    const type = field(b, env, 0);
    const msg = field(b, env, 1);
    if (type < 0 || b[type] !== 5 || msg < 0) return false; // not a Snapshot
    const snap = msg + u32(b, msg);
    const header = field(b, snap, 0);
    const data = field(b, snap, 1);
    if (header < 0 || data < 0) return false;
    const vec = data + u32(b, data);
    const n = u32(b, vec);
    if (n === 0) return false;
    b.fill(0xff, vec + 4, vec + 4 + n);
    window.__mgsCorrupted.push(u32(b, header)); // header.id
    return true;
  };
  const d = Object.getOwnPropertyDescriptor(RTCDataChannel.prototype, 'onmessage');
  Object.defineProperty(RTCDataChannel.prototype, 'onmessage', {
    configurable: true,
    get() { return d.get.call(this); },
    set(fn) {
      d.set.call(this, fn === null ? null : (e) => {
        if (window.__mgsCorruptNext && this.label === 'state' && e.data instanceof ArrayBuffer &&
            corrupt(new Uint8Array(e.data))) {
          window.__mgsCorruptNext = false;
        }
        return fn(e);
      });
    },
  });
}

await runMain('massive_e2e', Number(opts['timeout-s']) || 110, async (ctx) => {
  const artifacts = makeArtifactsDir(opts.artifacts, 'mgs-massive-');
  check(fs.existsSync(opts.chromium), `Chromium not found at ${opts.chromium} (apt-get install chromium)`);
  const dist = path.resolve(opts['client-dist']);
  check(fs.existsSync(path.join(dist, 'index.html')),
    `the web client is not built (${dist}/index.html missing): run "npm run build" in client/`);
  opts['server-arg'] = [...opts['server-arg'], '--preset', 'massive', '--set', `server.static_dir=${dist}`];
  const server = await startServerUnderTest(ctx, opts, artifacts);
  const base = `http://${HOST}:${server.httpPort}/`;

  const consoleLines = [];
  ctx.onCleanup(() => fs.writeFileSync(path.join(artifacts, 'console.log'), consoleLines.join('\n') + '\n'));

  const launch = async (who) => {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), `mgs-massive-${who}-`));
    ctx.onCleanup(() => fs.rmSync(profile, { recursive: true, force: true, maxRetries: 3 }));
    ctx.onCleanup(() => killProfileProcesses(profile));
    process.on('exit', () => killProfileProcesses(profile));
    const context = await withTimeout(chromium.launchPersistentContext(profile, {
      executablePath: opts.chromium, headless: !opts.headed, viewport: { width: 1280, height: 720 },
      args: CHROMIUM_ARGS,
    }), 30000, `Chromium launch (${who})`);
    ctx.onCleanup(() => withTimeout(context.close(), 10000, `Chromium close (${who})`));
    await context.addInitScript(corrupter);
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => consoleLines.push(`${who} console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`${who} pageerror: ${e.message}`));
    return page;
  };
  const shot = async (page, name) => {
    await page.screenshot({ path: path.join(artifacts, name) }).catch((e) => log(`screenshot ${name}: ${e.message}`));
  };
  const state = (page) => page.evaluate(() => window.__mgs?.state() ?? null);
  const waitState = async (page, who, what, pred) => {
    const end = Date.now() + WAIT_MS;
    let s = null;
    while (Date.now() < end) {
      s = await state(page);
      if (s && pred(s)) return s;
      await sleep(200);
    }
    await shot(page, `${who}-failure.png`);
    throw new TestFailure(`${who}: ${what} (waited ${WAIT_MS} ms); state: ${JSON.stringify({ ...s, names: s?.names?.length, killFeed: undefined, frameTime: undefined })}\n` +
      `--- console (last lines):\n${consoleLines.filter((l) => !l.includes('GL Driver')).slice(-15).join('\n')}`);
  };
  const open = async (who, name, button) => {
    const page = await launch(who);
    const resp = await page.goto(base, { waitUntil: 'load', timeout: 15000 });
    check(resp && resp.ok(), `GET / returned HTTP ${resp?.status()}`);
    await page.getByLabel('Name').fill(name);
    const clickedAtMs = await page.evaluate(() => performance.now());
    await page.getByRole('button', { name: button }).click();
    return { page, clickedAtMs };
  };
  // Reported, not asserted: from the click on the start screen to the first decoded snapshot.
  const summary = (s, clickedAtMs) => ({
    player: s.playerId, transport: s.transport, ...s.snapshots, entities: s.entities, position: s.serverPosition,
    first_decoded_after_click_ms: s.snapshots.firstDecodedAtMs === null ? null
      : Math.round(s.snapshots.firstDecodedAtMs - clickedAtMs),
  });

  // Every page joins at once, then each is checked.
  const joins = Array.from({ length: PLAYERS }, (_, i) => [`player${i + 1}`, `massive${i + 1}`, 'Play']);
  joins.push(['spectator', 'watcher', 'Spectate']);
  const pages = await Promise.all(joins.map(async ([who, name, button]) => ({ who, ...(await open(who, name, button)) })));
  log(`${pages.length} pages joined`);

  const results = {};
  for (const { who, page, clickedAtMs } of pages) {
    const spectator = who === 'spectator';
    const s = await waitState(page, who, `decodes ${MIN_DECODED} snapshots` + (spectator ? '' : ' showing its own player'),
      (x) => x.connection === 'playing' && x.snapshots.decoded >= MIN_DECODED && x.mapLoaded &&
        (spectator ? x.entities.pickups > 0 : x.serverPosition !== null));
    log(`${who}: ${JSON.stringify(summary(s, clickedAtMs))}`);
    check(s.snapshots.malformed === 0, `${who}: ${s.snapshots.malformed} snapshots did not decode`);
    if (spectator) {
      check(s.spectator, `${who}: not a spectator`);
    } else {
      check(s.snapshots.withoutOwn === 0,
        `${who}: its own player was missing from ${s.snapshots.withoutOwn} of ${s.snapshots.decoded} snapshots`);
      check(s.health !== null, `${who}: no health for its own player`);
    }
    await shot(page, `${who}.png`);
    results[who] = summary(s, clickedAtMs);
  }

  // A snapshot that does not decode: the client says so, asks for a full one, and decodes again.
  const { who, page } = pages[0];
  const before = await state(page);
  await page.evaluate(() => { window.__mgsCorruptNext = true; });
  const recovered = await waitState(page, who, 'recovers from a corrupted snapshot with a full one',
    (x) => x.snapshots.resyncs > before.snapshots.resyncs && !x.snapshots.resync &&
      x.snapshots.decoded >= before.snapshots.decoded + 5);
  const corrupted = await page.evaluate(() => window.__mgsCorrupted);
  check(corrupted.length === 1, `expected one corrupted snapshot, got ${JSON.stringify(corrupted)}`);
  check(recovered.snapshots.malformed === before.snapshots.malformed + 1,
    `${who}: malformed went from ${before.snapshots.malformed} to ${recovered.snapshots.malformed}`);
  check(recovered.snapshots.withoutOwn === 0, `${who}: its own player went missing after the resync`);
  const said = consoleLines.filter((l) => l.startsWith(`${who} console.warning`) && l.includes('asking the server for a full snapshot'));
  check(said.length === 1, `${who}: the console did not say that a snapshot failed (${said.length} warnings)`);
  check(consoleLines.some((l) => l.startsWith(`${who} console.info`) && l.includes('decode again')),
    `${who}: the console did not say that snapshots decode again`);
  await shot(page, `${who}-after-resync.png`);

  return {
    pages: results,
    resync: { corrupted: corrupted[0], decoded_after: recovered.snapshots.decoded - before.snapshots.decoded,
      resyncs: recovered.snapshots.resyncs },
    artifacts,
  };
});
