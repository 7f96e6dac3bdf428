// Shared Node-side plumbing for the interop clients: arguments, free ports, starting and stopping
// the server under test (or mock_server.mjs), health/metrics checks, the hard timeout, and the
// one-line summary / exit code. Nothing here speaks WebRTC.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const HOST = '127.0.0.1';
export const t0 = performance.now();
export const now = () => performance.now();

let verbose = false;
export function log(...a) {
  if (verbose) console.error(`[${((now() - t0) / 1000).toFixed(3)}s]`, ...a);
}
export function warn(...a) {
  console.error('warning:', ...a);
}

export { TestFailure, check, sleep, withTimeout, deferred, percentile, round, checkAnswer } from './checks.mjs';
import { TestFailure, check, sleep, withTimeout } from './checks.mjs';

export function parseCommonArgs(extra = {}) {
  const { values } = parseArgs({
    options: {
      'server-bin': { type: 'string' },
      mock: { type: 'boolean', default: false },
      clients: { type: 'string', default: '1' },
      'timeout-s': { type: 'string', default: '60' },
      artifacts: { type: 'string' },
      'server-arg': { type: 'string', multiple: true, default: [] },
      'expect-ice-lite': { type: 'string' }, // yes|no; default: yes for a real server, no for --mock
      pings: { type: 'string', default: '20' },
      'large-bytes': { type: 'string', default: '60000' },
      verbose: { type: 'boolean', short: 'v', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      ...extra,
    },
    strict: true,
  });
  verbose = values.verbose || !!process.env.MGS_INTEROP_VERBOSE;
  return values;
}

/** Exits with a clear message when `npm ci` has not been run in this directory. */
export function requireDeps(test, names) {
  const missing = names.filter((n) => !fs.existsSync(path.join(HERE, 'node_modules', n, 'package.json')));
  if (missing.length) {
    console.error(`FAIL ${test}: npm packages missing (${missing.join(', ')}): run "npm ci" in ${HERE} (tools/setup.sh test does it)`);
    process.exit(1);
  }
}

export function usage(script, text) {
  console.log(`usage: node ${script} (--server-bin <path> | --mock) [--clients N] [--timeout-s 60]
       [--artifacts DIR] [--server-arg ARG]... [--expect-ice-lite yes|no] [--pings 20]
       [--large-bytes 60000] [--verbose]
${text}`);
}

/** A port that was free a moment ago on 127.0.0.1 (bind 0, read, close). */
export async function freePort(kind) {
  if (kind === 'udp') {
    const s = dgram.createSocket('udp4');
    await new Promise((res, rej) => s.once('error', rej).bind(0, HOST, res));
    const p = s.address().port;
    await new Promise((res) => s.close(res));
    return p;
  }
  const srv = net.createServer();
  await new Promise((res, rej) => srv.once('error', rej).listen(0, HOST, res));
  const p = srv.address().port;
  await new Promise((res) => srv.close(res));
  return p;
}

/** Picks an HTTP (TCP) port and a UDP port that are both free and distinct. */
export async function pickPorts() {
  for (let i = 0; i < 20; i++) {
    const http = await freePort('tcp');
    const udp = await freePort('udp');
    if (http !== udp) return { http, udp };
  }
  throw new Error('could not find free ports');
}

// ---------------------------------------------------------------- server process

const children = new Set();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) try { c.kill('SIGKILL'); } catch {}
});

