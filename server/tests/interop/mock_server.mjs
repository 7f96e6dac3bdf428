#!/usr/bin/env node
// MOCK of mgs-server's signaling + data-channel behaviour, for self-checking the interop clients
// only (node_client.mjs --mock, chromium_client.mjs --mock). It is NOT the server under test.
// It documents what the clients expect:
//   HTTP  GET /healthz -> 200 "ok"; GET / -> minimal HTML page; GET /metrics -> Prometheus text
//         with mgs_clients_connected and mgs_handshakes_total.
//   WS    /ws, JSON text frames, non-trickle:
//         -> {"type":"join","name":..,"team":"auto","offer":SDP}             (new session)
//         -> {"type":"join","name":..,"resume":TOKEN,"offer":SDP}           (resume within grace)
//         <- {"type":"answer","sdp":..,"session":TOKEN,"player_id":N,"resumed":bool,"max_message_size":N}
//         <- {"type":"error","code":"server_full"|"bad_request"|"bad_resume"|...,"message":..}
//         -> {"type":"candidate","candidate":"candidate:..","mid":"0"}  (optional trickle)
//         -> {"type":"leave"}   ends the session; a WebSocket closed without it starts the grace period.
//   RTC   the client creates `events` (reliable, ordered); once the association is up the server
//         opens `state` (unordered, maxRetransmits 0). Every Ping on any channel is answered with a
//         Pong on the same channel (same id, client_time_ms, payload; server_time_ms = ms since start).
// Differences from the real server: libdatachannel is a full ICE agent (no a=ice-lite in the
// answer; the offer's candidates are dropped so it behaves like one, see startPc), and it is the
// DTLS client (a=setup:active), where the real server may be either.
import http from 'node:http';
import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import ndc from 'node-datachannel';
import { WebSocketServer } from 'ws';
import { decodeEnvelope, encodePong, MessageType, PONG_OVERHEAD } from './proto.mjs';

