#!/usr/bin/env node
// End to end: the real web client (client/dist, built by `npm run build`) in headless Chromium
// against mgs-server on 127.0.0.1 with bots. Two pages: alice joins through the start screen
// ("Name", "Play"), walks with the keyboard (the server's own position of her player changes),
// fires (a projectile appears), sees bots, opens the scoreboard with Tab, and sends a chat line
// that bob, on the second page, receives; then alice reloads the page and resumes the same player
// with her session token. Two more pages try the paths that go wrong: dave's browser cannot
// connect over WebRTC (the server's ICE candidates are stripped from its answer), so the client
// falls back to the WebSocket transport, says so, and plays; carol finds the server full (the
// test runs it with server.max_players = 3) and is told so on the start screen. The page's read-only hook window.__mgs.state() (client/src/app/debug.ts)
// reports what the client holds. Screenshots go to --artifacts. Prints one JSON line and exits 0,
// or "FAIL ..." and exits 1; the server and Chromium are stopped either way.
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
});
if (opts.help) {
  usage('game_e2e.mjs', `Plays the web client against the server in headless Chromium.
       [--chromium /usr/bin/chromium] [--client-dist client/dist]`);
  process.exit(0);
}
requireDeps('game_e2e', ['playwright-core']);
const { chromium } = await import('playwright-core');

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