export class ServerProcess {
  constructor({ bin, mock, httpPort, udpPort, extraArgs = [], logPath }) {
    this.httpPort = httpPort;
    this.udpPort = udpPort;
    this.logPath = logPath;
    this.tail = [];
    const args = ['--preset', 'arena', '--bind', HOST, '--http-port', String(httpPort),
      '--udp-port', String(udpPort), '--public-ip', HOST, ...extraArgs];
    let cmd = bin;
    if (mock) {
      cmd = process.execPath;
      args.unshift(path.join(HERE, 'mock_server.mjs'));
    }
    this.cmdline = [cmd, ...args].join(' ');
    log('starting', this.cmdline);
    this.logStream = logPath ? fs.createWriteStream(logPath) : null;
    this.child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    children.add(this.child);
    this.exited = new Promise((res) => {
      this.child.once('exit', (code, signal) => { this.exitInfo = { code, signal }; res(this.exitInfo); });
      this.child.once('error', (e) => { this.exitInfo = { code: null, signal: null, error: e.message }; res(this.exitInfo); });
    });
    for (const [name, s] of [['out', this.child.stdout], ['err', this.child.stderr]]) {
      let partial = '';
      s.on('data', (d) => {
        this.logStream?.write(d);
        const lines = (partial + d.toString()).split('\n');
        partial = lines.pop();
        for (const l of lines) {
          this.tail.push(`${name}| ${l}`);
          if (this.tail.length > 400) this.tail.shift();
          if (verbose) console.error(`  server ${name}| ${l}`);
        }
      });
    }
  }

  get running() { return this.exitInfo === undefined; }

  tailText(n = 60) { return this.tail.slice(-n).join('\n'); }

  async waitHealthy(ms = 15000) {
    const deadline = now() + ms;
    let last = '';
    while (now() < deadline) {
      if (!this.running) {
        throw new TestFailure(`server exited before becoming healthy: ${JSON.stringify(this.exitInfo)}`);
      }
      try {
        const r = await httpGet(`http://${HOST}:${this.httpPort}/healthz`, 1000);
        if (r.status === 200 && r.body.trim() === 'ok') return;
        last = `HTTP ${r.status} ${JSON.stringify(r.body.slice(0, 80))}`;
      } catch (e) {
        last = e.message;
      }
      await sleep(100);
    }
    throw new TestFailure(`server not healthy after ${ms} ms (last: ${last})`);
  }

  /** SIGTERM, wait up to 10 s, then SIGKILL. Returns the exit info. */
  async stop() {
    if (this.running) {
      log('stopping server (SIGTERM)');
      this.child.kill('SIGTERM');
      const r = await Promise.race([this.exited, sleep(10000).then(() => null)]);
      if (r === null) {
        warn('server did not exit within 10 s of SIGTERM; sending SIGKILL');
        this.killed = true;
        this.child.kill('SIGKILL');
        await Promise.race([this.exited, sleep(5000)]);
      }
    }
    children.delete(this.child);
    await new Promise((res) => (this.logStream ? this.logStream.end(res) : res()));
    return this.exitInfo;
  }
}

export async function httpGet(url, ms = 5000) {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), ms);
  try {
    const r = await fetch(url, { signal: ac.signal });
    return { status: r.status, body: await r.text() };
  } finally {
    clearTimeout(timer);
  }
}

/** Fetches /metrics and checks the names the interop tests rely on. Returns sampled values. */
export async function checkMetrics(httpPort) {
  const r = await httpGet(`http://${HOST}:${httpPort}/metrics`);
  check(r.status === 200, `/metrics returned HTTP ${r.status}`);
  const value = (name) => {
    const m = r.body.match(new RegExp(`^${name}(?:\\{[^}]*\\})?\\s+(\\S+)`, 'm'));
    return m ? Number(m[1]) : null;
  };
  for (const n of ['mgs_clients_connected', 'mgs_handshakes_total']) {
    check(r.body.includes(n), `/metrics does not contain ${n}`);
  }
  return { clients_connected: value('mgs_clients_connected'), handshakes_total: value('mgs_handshakes_total') };
}

/** Informational: mgs_clients_connected after everyone left (polled up to ms; null if absent). */
export async function clientsConnectedAfterLeave(httpPort, ms = 2000) {
  const deadline = now() + ms;
  let v = null;
  do {
    try { v = (await checkMetrics(httpPort)).clients_connected; } catch { return null; }
    if (v === 0) return 0;
    await sleep(100);
  } while (now() < deadline);
  return v;
}

// ---------------------------------------------------------------- main wrapper

/**
 * Runs body(ctx) under a hard timeout. ctx.onCleanup(fn) registers teardown (run in reverse order,
 * on success, failure and timeout alike). Prints the summary line and exits 0, or prints
 * "FAIL <name>: <reason>" plus the server's last output and exits 1.
 */
