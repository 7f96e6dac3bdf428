#!/usr/bin/env node
// Benchmark of the web client (client/dist, built by `npm run build`) in headless Chromium against
// mgs-server on 127.0.0.1 (the arena preset with 300 bots: the whole arena is in a player's area of
// interest). Measures, through the page's clock (performance.now(), ms since its timeOrigin) and the
// read-only debug hook window.__mgs.state() (client/src/app/debug.ts):
//   (a) load: navigation start -> the load event, and from there, clicking Play at once, -> the
//       first decoded snapshot;
//   (b) frame time: the client's own work per animation frame (its update, the HUD and Pixi's
//       render call, timed with performance.now() around it: not the interval between frames),
//       every frame over --duration-s seconds with ~300 entities drawn; mean, p50, p99, max, and
//       the entities seen;
//   (c) bundle size: the JS and CSS files of client/dist, raw and gzipped (level 9, as a server
//       would send them).
// Prints one JSON line ({"result":"pass","test":"client_bench",...}) and exits 0, or "FAIL ..."
// and exits 1; the server and Chromium are stopped either way. tools/bench.sh (BENCH_ONLY=client)
// runs it and writes bench/results/client.json. Numbers only: no timing fails the run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  HERE, HOST, check, log, makeArtifactsDir, parseCommonArgs, percentile, requireDeps, round, runMain,
  sleep, startServerUnderTest, usage, withTimeout, TestFailure,
} from './harness.mjs';

const opts = parseCommonArgs({
  chromium: { type: 'string', default: process.env.CHROMIUM_BIN || '/usr/bin/chromium' },
  'client-dist': { type: 'string', default: path.resolve(HERE, '../../../client/dist') },
  bots: { type: 'string', default: '300' },
  'duration-s': { type: 'string', default: '10' },
  'warmup-s': { type: 'string', default: '3' },
  viewport: { type: 'string', default: '1280x720' },
  headed: { type: 'boolean', default: false },
});
if (opts.help) {
  usage('client_bench.mjs', `Measures the web client in headless Chromium: load, first snapshot, frame time, bundle size.
       [--chromium /usr/bin/chromium] [--client-dist client/dist] [--bots 300] [--duration-s 10]
       [--warmup-s 3] [--viewport 1280x720] [--headed]`);
  process.exit(0);
}
requireDeps('client_bench', ['playwright-core']);
const { chromium } = await import('playwright-core');

// As game_e2e.mjs.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns'];

function killProfileProcesses(profile) {
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes(`--user-data-dir=${profile}`)) process.kill(Number(pid), 'SIGKILL');
    } catch { /* gone or not ours */ }
  }
}

/** JS and CSS of the built client: bytes and gzipped bytes per kind, and the number of files. */
function bundleSizes(dist) {
  const sizes = { js: { files: 0, bytes: 0, gzip_bytes: 0 }, css: { files: 0, bytes: 0, gzip_bytes: 0 } };
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        walk(p);
        continue;
      }
      const kind = e.name.endsWith('.js') ? 'js' : e.name.endsWith('.css') ? 'css' : null;
      if (kind === null) continue;
      const data = fs.readFileSync(p);
      sizes[kind].files += 1;
      sizes[kind].bytes += data.length;
      sizes[kind].gzip_bytes += zlib.gzipSync(data, { level: 9 }).length;
    }
  };
  walk(dist);
  return {
    ...sizes,
    total: { bytes: sizes.js.bytes + sizes.css.bytes, gzip_bytes: sizes.js.gzip_bytes + sizes.css.gzip_bytes },
  };
}

function stats(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return { mean: round(mean, 2), min: sorted[0], max: sorted[sorted.length - 1] };
}

