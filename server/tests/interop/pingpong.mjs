// Ping/Pong bookkeeping for one data channel, shared by node_client.mjs (node-datachannel) and the
// in-page Chromium scenario (RTCDataChannel). The owner feeds every received message to
// onMessage() and provides send(bytes).
import { check, deferred, withTimeout, sleep } from './checks.mjs';
import { bytesEqual, decodeEnvelope, encodePing, makePayload, MessageType } from './proto.mjs';

export class PingChannel {
  /** send: (Uint8Array) => void; label: channel label; owner: client name for messages. */
  constructor(send, label, owner) {
    this.send = send;
    this.label = label;
    this.owner = owner;
    this.pending = new Map(); // id -> {sentAt, clientTimeMs, payload, d}
    this.errors = [];
    this.other = {}; // non-Pong messages by type name (e.g. snapshots on `state`)
    this.expired = new Set(); // ids given up on by pingBurst
    this.late = 0;
  }

  /** data: ArrayBuffer | Uint8Array/Buffer | string. */
  onMessage(data) {
    if (typeof data === 'string') {
      this.errors.push(`unexpected text message ${JSON.stringify(data.slice(0, 80))}`);
      return;
    }
    let env;
    try {
      env = decodeEnvelope(data);
    } catch (e) {
      this.errors.push(`undecodable message (${data.byteLength ?? data.length} bytes): ${e.message}`);
      return;
    }
    if (env.type !== MessageType.Pong) {
      this.other[env.typeName] = (this.other[env.typeName] ?? 0) + 1;
      return;
    }
    const pong = env.pong;
    const p = this.pending.get(pong?.id);
    if (!p && this.expired.delete(pong?.id)) {
      this.late++;
      return;
    }
    if (!p) {
      this.errors.push(`Pong id ${pong?.id} not expected on ${this.label} (late, duplicate or wrong channel)`);
      return;
    }
    this.pending.delete(pong.id);
    if (pong.clientTimeMs !== p.clientTimeMs) {
      this.errors.push(`Pong ${pong.id}: client_time_ms ${pong.clientTimeMs} != sent ${p.clientTimeMs}`);
    }
    if (!bytesEqual(pong.payload, p.payload)) {
      this.errors.push(`Pong ${pong.id}: payload differs (got ${pong.payload.length} bytes, sent ${p.payload.length})`);
    }
    p.d.resolve({ rtt: performance.now() - p.sentAt, serverTimeMs: pong.serverTimeMs });
  }

  /** Sends one Ping; the promise resolves with {rtt, serverTimeMs} when its Pong arrives. */
  ping(id, payload = new Uint8Array(0)) {
    const clientTimeMs = Date.now() + 0.25; // non-integer: checks the double is echoed exactly
    const d = deferred();
    const bytes = encodePing({ id, clientTimeMs, payload });
    this.pending.set(id, { sentAt: performance.now(), clientTimeMs, payload, d });
    this.send(bytes);
    return d.promise;
  }

  /** Sends n Pings gapMs apart, then waits up to waitMs for the Pongs. Lost ones are forgotten. */
  async pingBurst(firstId, n, { gapMs = 10, waitMs = 3000, payloadLen = 16 } = {}) {
    const waits = [];
    for (let i = 0; i < n; i++) {
      waits.push(this.ping(firstId + i, makePayload(payloadLen, firstId + i)));
      await sleep(gapMs);
    }
    const results = await Promise.all(waits.map((w) => withTimeout(w, waitMs, 'pong').catch(() => null)));
    for (let i = 0; i < n; i++) {
      if (this.pending.delete(firstId + i)) this.expired.add(firstId + i);
    }
    const rtts = results.filter(Boolean).map((r) => r.rtt);
    return { sent: n, received: rtts.length, rtts };
  }

  assertClean() {
    check(this.errors.length === 0, `${this.owner}: channel ${this.label}: ${this.errors.slice(0, 5).join('; ')}`);
  }
}
