#!/usr/bin/env node
// Interop test: mgs-server against libdatachannel (node-datachannel), a WebRTC stack we did not
// write. Starts the server, then per client: offer with an `events` channel (non-trickle), join over
// the WebSocket, expect the server-opened `state` channel, Ping/Pong on both, a large Ping on
// `events`, resume with the session token over a new WebSocket + PeerConnection, /metrics, leave.
// Prints one JSON line and exits 0, or "FAIL ..." and exits 1. See README.md.
import {
  HOST, check, checkAnswer, checkMetrics, deferred, expectIceLite, log, makeArtifactsDir, now,
  parseCommonArgs, percentile, requireDeps, round, runMain, startServerUnderTest, usage, clientsConnectedAfterLeave,
  withTimeout, TestFailure,
} from './harness.mjs';
import { errorHint } from './checks.mjs';

const opts = parseCommonArgs({ 'keep-rate-limit': { type: 'boolean', default: false } });
if (opts.help) {
  usage('node_client.mjs', `Runs the interop scenario with node-datachannel peers (use --mock for mock_server.mjs).
       With --clients > 1 the server gets --set server.signaling_burst=1000 --set server.signaling_rate_per_s=1000
       (every client is 127.0.0.1 to its per-IP rate limit) unless --keep-rate-limit or a --server-arg sets them.`);
  process.exit(0);
}
requireDeps('interop_node_datachannel', ['node-datachannel', 'ws', 'flatbuffers']);
const { default: ndc } = await import('node-datachannel');
const { default: WebSocket } = await import('ws');
const { PingChannel } = await import('./pingpong.mjs');
const { makePayload, PONG_OVERHEAD } = await import('./proto.mjs');
if (process.env.NDC_LOG) ndc.initLogger(process.env.NDC_LOG, (level, msg) => console.error(`[ndc ${level}] ${msg}`));
const NCLIENTS = Math.max(1, Number(opts.clients) || 1);
const NPINGS = Math.max(1, Number(opts.pings) || 20);
const LARGE = Math.max(0, Number(opts['large-bytes']) || 0);

/** A node-datachannel DataChannel with Ping/Pong bookkeeping (see pingpong.mjs). */
class Channel extends PingChannel {
  constructor(dc, label, owner) {
    super((bytes) => {
      if (!dc.sendMessageBinary(bytes)) log(`${owner}: sendMessageBinary on ${label} returned false (buffered)`);
    }, label, owner);
    this.dc = dc;
    this.opened = deferred();
    this.closed = false;
    dc.onOpen(() => this.opened.resolve());
    dc.onClosed(() => {
      this.closed = true;
      this.opened.reject(new TestFailure(`${owner}: ${label} closed before opening`));
    });
    dc.onError((e) => this.errors.push(`error event: ${e}`));
    dc.onMessage((m) => this.onMessage(m));
    if (dc.isOpen()) this.opened.resolve();
  }
}

