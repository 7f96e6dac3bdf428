// Runs INSIDE the Chromium page (served at /__interop/ by chromium_client.mjs through Playwright
// request interception, never by the server). Browser WebRTC: RTCPeerConnection, non-trickle offer
// with an `events` channel, WebSocket join, server-opened `state` channel, Ping/Pong, large Ping.
import { check, checkAnswer, deferred, errorHint, percentile, round, withTimeout, TestFailure } from './checks.mjs';
import { PingChannel } from './pingpong.mjs';
import { makePayload, PONG_OVERHEAD } from './proto.mjs';

const T0 = performance.now();

function status(line) {
  let el = document.getElementById('mgs-interop-status');
  if (!el) {
    el = document.createElement('pre');
    el.id = 'mgs-interop-status';
    el.style.cssText = 'position:fixed;left:0;bottom:0;right:0;max-height:60%;overflow:auto;margin:0;'
      + 'padding:8px;background:rgba(0,0,0,.85);color:#7f7;font:12px monospace;z-index:2147483647';
    document.body.appendChild(el);
  }
  el.textContent += `[${((performance.now() - T0) / 1000).toFixed(3)}s] ${line}\n`;
  console.log(`[interop] ${line}`);
}

function wrapChannel(dc, owner) {
  dc.binaryType = 'arraybuffer';
  const ch = new PingChannel((bytes) => dc.send(bytes), dc.label, owner);
  ch.dc = dc;
  ch.opened = deferred();
  if (dc.readyState === 'open') ch.opened.resolve();
  dc.onopen = () => ch.opened.resolve();
  dc.onclose = () => ch.opened.reject(new TestFailure(`${owner}: ${dc.label} closed (readyState ${dc.readyState})`));
  dc.onerror = (e) => ch.errors.push(`error event: ${e.error?.message ?? e.type}`);
  dc.onmessage = (e) => ch.onMessage(e.data);
  return ch;
}

