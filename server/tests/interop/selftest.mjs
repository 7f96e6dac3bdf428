#!/usr/bin/env node
// Self-test of the interop clients against mock_server.mjs (no mgs-server needed): both clients
// must pass against the well-behaved mock, and the node client must fail, with the expected
// reason, against each deliberate fault. Usage: node selftest.mjs [--skip-chromium]
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const skipChromium = process.argv.includes('--skip-chromium');

const cases = [
  { script: 'node_client.mjs', args: ['--clients', '3'], expect: 'pass' },
  ...(skipChromium ? [] : [{ script: 'chromium_client.mjs', args: [], expect: 'pass' }]),
  { script: 'node_client.mjs', fault: 'no-answer', expect: 'answer to join' },
  { script: 'node_client.mjs', fault: 'no-state', expect: 'server-opened state channel' },
  { script: 'node_client.mjs', fault: 'corrupt-pong', expect: 'payload differs' },
  { script: 'node_client.mjs', fault: 'no-pong-state', expect: 'state (unreliable) got 0/' },
  { script: 'node_client.mjs', fault: 'no-resume', expect: 'bad_resume' },
  { script: 'node_client.mjs', fault: 'ignore-sigterm', expect: 'needed SIGKILL' },
];

let passed = 0;
let failed = 0;
for (const c of cases) {
  const args = [path.join(HERE, c.script), '--mock', '--timeout-s', '40', ...(c.args ?? [])];
  if (c.fault) args.push(`--server-arg=--fault=${c.fault}`);
  const t = Date.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 90000 });
  const out = `${r.stdout}\n${r.stderr}`;
  const ok = c.expect === 'pass'
    ? r.status === 0 && r.stdout.includes('"result":"pass"')
    : r.status === 1 && out.includes(c.expect);
  const name = `${c.script}${c.fault ? ` --fault=${c.fault}` : ''}`;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name} (exit ${r.status}, ${((Date.now() - t) / 1000).toFixed(1)} s)`);
  if (!ok) console.log(out.split('\n').slice(0, 12).map((l) => `     ${l}`).join('\n'));
  if (ok) passed++; else failed++;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