/** New PeerConnection + WebSocket join. Returns once `events` and `state` are both open. */
async function connect(ctx, server, name, { resume } = {}) {
  const tag = `${name}${resume ? '(resume)' : ''}`;
  const pc = new ndc.PeerConnection(tag, { iceServers: [], bindAddress: HOST });
  ctx.onCleanup(() => { try { pc.close(); } catch {} });
  const gathered = deferred();
  const stateCh = deferred();
  const failed = deferred();
  let pcState = 'new';
  // Callbacks first, then the channel (creating it starts negotiation and gathering).
  pc.onStateChange((s) => {
    pcState = s;
    log(`${tag}: pc ${s}`);
    if (s === 'failed') failed.reject(new TestFailure(`${tag}: PeerConnection failed (ICE/DTLS)`));
  });
  pc.onGatheringStateChange((s) => { if (s === 'complete') gathered.resolve(); });
  pc.onDataChannel((dc) => {
    const label = dc.getLabel();
    log(`${tag}: server opened channel ${label}`);
    if (label === 'state') stateCh.resolve(new Channel(dc, 'state', tag));
  });
  const events = new Channel(pc.createDataChannel('events'), 'events', tag);

  await withTimeout(gathered.promise, 10000, `${tag}: ICE gathering`);
  const offer = pc.localDescription();
  check(offer?.type === 'offer', `${tag}: local description is ${offer?.type}, expected offer`);

  const ws = new WebSocket(`ws://${HOST}:${server.httpPort}/ws`);
  ctx.onCleanup(() => ws.terminate());
  const inbox = [];
  let waiter = null;
  let wsClosed = null;
  ws.on('message', (data, isBinary) => {
    let m;
    try { m = JSON.parse(data.toString()); } catch { m = { type: '__invalid__', raw: data.toString().slice(0, 200), isBinary }; }
    log(`${tag}: ws <- ${JSON.stringify(m).slice(0, 120)}`);
    inbox.push(m);
    waiter?.();
  });
  ws.on('close', (code, reason) => { wsClosed = { code, reason: reason.toString() }; waiter?.(); });
  await withTimeout(new Promise((res, rej) => {
    ws.once('open', res);
    ws.once('unexpected-response', (req, resp) => rej(new TestFailure(
      `${tag}: WebSocket upgrade answered HTTP ${resp.statusCode}${resp.statusCode === 429 ? ' (server signaling rate limit per IP)' : ''}`)));
    ws.once('error', (e) => rej(new TestFailure(`${tag}: WebSocket error: ${e.message}`)));
  }), 5000, `${tag}: WebSocket open`);

  const tJoin = now();
  const join = resume
    ? { type: 'join', name, resume: resume.session, offer: offer.sdp }
    : { type: 'join', name, team: 'auto', offer: offer.sdp };
  ws.send(JSON.stringify(join));
  const answer = await withTimeout(new Promise((res, rej) => {
    waiter = () => {
      const i = inbox.findIndex((m) => m.type === 'answer' || m.type === 'error' || m.type === '__invalid__');
      if (i >= 0) { const [m] = inbox.splice(i, 1); waiter = null; res(m); return; }
      if (wsClosed) rej(new TestFailure(`${tag}: WebSocket closed (${wsClosed.code} ${wsClosed.reason}) before an answer`));
    };
    waiter();
  }), 10000, `${tag}: answer to join`);
  check(answer.type !== '__invalid__', `${tag}: non-JSON signaling message: ${answer.raw}`);
  const tAnswer = now();
  let sdpInfo;
  try {
    sdpInfo = checkAnswer(answer, { udpPort: server.expectedUdpPort, expectIceLite: expectIceLite(opts), resumed: !!resume });
  } catch (e) {
    throw new TestFailure(`${tag}: ${e.message}`);
  }
  if (resume) check(answer.player_id === resume.player_id, `${tag}: resumed player_id ${answer.player_id} != ${resume.player_id}`);
  pc.setRemoteDescription(answer.sdp, 'answer');
  // Optional trickle message: repeat one of the offer's candidates; the server must not object.
  // Only from the first client: the server rate-limits signaling per IP (all clients share 127.0.0.1).
  const cand = offer.sdp.split(/\r?\n/).find((l) => l.startsWith('a=candidate:'));
  if (cand && name === 'node1') ws.send(JSON.stringify({ type: 'candidate', candidate: cand.slice(2), mid: '0' }));

  await withTimeout(Promise.race([events.opened.promise, failed.promise]), 15000, `${tag}: events channel open (pc ${pcState})`);
  const tEvents = now();
  const state = await withTimeout(Promise.race([stateCh.promise, failed.promise]), 10000,
    `${tag}: server-opened state channel (pc ${pcState}, events open)`);
  await withTimeout(state.opened.promise, 5000, `${tag}: state channel open`);
  const tState = now();
  const pair = pc.getSelectedCandidatePair();
  /** Signaling errors received since the answer (e.g. a rejected candidate message). */
  const assertNoSignalingErrors = () => {
    const errs = inbox.filter((m) => m.type === 'error' || m.type === '__invalid__');
    check(errs.length === 0, `${tag}: signaling error(s) after the answer: ${JSON.stringify(errs).slice(0, 300)}${errorHint(errs[0]?.code)}`);
  };
  return {
    pc, ws, events, state, answer, sdpInfo, pair, assertNoSignalingErrors,
    timing: { signaling_ms: tAnswer - tJoin, events_open_ms: tEvents - tJoin, handshake_ms: tState - tJoin },
  };
}