await runMain('game_e2e', Number(opts['timeout-s']) || 120, async (ctx) => {
  const artifacts = makeArtifactsDir(opts.artifacts, 'mgs-e2e-');
  check(fs.existsSync(opts.chromium), `Chromium not found at ${opts.chromium} (apt-get install chromium)`);
  const dist = path.resolve(opts['client-dist']);
  check(fs.existsSync(path.join(dist, 'index.html')),
    `the web client is not built (${dist}/index.html missing): run "npm run build" in client/`);
  opts['server-arg'] = [...opts['server-arg'], '--set', `server.static_dir=${dist}`, '--bots', '6',
    '--set', 'server.max_players=3'];
  const server = await startServerUnderTest(ctx, opts, artifacts);
  const base = `http://${HOST}:${server.httpPort}/`;

  const consoleLines = [];
  ctx.onCleanup(() => fs.writeFileSync(path.join(artifacts, 'console.log'), consoleLines.join('\n') + '\n'));

  // One persistent context (own profile) per player, as two browsers would be.
  const launch = async (who, initScript = null) => {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), `mgs-e2e-${who}-`));
    ctx.onCleanup(() => fs.rmSync(profile, { recursive: true, force: true, maxRetries: 3 }));
    ctx.onCleanup(() => killProfileProcesses(profile));
    process.on('exit', () => killProfileProcesses(profile));
    const context = await withTimeout(chromium.launchPersistentContext(profile, {
      executablePath: opts.chromium, headless: !opts.headed, viewport: { width: 1280, height: 720 },
      args: CHROMIUM_ARGS,
    }), 30000, `Chromium launch (${who})`);
    ctx.onCleanup(() => withTimeout(context.close(), 10000, `Chromium close (${who})`));
    if (initScript) await context.addInitScript(initScript);
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => consoleLines.push(`${who} console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`${who} pageerror: ${e.message}`));
    return page;
  };
  const shot = async (page, name) => {
    await page.screenshot({ path: path.join(artifacts, name) }).catch((e) => log(`screenshot ${name}: ${e.message}`));
  };
  const state = (page) => page.evaluate(() => window.__mgs?.state() ?? null);
  /** Polls the page's state until `pred` holds; fails with the last state and a screenshot. */
  const waitState = async (page, who, what, pred, timeoutMs = 15000) => {
    const end = Date.now() + timeoutMs;
    let s = null;
    while (Date.now() < end) {
      s = await state(page);
      if (s && pred(s)) return s;
      await sleep(100);
    }
    await shot(page, `${who}-failure.png`);
    throw new TestFailure(`${who}: ${what} (after ${timeoutMs} ms); state: ${JSON.stringify(s)}\n` +
      `--- console (last lines):\n${consoleLines.slice(-15).join('\n')}`);
  };
  const play = async (page, who, name) => {
    const resp = await page.goto(base, { waitUntil: 'load', timeout: 15000 });
    check(resp && resp.ok(), `GET / returned HTTP ${resp?.status()}`);
    await shot(page, `${who}-start.png`);
    await page.getByLabel('Name').fill(name);
    await page.getByRole('button', { name: 'Play' }).click();
  };
  const join = async (page, who, name, timeoutMs = 15000) => {
    await play(page, who, name);
    return waitState(page, who, 'joined and receiving snapshots',
      (s) => s.connection === 'playing' && s.playerId !== null && s.snapshots.decoded > 5 && s.serverPosition !== null,
      timeoutMs);
  };

  const alice = await launch('alice');
  const joined = await join(alice, 'alice', 'alice');
  log(`alice joined: ${JSON.stringify(joined)}`);
  check(joined.transport === 'webrtc', `alice uses ${joined.transport}, expected webrtc`);
  await shot(alice, 'alice-joined.png');

  // Bots are in the world and in view (arena preset: the whole map fits a view).
  const withBots = await waitState(alice, 'alice', 'sees other players', (s) => s.entities.players >= 2 && s.names.length >= 2);

  // Walk: hold D, then S; the server's position of alice's player (from snapshots) must change.
  await waitState(alice, 'alice', 'alive', (s) => s.alive);
  const before = (await state(alice)).serverPosition;
  await alice.mouse.move(640, 360);
  for (const key of ['d', 's']) {
    await alice.keyboard.down(key);
    await sleep(700);
    await alice.keyboard.up(key);
  }
  const moved = await waitState(alice, 'alice', 'her player moved on the server', (s) => {
    const p = s.serverPosition;
    return p && Math.hypot(p.x - before.x, p.y - before.y) > 20;
  });
  log(`moved from ${JSON.stringify(before)} to ${JSON.stringify(moved.serverPosition)}`);
  await shot(alice, 'alice-moved.png');

  // Fire: hold the left button; a projectile shows in the snapshots.
  const projectilesBefore = (await state(alice)).entities.projectiles;
  await alice.mouse.move(900, 360);
  await alice.mouse.down();
  const fired = await waitState(alice, 'alice', 'a projectile appears after firing',
    (s) => s.entities.projectiles > projectilesBefore || s.entities.projectiles > 0, 5000);
  await alice.mouse.up();
  await shot(alice, 'alice-fired.png');

  // Scoreboard on Tab.
  await alice.keyboard.down('Tab');
  const board = alice.getByRole('dialog', { name: 'Scoreboard' });
  await board.waitFor({ state: 'visible', timeout: 5000 }).catch(async (e) => {
    await shot(alice, 'alice-failure.png');
    throw new TestFailure(`the scoreboard did not open on Tab: ${e.message}`);
  });
  await sleep(500);
  await shot(alice, 'alice-scoreboard.png');
  await alice.keyboard.up('Tab');

  // Chat: bob joins on a second page; alice's line reaches him.
  const bob = await launch('bob');
  await join(bob, 'bob', 'bob');
  const line = `hello from alice ${Date.now() % 100000}`;
  await alice.keyboard.press('Enter');
  await alice.keyboard.type(line);
  await alice.keyboard.press('Enter');
  await waitState(bob, 'bob', `receives "${line}"`, (s) => s.chat.some((c) => c.includes(line)));
  await shot(bob, 'bob-chat.png');

  // WebRTC that cannot connect: the answer's candidates are removed, so ICE never succeeds and the
  // client falls back to the WebSocket transport (resuming the session the answer made).
  const dave = await launch('dave', () => {
    const Original = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Original {
      setRemoteDescription(desc) {
        if (desc?.sdp) {
          const sdp = desc.sdp.split('\r\n').filter((l) => !l.startsWith('a=candidate')).join('\r\n');
          return super.setRemoteDescription({ type: desc.type, sdp });
        }
        return super.setRemoteDescription(desc);
      }
    };
  });
  const fellBack = await join(dave, 'dave', 'dave', 40000);
  check(fellBack.transport === 'websocket', `dave uses ${fellBack.transport}, expected the websocket fallback`);
  check(!!fellBack.transportNote, 'the fallback is not explained (transportNote empty)');
  await dave.getByText(/websocket/i).first().waitFor({ state: 'visible', timeout: 5000 }).catch(async (e) => {
    await shot(dave, 'dave-failure.png');
    throw new TestFailure(`the network panel does not say the WebSocket transport is used: ${e.message}`);
  });
  await shot(dave, 'dave-websocket-fallback.png');

  // A fourth player with max_players = 3: a clear message on the start screen.
  const carol = await launch('carol');
  await play(carol, 'carol', 'carol');
  await carol.getByText(/full/i).first().waitFor({ state: 'visible', timeout: 10000 }).catch(async (e) => {
    await shot(carol, 'carol-failure.png');
    throw new TestFailure(`carol was not told the server is full: ${e.message}; state ${JSON.stringify(await state(carol))}`);
  });
  await shot(carol, 'carol-server-full.png');

  // Reload: the session token brings alice back as the same player.
  const id = joined.playerId;
  await alice.reload({ waitUntil: 'load', timeout: 15000 });
  const back = await waitState(alice, 'alice', 'resumed after reload',
    (s) => s.connection === 'playing' && s.snapshots.decoded > 3 && s.playerId !== null, 20000);
  check(back.playerId === id, `after the reload alice is player ${back.playerId}, was ${id}`);
  check(back.resumed, 'the reload did not resume the session');
  await shot(alice, 'alice-resumed.png');

  return {
    player: id, bots_seen: withBots.entities.players - 1,
    moved_wu: Math.round(Math.hypot(moved.serverPosition.x - before.x, moved.serverPosition.y - before.y)),
    projectiles_seen: fired.entities.projectiles, rtt_ms: back.rttMs, fps: back.fps,
    fallback: fellBack.transportNote, artifacts,
  };
});
