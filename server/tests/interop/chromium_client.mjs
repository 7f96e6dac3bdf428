#!/usr/bin/env node
// Interop test: mgs-server against Chromium's WebRTC (Debian's /usr/bin/chromium, headless,
// driven by playwright-core). Starts the server, opens http://127.0.0.1:<P>/, and runs
// browser_scenario.mjs inside the page: offer with `events`, join, server-opened `state`,
// Ping/Pong on both, a large Ping, then page.reload() and resume with the session token, /metrics,
// leave. Screenshots go to --artifacts. Prints one JSON line and exits 0, or "FAIL ..." and exits 1.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  HERE, HOST, TestFailure, check, checkMetrics, expectIceLite, log, makeArtifactsDir, parseCommonArgs,
  requireDeps, runMain, startServerUnderTest, usage, clientsConnectedAfterLeave, withTimeout,
} from './harness.mjs';

const opts = parseCommonArgs({
  chromium: { type: 'string', default: process.env.CHROMIUM_BIN || '/usr/bin/chromium' },
  headed: { type: 'boolean', default: false },
  'page-path': { type: 'string', default: '/' },
});
if (opts.help) {
  usage('chromium_client.mjs', `Runs the interop scenario in headless Chromium (use --mock for mock_server.mjs).
       [--chromium /usr/bin/chromium] [--page-path /]  (screenshots and server.log go to --artifacts)`);
  process.exit(0);
}
requireDeps('interop_chromium', ['playwright-core', 'flatbuffers']);
const { chromium } = await import('playwright-core');

// Files the page may import from /__interop/ (answered by Playwright, never by the server).
const SHARED = new Set(['browser_scenario.mjs', 'checks.mjs', 'pingpong.mjs', 'proto.mjs']);
const FB_DIR = path.join(HERE, 'node_modules', 'flatbuffers', 'mjs');

function serveInterop(route) {
  const url = new URL(route.request().url());
  const rel = url.pathname.replace(/^\/__interop\//, '');
  let file = null;
  let body = null;
  if (SHARED.has(rel)) {
    file = path.join(HERE, rel);
    body = fs.readFileSync(file, 'utf8');
    // The flatbuffers runtime's own ESM build, served next to it (no bundler needed).
    if (rel === 'proto.mjs') body = body.replace(/from 'flatbuffers'/g, "from './flatbuffers/index.js'");
  } else if (/^flatbuffers\/[\w/.-]+\.js$/.test(rel) && !rel.includes('..')) {
    file = path.join(FB_DIR, rel.slice('flatbuffers/'.length));
    if (fs.existsSync(file)) body = fs.readFileSync(file, 'utf8');
  }
  if (body === null) return route.fulfill({ status: 404, body: `interop: no ${rel}` });
  return route.fulfill({ status: 200, contentType: 'text/javascript; charset=utf-8', body });
}

function killProfileProcesses(profile) {
  let killed = 0;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes(`--user-data-dir=${profile}`)) { process.kill(Number(pid), 'SIGKILL'); killed++; }
    } catch { /* gone or not ours */ }
  }
  if (killed) log(`killed ${killed} leftover Chromium process(es)`);
}