async function runClient(ctx, server, index) {
  const name = `node${index + 1}`;
  const c = await connect(ctx, server, name);
  log(`${name}: connected as player ${c.answer.player_id} in ${round(c.timing.handshake_ms)} ms; pair ${JSON.stringify(c.pair)}`);
  if (c.pair) {
    check(c.pair.remote.address === HOST && (server.expectedUdpPort == null || c.pair.remote.port === server.expectedUdpPort),
      `${name}: selected remote candidate ${c.pair.remote.address}:${c.pair.remote.port}, expected ${HOST}:${server.expectedUdpPort ?? '*'}`);
  }

  const ev = await c.events.pingBurst(1, NPINGS, { waitMs: 3000 });
  const st = await c.state.pingBurst(1001, NPINGS, { waitMs: 2000 });
  check(ev.received === ev.sent, `${name}: events (reliable) got ${ev.received}/${ev.sent} Pongs`);
  check(st.received >= 1, `${name}: state (unreliable) got 0/${st.sent} Pongs`);
  c.events.assertClean();
  c.state.assertClean();
  c.assertNoSignalingErrors();

  // Large Ping: as big as requested, but within what both sides advertised, minus envelope overhead.
  const limit = Math.min(c.answer.max_message_size, c.sdpInfo.sdpMaxMessageSize ?? Infinity,
    c.events.dc.maxMessageSize(), 262144);
  const largeLen = Math.min(LARGE, limit - PONG_OVERHEAD - 64);
  let large = null;
  if (LARGE > 0) {
    check(largeLen >= 1024, `${name}: negotiated max message size ${limit} leaves no room for a large Ping`);
    const r = await withTimeout(c.events.ping(5000, makePayload(largeLen, 5000)), 10000,
      `${name}: Pong to a ${largeLen}-byte Ping on events (limit ${limit})`);
    c.events.assertClean();
    large = { bytes: largeLen, rtt_ms: round(r.rtt) };
  }

  // Resume: drop the WebSocket abruptly (no leave), keep the old pc, join again with the token.
  const resumeFrom = { session: c.answer.session, player_id: c.answer.player_id };
  c.ws.terminate();
  await new Promise((r) => setTimeout(r, 200));
  const tResume = now();
  const r2 = await connect(ctx, server, name, { resume: resumeFrom });
  const resumeMs = now() - tResume;
  const ev2 = await r2.events.pingBurst(20001, 3, { waitMs: 3000 });
  check(ev2.received === 3, `${name}: after resume, events got ${ev2.received}/3 Pongs`);
  const st2 = await r2.state.pingBurst(21001, 5, { waitMs: 2000 });
  check(st2.received >= 1, `${name}: after resume, state got 0/5 Pongs`);
  r2.events.assertClean();
  r2.state.assertClean();
  r2.assertNoSignalingErrors();
  const oldPcState = c.pc.state();
  c.pc.close();

  return {
    name, c, r2,
    rtts: { events: ev.rtts, state: st.rtts },
    result: {
      player_id: c.answer.player_id,
      ...Object.fromEntries(Object.entries(c.timing).map(([k, v]) => [k, round(v)])),
      ice_lite: c.sdpInfo.iceLite,
      dtls_setup: c.sdpInfo.setup,
      max_message_size: c.answer.max_message_size,
      sdp_max_message_size: c.sdpInfo.sdpMaxMessageSize,
      events: { sent: ev.sent, received: ev.received, rtt_p50_ms: percentile(ev.rtts, 0.5), other_msgs: c.events.other, late: c.events.late },
      state: { sent: st.sent, received: st.received, rtt_p50_ms: percentile(st.rtts, 0.5), other_msgs: c.state.other, late: c.state.late },
      large,
      resume: { handshake_ms: round(r2.timing.handshake_ms), total_ms: round(resumeMs), old_pc_state: oldPcState,
        events: `${ev2.received}/3`, state: `${st2.received}/5` },
    },
  };
}

async function leave(client) {
  const { r2 } = client;
  if (r2.ws.readyState === WebSocket.OPEN) {
    r2.ws.send(JSON.stringify({ type: 'leave' }));
    await Promise.race([new Promise((r) => r2.ws.once('close', r)), new Promise((r) => setTimeout(r, 1000))]);
    r2.ws.close();
  }
  r2.pc.close();
}

await runMain('interop_node_datachannel', Number(opts['timeout-s']) || 60, async (ctx) => {
  const artifacts = opts.artifacts ? makeArtifactsDir(opts.artifacts) : null;
  ctx.onCleanup(() => { try { ndc.cleanup(); } catch {} });
  // All clients share 127.0.0.1, which the server's per-IP signaling rate limit counts as one
  // client: with several, raise the limit (unless told not to, or already set).
  if (NCLIENTS > 1 && !opts['keep-rate-limit'] && !opts['server-arg'].some((a) => a.includes('signaling_'))) {
    opts['server-arg'].push('--set', 'server.signaling_burst=1000', '--set', 'server.signaling_rate_per_s=1000');
  }
  const server = await startServerUnderTest(ctx, opts, artifacts);

  const clients = await Promise.all([...Array(NCLIENTS).keys()].map((i) => runClient(ctx, server, i)));
  const ids = clients.map((c) => c.result.player_id);
  check(new Set(ids).size === ids.length, `player ids not distinct: ${ids}`);

  const metrics = await checkMetrics(server.httpPort);
  if (metrics.clients_connected !== null) {
    check(metrics.clients_connected >= NCLIENTS, `mgs_clients_connected is ${metrics.clients_connected} with ${NCLIENTS} client(s) connected`);
  }
  for (const c of clients) await leave(c);
  metrics.clients_connected_after_leave = await clientsConnectedAfterLeave(server.httpPort);

  const R = clients.map((c) => c.result);
  const sum = (f) => R.reduce((a, r) => a + f(r), 0);
  const allRtt = (k) => percentile(clients.flatMap((c) => c.rtts[k]), 0.5);
  return {
    impl: `node-datachannel (libdatachannel ${ndc.getLibraryVersion?.() ?? '?'})`,
    server: opts.mock ? 'mock' : opts['server-bin'],
    clients: NCLIENTS,
    handshake_ms: percentile(R.map((r) => r.handshake_ms), 0.5),
    handshake_ms_max: Math.max(...R.map((r) => r.handshake_ms)),
    rtt_p50_ms: { events: allRtt('events'), state: allRtt('state') },
    pongs: {
      events: `${sum((r) => r.events.received)}/${sum((r) => r.events.sent)}`,
      state: `${sum((r) => r.state.received)}/${sum((r) => r.state.sent)}`,
    },
    large_bytes: R[0].large?.bytes ?? 0,
    resume_ms: percentile(R.map((r) => r.resume.total_ms), 0.5),
    metrics,
    ...(NCLIENTS === 1 ? { detail: R[0] } : { detail: R }),
  };
});
