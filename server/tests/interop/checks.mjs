// Environment-neutral helpers shared by the Node clients and the in-page Chromium scenario
// (served to the page by chromium_client.mjs): failures, timeouts, statistics, answer checks.

export class TestFailure extends Error {}

export function check(cond, msg) {
  if (!cond) throw new TestFailure(msg);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves with p's value, or rejects with TestFailure("timed out ...: what") after ms. */
export function withTimeout(p, ms, what) {
  let timer;
  return Promise.race([
    p,
    new Promise((_, rej) => {
      timer = setTimeout(() => rej(new TestFailure(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** A promise with its resolve/reject exposed (rejections never count as unhandled). */
export function deferred() {
  let resolve, reject;
  const promise = new Promise((a, b) => { resolve = a; reject = b; });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

export function percentile(xs, q) {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return Math.round(s[i] * 1000) / 1000;
}

export const round = (x, d = 1) => (x == null ? null : Math.round(x * 10 ** d) / 10 ** d);

/**
 * Checks the signaling server's reply to a join; returns facts about the answer SDP.
 * udpPort: the --udp-port the server was given (its single host candidate must use it).
 */
/** Extra words for an error the server sent, where they help. */
export function errorHint(code) {
  return code === 'rate_limited'
    ? ' (all test clients share 127.0.0.1; see server.signaling_burst / server.signaling_rate_per_s)'
    : '';
}

export function checkAnswer(msg, { udpPort, expectIceLite, resumed }) {
  check(msg && typeof msg === 'object', 'answer is not an object');
  if (msg.type === 'error') throw new TestFailure(`server answered join with error ${msg.code}: ${msg.message}${errorHint(msg.code)}`);
  check(msg.type === 'answer', `expected {"type":"answer"}, got ${JSON.stringify(msg).slice(0, 200)}`);
  check(typeof msg.sdp === 'string' && msg.sdp.startsWith('v=0'), 'answer.sdp missing or not an SDP');
  check(typeof msg.session === 'string' && msg.session.length > 0, 'answer.session missing');
  check(Number.isInteger(msg.player_id), `answer.player_id not an integer: ${msg.player_id}`);
  check(msg.resumed === resumed, `answer.resumed is ${msg.resumed}, expected ${resumed}`);
  check(Number.isInteger(msg.max_message_size) && msg.max_message_size > 0,
    `answer.max_message_size invalid: ${msg.max_message_size}`);
  const sdp = msg.sdp;
  const iceLite = /^a=ice-lite\s*$/m.test(sdp);
  if (expectIceLite) check(iceLite, 'answer SDP has no a=ice-lite');
  const candRe = new RegExp(`^a=candidate:\\S+ 1 udp \\d+ 127\\.0\\.0\\.1 ${udpPort} typ host`, 'mi');
  check(candRe.test(sdp), `answer SDP has no host candidate 127.0.0.1 ${udpPort}:\n${sdp}`);
  check(/^m=application \d+ UDP\/DTLS\/SCTP webrtc-datachannel/m.test(sdp),
    'answer SDP has no "m=application ... UDP/DTLS/SCTP webrtc-datachannel" line');
  check(/^a=fingerprint:sha-256 /m.test(sdp), 'answer SDP has no sha-256 fingerprint');
  check(/^a=ice-ufrag:\S+/m.test(sdp) && /^a=ice-pwd:\S+/m.test(sdp), 'answer SDP lacks ice-ufrag/ice-pwd');
  const setup = sdp.match(/^a=setup:(\S+)/m)?.[1];
  check(setup === 'active' || setup === 'passive', `answer SDP a=setup:${setup} (must be active or passive)`);
  const mms = Number(sdp.match(/^a=max-message-size:(\d+)/m)?.[1] ?? NaN);
  return { iceLite, setup, sdpMaxMessageSize: Number.isFinite(mms) ? mms : null };
}