async function connect(cfg, resume) {
  const tag = `${cfg.name}${resume ? '(resume)' : ''}`;
  const pc = new RTCPeerConnection({ iceServers: [] });
  const failed = deferred();
  const stateCh = deferred();
  pc.onconnectionstatechange = () => {
    status(`${tag}: connectionState ${pc.connectionState}`);
    if (pc.connectionState === 'failed') failed.reject(new TestFailure(`${tag}: RTCPeerConnection failed (ice ${pc.iceConnectionState})`));
  };
  pc.ondatachannel = (e) => {
    status(`${tag}: server opened channel ${e.channel.label}`);
    if (e.channel.label === 'state') stateCh.resolve(wrapChannel(e.channel, tag));
  };
  const events = wrapChannel(pc.createDataChannel('events'), tag);

  const tGather = performance.now();
  await pc.setLocalDescription(await pc.createOffer());
  if (pc.iceGatheringState !== 'complete') {
    const done = deferred();
    pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') done.resolve(); });
    await withTimeout(done.promise, 10000, `${tag}: ICE gathering`);
  }
  const gatherMs = performance.now() - tGather;
  const offerSdp = pc.localDescription.sdp;
  const offerCands = offerSdp.split(/\r?\n/).filter((l) => l.startsWith('a=candidate:'));
  status(`${tag}: offer has ${offerCands.length} candidate(s): ${offerCands.map((l) => l.split(' ').slice(4, 6).join(':')).join(', ')}`);
  check(offerCands.length > 0, `${tag}: Chromium gathered no ICE candidates`);

  const ws = new WebSocket(cfg.wsUrl);
  const inbox = [];
  let wake = null;
  let wsClosed = null;
  ws.onmessage = (e) => {
    let m;
    try { m = JSON.parse(e.data); } catch { m = { type: '__invalid__', raw: String(e.data).slice(0, 200) }; }
    inbox.push(m);
    wake?.();
  };
  ws.onclose = (e) => { wsClosed = { code: e.code, reason: e.reason }; wake?.(); };
  await withTimeout(new Promise((res, rej) => { ws.onopen = res; ws.onerror = () => rej(new TestFailure(`${tag}: WebSocket error`)); }),
    5000, `${tag}: WebSocket open`);

  const tJoin = performance.now();
  ws.send(JSON.stringify(resume
    ? { type: 'join', name: cfg.name, resume: resume.session, offer: offerSdp }
    : { type: 'join', name: cfg.name, team: 'auto', offer: offerSdp }));
  const answer = await withTimeout(new Promise((res, rej) => {
    wake = () => {
      const i = inbox.findIndex((m) => ['answer', 'error', '__invalid__'].includes(m.type));
      if (i >= 0) { wake = null; res(inbox.splice(i, 1)[0]); return; }
      if (wsClosed) rej(new TestFailure(`${tag}: WebSocket closed (${wsClosed.code} ${wsClosed.reason}) before an answer`));
    };
    wake();
  }), 10000, `${tag}: answer to join`);
  check(answer.type !== '__invalid__', `${tag}: non-JSON signaling message: ${answer.raw}`);
  const tAnswer = performance.now();
  let sdpInfo;
  try {
    sdpInfo = checkAnswer(answer, { udpPort: cfg.udpPort, expectIceLite: cfg.expectIceLite, resumed: !!resume });
  } catch (e) {
    throw new TestFailure(`${tag}: ${e.message}`);
  }
  if (resume) check(answer.player_id === resume.player_id, `${tag}: resumed player_id ${answer.player_id} != ${resume.player_id}`);
  status(`${tag}: answer: player ${answer.player_id}, ice-lite ${sdpInfo.iceLite}, setup ${sdpInfo.setup}, max_message_size ${answer.max_message_size}`);
  try {
    await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
  } catch (e) {
    throw new TestFailure(`${tag}: Chromium rejected the answer SDP: ${e.message}\n${answer.sdp}`);
  }
  // Optional trickle message: repeat one of the offer's candidates; the server must not object.
  const cand = offerCands[0];
  if (cand) ws.send(JSON.stringify({ type: 'candidate', candidate: cand.slice(2), mid: '0' }));

  await withTimeout(Promise.race([events.opened.promise, failed.promise]), 15000,
    `${tag}: events channel open (connection ${pc.connectionState}, ice ${pc.iceConnectionState})`);
  const tEvents = performance.now();
  const state = await withTimeout(Promise.race([stateCh.promise, failed.promise]), 10000,
    `${tag}: server-opened state channel (connection ${pc.connectionState})`);
  await withTimeout(state.opened.promise, 5000, `${tag}: state channel open`);
  const tState = performance.now();
  check(events.dc.ordered === true && events.dc.maxRetransmits === null && events.dc.maxPacketLifeTime === null,
    `${tag}: events channel is not reliable+ordered`);
  check(state.dc.ordered === false, `${tag}: state channel is ordered (expected unordered)`);
  check(state.dc.maxRetransmits === 0, `${tag}: state channel maxRetransmits ${state.dc.maxRetransmits} (expected 0)`);

  // Selected candidate pair, from getStats.
  let pair = null;
  try {
    const stats = await pc.getStats();
    let sel = null;
    stats.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) sel = stats.get(s.selectedCandidatePairId); });
    if (!sel) stats.forEach((s) => { if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') sel = s; });
    if (sel) {
      const l = stats.get(sel.localCandidateId);
      const r = stats.get(sel.remoteCandidateId);
      pair = { local: `${l?.address}:${l?.port} ${l?.candidateType}`, remote: `${r?.address}:${r?.port} ${r?.candidateType}` };
    }
  } catch { /* stats are informational */ }
  const assertNoSignalingErrors = () => {
    const errs = inbox.filter((m) => m.type === 'error' || m.type === '__invalid__');
    check(errs.length === 0, `${tag}: signaling error(s) after the answer: ${JSON.stringify(errs).slice(0, 300)}${errorHint(errs[0]?.code)}`);
  };
  const c = { pc, ws, events, state, answer, sdpInfo, pair, assertNoSignalingErrors,
    timing: { gather_ms: gatherMs, signaling_ms: tAnswer - tJoin, events_open_ms: tEvents - tJoin, handshake_ms: tState - tJoin } };
  window.__mgsInterop = c;
  status(`${tag}: connected in ${round(c.timing.handshake_ms)} ms, pair ${JSON.stringify(pair)}`);
  return c;
}