const { values: opt } = parseArgs({
  options: {
    preset: { type: 'string', default: 'arena' },
    bind: { type: 'string', default: '127.0.0.1' },
    'http-port': { type: 'string', default: '8080' },
    'udp-port': { type: 'string', default: '40000' },
    'public-ip': { type: 'string', default: '127.0.0.1' },
    'max-clients': { type: 'string', default: '32' },
    'grace-s': { type: 'string', default: '20' },
    'max-message-size': { type: 'string', default: '65536' },
    // Deliberate misbehaviour, to check that the clients notice (see README.md):
    // no-answer | no-state | corrupt-pong | no-pong-state | no-resume | ignore-sigterm
    fault: { type: 'string', default: '' },
    set: { type: 'string', multiple: true, default: [] }, // accepted like the real server's, ignored
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});
if (opt.help) {
  console.log(`mock_server.mjs (interop self-check stand-in for mgs-server)
  --preset NAME --bind IP --http-port P --udp-port U --public-ip IP
  --max-clients N (32) --grace-s S (20) --max-message-size BYTES (65536) --verbose
  --fault no-answer|no-state|corrupt-pong|no-pong-state|no-resume|ignore-sigterm (self-tests)`);
  process.exit(0);
}

const T0 = performance.now();
const HTTP_PORT = Number(opt['http-port']);
const UDP_PORT = Number(opt['udp-port']);
const MAX_CLIENTS = Number(opt['max-clients']);
const GRACE_MS = Number(opt['grace-s']) * 1000;
const MMS = Number(opt['max-message-size']);
const FAULT = opt.fault;
const log = (...a) => console.error(`[mock ${((performance.now() - T0) / 1000).toFixed(3)}]`, ...a);
if (opt.verbose) ndc.initLogger(process.env.MOCK_LOG ?? 'Info', (level, msg) => console.error(`[ndc ${level}] ${msg}`));

let nextPlayerId = 1;
let handshakesTotal = 0;
const sessions = new Map(); // token -> { playerId, name, pc, ws, graceTimer }

const connectedCount = () => [...sessions.values()].filter((s) => s.pc && s.pcState === 'connected').length;

function dropSession(s, why) {
  log(`player ${s.playerId} (${s.name}) removed: ${why}`);
  clearTimeout(s.graceTimer);
  closePc(s);
  sessions.delete(s.token);
}

function closePc(s) {
  if (!s.pc) return;
  const pc = s.pc;
  s.pc = null;
  s.pcState = 'closed';
  try { pc.close(); } catch {}
}

function onChannel(s, pc, dc) {
  const label = dc.getLabel();
  dc.onMessage((msg) => {
    if (s.pc !== pc) return;
    if (typeof msg === 'string') { log(`text message on ${label} ignored`); return; }
    let env;
    try { env = decodeEnvelope(msg); } catch (e) { log(`bad envelope on ${label}: ${e.message}`); return; }
    if (env.type !== MessageType.Ping || !env.ping) return;
    if (FAULT === 'no-pong-state' && label === 'state') return;
    const limit = dc.maxMessageSize() - PONG_OVERHEAD;
    const payload = env.ping.payload.length > limit ? env.ping.payload.subarray(0, Math.max(0, limit)) : env.ping.payload;
    const pong = encodePong({
      id: env.ping.id, clientTimeMs: env.ping.clientTimeMs,
      serverTimeMs: performance.now() - T0, payload,
    });
    if (FAULT === 'corrupt-pong' && pong.length > 40) pong[pong.length - 1] ^= 0xff;
    try { dc.sendMessageBinary(pong); } catch (e) { log(`send on ${label} failed: ${e.message}`); }
  });
  dc.onClosed(() => log(`player ${s.playerId}: channel ${label} closed`));
}

function startPc(s, offer, ws) {
  const pc = new ndc.PeerConnection(`mock-p${s.playerId}`, {
    iceServers: [],
    bindAddress: opt.bind,
    // All sessions share --udp-port, like the real server (libjuice's UDP mux).
    portRangeBegin: UDP_PORT,
    portRangeEnd: UDP_PORT,
    enableIceUdpMux: true,
    maxMessageSize: MMS,
  });
  s.pc = pc;
  s.pcState = 'new';
  const channels = [];
  let stateOpened = false;
  const openState = () => {
    if (stateOpened || s.pc !== pc || FAULT === 'no-state') return;
    stateOpened = true;
    const st = pc.createDataChannel('state', { unordered: true, maxRetransmits: 0 });
    channels.push(st);
    st.onOpen(() => log(`player ${s.playerId}: state open`));
    onChannel(s, pc, st);
  };
  pc.onStateChange((st) => {
    if (s.pc !== pc) return;
    log(`player ${s.playerId}: pc ${st}`);
    s.pcState = st;
    // A little later than 'connected': creating a channel while libdatachannel is still assigning
    // streams at connect time can send its DCEP OPEN twice (the client then resets the stream).
    if (st === 'connected') { handshakesTotal++; setTimeout(openState, 20); }
    if ((st === 'failed' || st === 'closed') && s.pc === pc) s.pcState = st;
  });
  pc.onDataChannel((dc) => {
    channels.push(dc);
    log(`player ${s.playerId}: client opened ${dc.getLabel()}`);
    onChannel(s, pc, dc);
  });
  let answered = false;
  pc.onGatheringStateChange((g) => {
    if (g !== 'complete' || answered) return;
    answered = true;
    const desc = pc.localDescription();
    ws.send(JSON.stringify({
      type: 'answer', sdp: desc.sdp, session: s.token, player_id: s.playerId,
      resumed: s.resumedNow, max_message_size: MMS,
    }));
  });
  // Drop every candidate of the offer: like the real (ICE-lite) server, the mock then never sends
  // connectivity checks of its own and only answers the client's, so it talks to nothing but the
  // address the client's checks come from, and its DTLS ClientHello (libdatachannel answers with
  // a=setup:active) cannot reach the client before the client has applied the answer: otherwise
  // the client's DTLS fails with "unknown CA" because it has no remote fingerprint yet.
  const filtered = offer.split(/\r?\n/).filter((l) => !l.startsWith('a=candidate:')).join('\r\n');
  pc.setRemoteDescription(filtered, 'offer');
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/healthz') { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok'); return; }
  if (url.pathname === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(`# HELP mgs_clients_connected Clients with a connected peer connection.
# TYPE mgs_clients_connected gauge
mgs_clients_connected ${connectedCount()}
# HELP mgs_handshakes_total Completed WebRTC handshakes.
# TYPE mgs_handshakes_total counter
mgs_handshakes_total ${handshakesTotal}
`);
    return;
  }
  if (url.pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><html><head><title>mgs mock</title></head><body><h1>mgs mock server</h1></body></html>');
    return;
  }
  res.writeHead(404); res.end('not found');
});