await runMain('interop_chromium', Number(opts['timeout-s']) || 60, async (ctx) => {
  const artifacts = makeArtifactsDir(opts.artifacts, 'mgs-interop-chromium-');
  check(fs.existsSync(opts.chromium), `Chromium not found at ${opts.chromium} (apt-get install chromium)`);
  const server = await startServerUnderTest(ctx, opts, artifacts);
  const base = `http://${HOST}:${server.httpPort}`;

  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mgs-interop-profile-'));
  ctx.onCleanup(() => fs.rmSync(profile, { recursive: true, force: true, maxRetries: 3 }));
  // Registered before the launch so that it also runs when the launch itself times out: kills any
  // process still using our (unique) profile directory, found by pid in /proc.
  ctx.onCleanup(() => killProfileProcesses(profile));
  process.on('exit', () => killProfileProcesses(profile));
  const consoleLines = [];
  ctx.onCleanup(() => {
    fs.writeFileSync(path.join(artifacts, 'console.log'), consoleLines.join('\n') + '\n');
  });
  log(`launching ${opts.chromium}`);
  const context = await withTimeout(chromium.launchPersistentContext(profile, {
    executablePath: opts.chromium,
    headless: !opts.headed,
    bypassCSP: true,
    viewport: { width: 1024, height: 640 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns'],
  }), 30000, 'Chromium launch');
  ctx.onCleanup(() => withTimeout(context.close(), 10000, 'Chromium close'));
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => {
    const line = `console.${m.type()}: ${m.text()}`;
    consoleLines.push(line);
    log(`page ${line}`);
  });
  page.on('pageerror', (e) => { consoleLines.push(`pageerror: ${e.message}`); log(`page error: ${e.message}`); });
  await page.route(`${base}/__interop/**`, serveInterop);

  const shot = async (name) => {
    const file = path.join(artifacts, name);
    await page.screenshot({ path: file }).catch((e) => log(`screenshot failed: ${e.message}`));
    return file;
  };
  // In-page steps: rethrow the page's message as a test failure, with a screenshot.
  const inPage = async (what, fn, arg) => {
    try {
      return await page.evaluate(fn, arg);
    } catch (e) {
      await shot('chromium-failure.png');
      const tail = consoleLines.slice(-15).join('\n');
      throw new TestFailure(`${what}: ${e.message.replace(/^page\.evaluate: /, '')}\n--- page console (last lines):\n${tail}`);
    }
  };

  const open = async () => {
    const resp = await page.goto(`${base}${opts['page-path']}`, { waitUntil: 'load', timeout: 15000 });
    check(resp && resp.ok(), `GET ${opts['page-path']} returned HTTP ${resp?.status()}`);
  };
  await open();
  const cfg = {
    name: 'chromium1',
    wsUrl: `ws://${HOST}:${server.httpPort}/ws`,
    udpPort: server.expectedUdpPort,
    expectIceLite: expectIceLite(opts),
    pings: Math.max(1, Number(opts.pings) || 20),
    largeBytes: Math.max(0, Number(opts['large-bytes']) || 0),
  };
  const first = await inPage('first connection',
    async (c) => (await import('/__interop/browser_scenario.mjs')).firstConnect(c), cfg);
  log(`first connection: ${JSON.stringify(first)}`);
  await shot('chromium-connected.png');

  // Resume: reloading closes the page's WebSocket and RTCPeerConnection without a leave.
  await page.reload({ waitUntil: 'load', timeout: 15000 });
  const resumed = await inPage('resume after reload',
    async ([c, r]) => (await import('/__interop/browser_scenario.mjs')).resumeConnect(c, r),
    [cfg, { session: first.session, player_id: first.player_id }]);
  log(`resumed: ${JSON.stringify(resumed)}`);

  const metrics = await checkMetrics(server.httpPort);
  if (metrics.clients_connected !== null) {
    check(metrics.clients_connected >= 1, `mgs_clients_connected is ${metrics.clients_connected} with a browser connected`);
  }
  await inPage('leave', async () => (await import('/__interop/browser_scenario.mjs')).leave());
  const finalShot = await shot('chromium-done.png');
  metrics.clients_connected_after_leave = await clientsConnectedAfterLeave(server.httpPort);

  const { session, ...detail } = first;
  void session;
  return {
    impl: first.user_agent.match(/(?:Headless)?Chrome\/[\d.]+/)?.[0] ?? 'chromium',
    server: opts.mock ? 'mock' : opts['server-bin'],
    clients: 1,
    handshake_ms: first.handshake_ms,
    rtt_p50_ms: { events: first.events.rtt_p50_ms, state: first.state.rtt_p50_ms },
    pongs: { events: `${first.events.received}/${first.events.sent}`, state: `${first.state.received}/${first.state.sent}` },
    large_bytes: first.large?.bytes ?? 0,
    resume_ms: resumed.total_ms,
    metrics,
    screenshot: finalShot,
    detail: { ...detail, user_agent: undefined, resume: resumed },
  };
});