await runMain('client_bench', Number(opts['timeout-s']) || 120, async (ctx) => {
  const artifacts = makeArtifactsDir(opts.artifacts, 'mgs-client-bench-');
  check(fs.existsSync(opts.chromium), `Chromium not found at ${opts.chromium} (apt-get install chromium)`);
  const dist = path.resolve(opts['client-dist']);
  check(fs.existsSync(path.join(dist, 'index.html')),
    `the web client is not built (${dist}/index.html missing): run "npm run build" in client/`);
  const bundle = bundleSizes(dist);
  const bots = Number(opts.bots);
  const durationS = Number(opts['duration-s']);
  const [vw, vh] = opts.viewport.split('x').map(Number);
  check(vw > 0 && vh > 0, `bad --viewport ${opts.viewport}`);

  // The area of interest covers the whole arena (1600 x 1200 wu) wherever the player stands, so
  // every bot is in the snapshots; the screen shows about 1600 x 900 wu of it at 1280 x 720.
  opts['server-arg'] = [...opts['server-arg'], '--set', `server.static_dir=${dist}`, '--bots', String(bots),
    '--set', 'sync.view_half_width=1700', '--set', 'sync.view_half_height=1300', '--log-level', 'warn'];
  const server = await startServerUnderTest(ctx, opts, artifacts);
  const base = `http://${HOST}:${server.httpPort}/`;

  const consoleLines = [];
  ctx.onCleanup(() => fs.writeFileSync(path.join(artifacts, 'console.log'), consoleLines.join('\n') + '\n'));
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mgs-client-bench-profile-'));
  ctx.onCleanup(() => fs.rmSync(profile, { recursive: true, force: true, maxRetries: 3 }));
  ctx.onCleanup(() => killProfileProcesses(profile));
  process.on('exit', () => killProfileProcesses(profile));
  const context = await withTimeout(chromium.launchPersistentContext(profile, {
    executablePath: opts.chromium, headless: !opts.headed, viewport: { width: vw, height: vh },
    args: CHROMIUM_ARGS,
  }), 30000, 'Chromium launch');
  ctx.onCleanup(() => withTimeout(context.close(), 10000, 'Chromium close'));
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => consoleLines.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  // The start screen fills the name from localStorage; Play is clicked in the page's load event
  // (the first moment the page is loaded), and the time noted on the page's clock.
  await page.addInitScript(() => {
    try { localStorage.setItem('mgs.name', 'bench'); } catch { /* no storage */ }
    window.addEventListener('load', () => {
      const play = [...document.querySelectorAll('button')].find((b) => b.textContent === 'Play');
      window.__benchPlayAt = performance.now();
      play?.click();
    }, { once: true });
  });
  const state = () => page.evaluate(() => window.__mgs?.state() ?? null);
  const waitState = async (what, pred, timeoutMs = 20000) => {
    const end = Date.now() + timeoutMs;
    let s = null;
    while (Date.now() < end) {
      s = await state();
      if (s && pred(s)) return s;
      await sleep(50);
    }
    await page.screenshot({ path: path.join(artifacts, 'failure.png') }).catch(() => {});
    throw new TestFailure(`${what} (after ${timeoutMs} ms); state: ${JSON.stringify(s)}\n` +
      `--- console (last lines):\n${consoleLines.slice(-15).join('\n')}`);
  };

  // (a) Load, then Play at once, then the first decoded snapshot.
  const resp = await page.goto(base, { waitUntil: 'load', timeout: 20000 });
  check(resp && resp.ok(), `GET / returned HTTP ${resp?.status()}`);
  const joined = await waitState('joined and decoding snapshots', (s) => s.snapshots.firstDecodedAtMs !== null);
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return {
      domContentLoaded: nav.domContentLoadedEventEnd, load: nav.loadEventStart, play: window.__benchPlayAt ?? null,
    };
  });
  const first = joined.snapshots.firstDecodedAtMs;
  check(timing.play !== null, 'the Play click was not seen by the page');
  const load = {
    dom_content_loaded_ms: round(timing.domContentLoaded, 1),
    load_ms: round(timing.load, 1), // the load event (its start: Play is clicked in its handler)
    load_to_play_click_ms: round(timing.play - timing.load, 1),
    play_click_to_first_snapshot_ms: round(first - timing.play, 1),
    load_to_first_snapshot_ms: round(first - timing.load, 1),
    navigation_to_first_snapshot_ms: round(first, 1),
    transport: joined.transport,
  };
  log(`load: ${JSON.stringify(load)}`);

  // (b) Frame time with the arena full of bots: warm up (map, textures, shaders), then take every
  // frame of the window exactly once (the hook's running total tells which are new).
  await waitState('all bots in view', (s) => s.drawn.entities >= Math.min(bots, 250), 20000);
  await sleep(Number(opts['warmup-s']) * 1000);
  const frames = [];
  const drawn = [];
  const onScreen = [];
  const inView = [];
  const load1 = [];
  let last = (await state()).frameTime.total;
  let missed = 0;
  const t0 = Date.now();
  while (Date.now() - t0 < durationS * 1000) {
    await sleep(500);
    const s = await state();
    const fresh = s.frameTime.total - last;
    last = s.frameTime.total;
    missed += Math.max(0, fresh - s.frameTime.recentMs.length); // more than the window between two polls
    frames.push(...s.frameTime.recentMs.slice(-Math.min(fresh, s.frameTime.recentMs.length)));
    drawn.push(s.drawn.entities);
    onScreen.push(s.drawn.onScreen);
    const e = s.entities;
    inView.push(e.players + e.projectiles + e.pickups + e.walls + e.flags);
    load1.push(os.loadavg()[0]);
  }
  const elapsedS = (Date.now() - t0) / 1000;
  const end = await state();
  // Which WebGL implementation drew (headless Chromium with --disable-gpu: SwiftShader, on the CPU).
  const glRenderer = await page.evaluate(() => {
    const gl = document.createElement('canvas').getContext('webgl');
    const info = gl?.getExtension('WEBGL_debug_renderer_info');
    return info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : null;
  }).catch(() => null);
  await page.screenshot({ path: path.join(artifacts, 'arena.png') }).catch((e) => log(`screenshot: ${e.message}`));
  check(frames.length > 0, 'no frames measured');
  const sorted = [...frames].sort((a, b) => a - b);
  const frameTime = {
    frames: frames.length,
    frames_missed: missed,
    seconds: round(elapsedS, 1),
    mean_ms: round(frames.reduce((s, v) => s + v, 0) / frames.length, 3),
    p50_ms: percentile(sorted, 0.5),
    p99_ms: percentile(sorted, 0.99),
    max_ms: round(sorted[sorted.length - 1], 3),
    frames_per_s: round(frames.length / elapsedS, 1),
    measured: 'performance.now() (0.1 ms resolution) around the client update, HUD and Pixi render call per frame',
  };
  return {
    bots,
    viewport: opts.viewport,
    // Other work on the machine during (b) (the server with its bots runs on it too).
    loadavg_1m: round(load1.reduce((a, v) => a + v, 0) / load1.length, 2),
    cores: os.cpus().length,
    renderer: end.renderer,
    gl_renderer: glRenderer,
    load,
    frame_time: frameTime,
    entities: {
      drawn: stats(drawn),
      on_screen: stats(onScreen),
      in_snapshot_view: stats(inView),
      last_view_by_kind: end.entities,
    },
    bundle,
    artifacts,
  };
});