const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
server.on('upgrade', (req, sock, head) => {
  if (new URL(req.url, 'http://x').pathname !== '/ws') { sock.destroy(); return; }
  wss.handleUpgrade(req, sock, head, (ws) => onWs(ws));
});

function onWs(ws) {
  let s = null;
  const err = (code, message) => ws.send(JSON.stringify({ type: 'error', code, message }));
  ws.on('message', (data, isBinary) => {
    let m;
    try { m = JSON.parse(data.toString()); } catch { err('bad_request', 'not JSON'); return; }
    if (isBinary || typeof m !== 'object' || !m) { err('bad_request', 'expected a JSON object text frame'); return; }
    if (m.type === 'join') {
      if (FAULT === 'no-answer') return;
      if (s) { err('bad_request', 'already joined'); return; }
      if (typeof m.offer !== 'string' || !m.offer.startsWith('v=0')) { err('bad_request', 'missing offer'); return; }
      if (m.resume !== undefined) {
        const old = FAULT === 'no-resume' ? undefined : sessions.get(m.resume);
        if (!old) { err('bad_resume', 'unknown or expired session'); return; }
        clearTimeout(old.graceTimer);
        if (old.ws && old.ws !== ws) try { old.ws.close(4000, 'resumed elsewhere'); } catch {}
        closePc(old);
        s = old;
        s.resumedNow = true;
        log(`player ${s.playerId} resumes`);
      } else {
        if (sessions.size >= MAX_CLIENTS) { err('server_full', `at most ${MAX_CLIENTS} players`); return; }
        const token = crypto.randomBytes(16).toString('hex');
        s = { token, playerId: nextPlayerId++, name: String(m.name ?? 'player'), resumedNow: false };
        sessions.set(token, s);
        log(`player ${s.playerId} (${s.name}) joins`);
      }
      s.ws = ws;
      startPc(s, m.offer, ws);
    } else if (m.type === 'candidate') {
      // Accepted and ignored (see startPc: the mock only answers the client's checks).
      if (typeof m.candidate !== 'string') err('bad_request', 'candidate must be a string');
    } else if (m.type === 'leave') {
      if (s) { dropSession(s, 'leave'); s = null; }
      ws.close(1000, 'bye');
    } else {
      err('bad_request', `unknown type ${m.type}`);
    }
  });
  ws.on('close', () => {
    if (!s || s.ws !== ws) return;
    s.ws = null;
    const cur = s;
    log(`player ${cur.playerId}: websocket closed, grace ${GRACE_MS} ms`);
    cur.graceTimer = setTimeout(() => dropSession(cur, 'grace period over'), GRACE_MS);
  });
}

server.listen(HTTP_PORT, opt.bind, () => log(`listening http ${opt.bind}:${HTTP_PORT}, udp ${UDP_PORT}, preset ${opt.preset}`));

let stopping = false;
function shutdown(sig) {
  if (stopping) return;
  stopping = true;
  log(`${sig}: shutting down`);
  for (const s of [...sessions.values()]) dropSession(s, 'shutdown');
  for (const c of wss.clients) c.terminate();
  server.close();
  setTimeout(() => { ndc.cleanup(); process.exit(0); }, 100);
}
process.on('SIGTERM', () => (FAULT === 'ignore-sigterm' ? log('SIGTERM ignored (fault)') : shutdown('SIGTERM')));
process.on('SIGINT', () => shutdown('SIGINT'));