export async function runMain(name, timeoutS, body) {
  const cleanups = [];
  const ctx = { onCleanup: (fn) => cleanups.push(fn), server: null };
  let done = false;
  const runCleanups = async () => {
    while (cleanups.length) {
      const fn = cleanups.pop();
      try { await withTimeout(Promise.resolve().then(fn), 15000, 'cleanup step'); } catch (e) { warn(`cleanup: ${e.message}`); }
    }
  };
  const fail = async (reason) => {
    if (done) return;
    done = true;
    console.error(`FAIL ${name}: ${reason}`);
    const server = ctx.server;
    await runCleanups();
    if (server) {
      console.error(`--- server (${server.cmdline}) exit=${JSON.stringify(server.exitInfo)}; last output:`);
      console.error(server.tailText(80) || '(none)');
      if (server.logPath) console.error(`--- full server log: ${server.logPath}`);
    }
    process.exit(1);
  };
  // Last resort if cleanup itself hangs.
  const killer = () => setTimeout(() => { console.error(`FAIL ${name}: cleanup hung`); process.exit(1); }, 25000).unref();
  const hard = setTimeout(() => { killer(); fail(`hard timeout of ${timeoutS} s reached`); }, timeoutS * 1000);
  process.on('SIGINT', () => { killer(); fail('interrupted (SIGINT)'); });
  process.on('SIGTERM', () => { killer(); fail('terminated (SIGTERM)'); });
  process.on('unhandledRejection', (e) => { killer(); fail(`unhandled rejection: ${e?.stack ?? e}`); });
  ctx.failNow = (reason) => { killer(); fail(reason); };
  try {
    const summary = await body(ctx);
    if (done) return;
    const server = ctx.server;
    await runCleanups();
    if (done) return;
    done = true;
    clearTimeout(hard);
    if (server?.exitInfo) {
      const { code, signal } = server.exitInfo;
      summary.server_exit = signal ?? code;
      let bad = null;
      if (server.killed) bad = 'server needed SIGKILL (did not exit within 10 s of SIGTERM)';
      else if (signal && signal !== 'SIGTERM') bad = `server died with ${signal} while shutting down`;
      else if (code) bad = `server exited with code ${code} after SIGTERM (sanitizer report? see its output)`;
      if (bad) {
        console.error(`FAIL ${name}: ${bad}\n--- server last output:\n${server.tailText(80)}`);
        process.exit(1);
      }
    }
    console.log(JSON.stringify({ result: 'pass', test: name, ...summary }));
    process.exit(0);
  } catch (e) {
    killer();
    await fail(e instanceof TestFailure ? e.message : (e?.stack ?? String(e)));
  }
}

export function makeArtifactsDir(arg, prefix) {
  const dir = arg ? path.resolve(arg) : fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Starts the server (or the mock), registers its shutdown, waits for /healthz. */
export async function startServerUnderTest(ctx, opts, artifacts) {
  check(opts.mock || opts['server-bin'], '--server-bin <path> or --mock is required');
  if (!opts.mock) {
    check(fs.existsSync(opts['server-bin']), `server binary not found: ${opts['server-bin']}`);
  }
  const ports = await pickPorts();
  const server = new ServerProcess({
    bin: opts['server-bin'],
    mock: opts.mock,
    httpPort: ports.http,
    udpPort: ports.udp,
    extraArgs: opts['server-arg'],
    logPath: artifacts ? path.join(artifacts, 'server.log') : null,
  });
  server.expectedUdpPort = ports.udp;
  ctx.server = server;
  ctx.onCleanup(() => { server.stopping = true; return server.stop(); });
  server.exited.then((info) => {
    if (!server.stopping) ctx.failNow?.(`server exited unexpectedly during the test: ${JSON.stringify(info)}`);
  });
  await server.waitHealthy();
  log(`server healthy on http ${ports.http}, udp ${ports.udp}`);
  return server;
}

export function expectIceLite(opts) {
  const v = opts['expect-ice-lite'];
  if (v === undefined) return !opts.mock;
  return v === 'yes' || v === 'true' || v === '1';
}