/** First connection: handshake, Ping bursts on both channels, one large Ping on `events`. */
export async function firstConnect(cfg) {
  const c = await connect(cfg, null);
  if (c.pair) check(c.pair.remote.startsWith(`127.0.0.1:${cfg.udpPort} `), `selected remote candidate ${c.pair.remote}, expected 127.0.0.1:${cfg.udpPort}`);
  const ev = await c.events.pingBurst(1, cfg.pings, { waitMs: 3000 });
  const st = await c.state.pingBurst(1001, cfg.pings, { waitMs: 2000 });
  status(`Pongs: events ${ev.received}/${ev.sent}, state ${st.received}/${st.sent}`);
  check(ev.received === ev.sent, `events (reliable) got ${ev.received}/${ev.sent} Pongs`);
  check(st.received >= 1, `state (unreliable) got 0/${st.sent} Pongs`);
  c.events.assertClean();
  c.state.assertClean();
  c.assertNoSignalingErrors();

  const sctpMax = c.pc.sctp?.maxMessageSize ?? Infinity;
  const limit = Math.min(c.answer.max_message_size, c.sdpInfo.sdpMaxMessageSize ?? Infinity, sctpMax);
  const largeLen = Math.min(cfg.largeBytes, limit - PONG_OVERHEAD - 64);
  let large = null;
  if (cfg.largeBytes > 0) {
    check(largeLen >= 1024, `negotiated max message size ${limit} leaves no room for a large Ping`);
    const r = await withTimeout(c.events.ping(5000, makePayload(largeLen, 5000)), 10000,
      `Pong to a ${largeLen}-byte Ping on events (limit ${limit}, sctp.maxMessageSize ${sctpMax})`);
    c.events.assertClean();
    large = { bytes: largeLen, rtt_ms: round(r.rtt), sctp_max_message_size: Number.isFinite(sctpMax) ? sctpMax : null };
    status(`large Ping of ${largeLen} bytes echoed intact in ${round(r.rtt)} ms`);
  }
  return {
    session: c.answer.session,
    player_id: c.answer.player_id,
    ...Object.fromEntries(Object.entries(c.timing).map(([k, v]) => [k, round(v)])),
    ice_lite: c.sdpInfo.iceLite,
    dtls_setup: c.sdpInfo.setup,
    max_message_size: c.answer.max_message_size,
    sdp_max_message_size: c.sdpInfo.sdpMaxMessageSize,
    pair: c.pair,
    events: { sent: ev.sent, received: ev.received, rtt_p50_ms: percentile(ev.rtts, 0.5), other_msgs: c.events.other, late: c.events.late },
    state: { sent: st.sent, received: st.received, rtt_p50_ms: percentile(st.rtts, 0.5), other_msgs: c.state.other, late: c.state.late },
    large,
    user_agent: navigator.userAgent,
  };
}

/** After page.reload(): join with the resume token, then a few Pings on both channels. */
export async function resumeConnect(cfg, resume) {
  const t = performance.now();
  const c = await connect(cfg, resume);
  const ev = await c.events.pingBurst(20001, 3, { waitMs: 3000 });
  check(ev.received === 3, `after resume, events got ${ev.received}/3 Pongs`);
  const st = await c.state.pingBurst(21001, 5, { waitMs: 2000 });
  check(st.received >= 1, 'after resume, state got 0/5 Pongs');
  c.events.assertClean();
  c.state.assertClean();
  c.assertNoSignalingErrors();
  status(`resumed as player ${c.answer.player_id}: events ${ev.received}/3, state ${st.received}/5`);
  return { player_id: c.answer.player_id, handshake_ms: round(c.timing.handshake_ms), total_ms: round(performance.now() - t),
    events: `${ev.received}/3`, state: `${st.received}/5` };
}

/** Clean close: leave, then close the WebSocket and the peer connection. */
export async function leave() {
  const c = window.__mgsInterop;
  if (!c) return;
  if (c.ws.readyState === WebSocket.OPEN) {
    c.ws.send(JSON.stringify({ type: 'leave' }));
    await Promise.race([new Promise((r) => c.ws.addEventListener('close', r)), new Promise((r) => setTimeout(r, 1000))]);
    c.ws.close();
  }
  c.pc.close();
  status('left');
}
