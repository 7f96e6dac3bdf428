// The connection to the server (docs/protocol.md "Connecting"): JSON signaling over the WebSocket
// /ws, then game data over two WebRTC data channels (`events`: reliable and ordered, opened by the
// client before its offer; `state`: unreliable, opened by the server), or over the same WebSocket
// when the join asks for the "websocket" transport (networks that block UDP, browsers without
// WebRTC, or a WebRTC connection that does not come up).
//
//   connect(webrtc) ──ok──────────────────────────────────────────> Link (two data channels)
//        │ WebRtcFailed (no WebRTC, ICE/DTLS never up)
//        └──> connect(websocket, resume = the token of the failed join) ──> Link (the WebSocket)
//   SignalingError (server_full, bad_request, ...) is final: the player is told why.
//
// Handlers are registered before anything is created, so nothing that arrives early (the Welcome
// on `events` as it opens, a snapshot on `state` before that) is lost.

import type { TeamChoice } from './start_form';

export type TransportKind = 'webrtc' | 'websocket';
export type Channel = 'events' | 'state';

export interface JoinOptions {
  readonly name: string;
  readonly team: TeamChoice;
  readonly spectate: boolean;
  /** A session token to resume, or null for a new player. */
  readonly resume: string | null;
}

/** The server refused the join: `code` as in docs/protocol.md ("server_full", "resume_failed", ...). */
export class SignalingError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SignalingError';
  }
}

/** The server could not be reached (no WebSocket, or it closed before answering). */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

/** WebRTC did not come up; `session` is the token of the answer, if one came (to resume). */
export class WebRtcFailed extends Error {
  override name = 'WebRtcFailed';
  constructor(
    message: string,
    readonly session: string | null,
  ) {
    super(message);
  }
}

export interface LinkHandlers {
  /** One binary game message (an Envelope), from either channel. */
  onMessage(bytes: Uint8Array, channel: Channel): void;
  /** The game data path is gone (after the link was established). Called once. */
  onClosed(reason: string, takenOver: boolean): void;
  /** Progress for the start screen and the console. */
  onStatus?(text: string): void;
}

/** An established connection. */
export interface Link {
  readonly transport: TransportKind;
  readonly session: string;
  /** World slot of the player; meaningless for a spectator (the Welcome says 0xFFFFFFFF). */
  readonly playerId: number;
  readonly resumed: boolean;
  /** Sends one game message; false if the channel is not open (the message is dropped). */
  send(channel: Channel, bytes: Uint8Array): boolean;
  /** Ends the connection; with `leave` the player leaves the world at once (else: resume grace). */
  close(leave: boolean): void;
}

export interface ConnectTimeouts {
  readonly socketOpenMs: number;
  readonly answerMs: number;
  readonly iceGatheringMs: number;
  readonly channelsMs: number;
}

export const DEFAULT_TIMEOUTS: ConnectTimeouts = {
  socketOpenMs: 5000,
  answerMs: 10000,
  iceGatheringMs: 2500,
  channelsMs: 10000,
};

/** ws:// or wss:// URL of /ws on the page's own host. */
export function signalingUrl(loc: Location): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/ws`;
}

function openSocket(url: string, timeoutMs: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    let ws: WebSocket;
    try {
      ws = new WebSocket(url);
    } catch (e) {
      reject(new UnreachableError(`cannot open ${url}: ${String(e)}`));
      return;
    }
    ws.binaryType = 'arraybuffer';
    const timer = setTimeout(() => {
      ws.close();
      reject(new UnreachableError(`no answer from ${url}`));
    }, timeoutMs);
    ws.onopen = () => {
      clearTimeout(timer);
      resolve(ws);
    };
    ws.onerror = () => {
      clearTimeout(timer);
      reject(new UnreachableError(`cannot reach the server at ${url}`));
    };
  });
}

type SignalingReply = Record<string, unknown> & { type: string };

/** Waits for the next JSON reply on `ws`; error replies reject with SignalingError. */
function nextReply(
  ws: WebSocket,
  timeoutMs: number,
  onBinary: (b: Uint8Array) => void,
): Promise<SignalingReply> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new UnreachableError('the server did not answer the join in time'));
    }, timeoutMs);
    ws.onclose = (e) => {
      clearTimeout(timer);
      reject(new UnreachableError(`the server closed the connection (${e.code} ${e.reason})`));
    };
    ws.onmessage = (e: MessageEvent) => {
      if (e.data instanceof ArrayBuffer) {
        onBinary(new Uint8Array(e.data));
        return;
      }
      let reply: unknown;
      try {
        reply = JSON.parse(String(e.data));
      } catch {
        return; // not ours to understand; keep waiting
      }
      if (
        typeof reply !== 'object' ||
        reply === null ||
        typeof (reply as { type?: unknown }).type !== 'string'
      ) {
        return;
      }
      clearTimeout(timer);
      const r = reply as SignalingReply;
      if (r.type === 'error') {
        const code = typeof r.code === 'string' ? r.code : 'internal';
        reject(new SignalingError(code, typeof r.message === 'string' ? r.message : code));
      } else {
        resolve(r);
      }
    };
  });
}

function joinMessage(join: JoinOptions, transport: TransportKind, offer: string | null): string {
  const m: Record<string, unknown> = { type: 'join', name: join.name, team: join.team, transport };
  if (join.spectate) {
    m.spectate = true;
  }
  if (join.resume !== null) {
    m.resume = join.resume;
  }
  if (offer !== null) {
    m.offer = offer;
  }
  return JSON.stringify(m);
}

function asBytes(data: unknown): Uint8Array | null {
  if (data instanceof ArrayBuffer) {
    return new Uint8Array(data);
  }
  if (ArrayBuffer.isView(data)) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  return null; // a text message: never sent by the server on these channels
}

/** Whether this browser has WebRTC data channels. */
export function hasWebRtc(): boolean {
  return typeof RTCPeerConnection !== 'undefined';
}

/**
 * Joins over WebRTC. Rejects with SignalingError when the server refuses, UnreachableError when
 * the signaling socket does not work, WebRtcFailed when the peer connection does not come up.
 */
export async function connectWebRtc(
  url: string,
  join: JoinOptions,
  handlers: LinkHandlers,
  t: ConnectTimeouts = DEFAULT_TIMEOUTS,
): Promise<Link> {
  if (!hasWebRtc()) {
    throw new WebRtcFailed('this browser has no WebRTC', null);
  }
  const ws = await openSocket(url, t.socketOpenMs);
  let pc: RTCPeerConnection;
  try {
    pc = new RTCPeerConnection({ iceServers: [] });
  } catch (e) {
    ws.close();
    throw new WebRtcFailed(`RTCPeerConnection: ${String(e)}`, null);
  }
  let closed = false;
  let established = false;
  let takenOver = false;
  let session: string | null = null;
  const channels: Partial<Record<Channel, RTCDataChannel>> = {};
  let failUp: ((e: Error) => void) | null = null;
  let upCheck: (() => void) | null = null;

  const finish = (reason: string): void => {
    if (closed) {
      return;
    }
    closed = true;
    for (const dc of Object.values(channels)) {
      dc.onmessage = null;
      dc.onclose = null;
    }
    pc.onconnectionstatechange = null;
    pc.ondatachannel = null;
    try {
      pc.close();
    } catch {
      // already closed
    }
    if (established) {
      handlers.onClosed(reason, takenOver);
    }
  };
  const wire = (dc: RTCDataChannel, label: Channel): void => {
    dc.binaryType = 'arraybuffer';
    channels[label] = dc;
    dc.onmessage = (e: MessageEvent) => {
      const bytes = asBytes(e.data);
      if (bytes !== null) {
        handlers.onMessage(bytes, label);
      }
    };
    dc.onopen = () => upCheck?.();
    dc.onclose = () => {
      if (established) {
        finish(`the ${label} channel closed`);
      } else {
        failUp?.(new WebRtcFailed(`the ${label} channel closed while connecting`, session));
      }
    };
  };
  // Every handler before the channels exist.
  pc.ondatachannel = (e) => {
    if (e.channel.label === 'state') {
      wire(e.channel, 'state');
      upCheck?.();
    }
  };
  pc.onconnectionstatechange = () => {
    handlers.onStatus?.(`WebRTC ${pc.connectionState}`);
    if (pc.connectionState === 'failed' || pc.connectionState === 'closed') {
      if (established) {
        finish(`WebRTC connection ${pc.connectionState}`);
      } else {
        failUp?.(new WebRtcFailed(`WebRTC connection ${pc.connectionState}`, session));
      }
    }
  };
  wire(pc.createDataChannel('events', { ordered: true }), 'events');

  try {
    handlers.onStatus?.('Gathering network candidates');
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') {
        resolve();
        return;
      }
      // Non-trickle: the offer goes out with the candidates gathered so far; the server (ICE-lite)
      // learns the client's addresses from its checks anyway.
      const timer = setTimeout(resolve, t.iceGatheringMs);
      pc.addEventListener('icegatheringstatechange', () => {
        if (pc.iceGatheringState === 'complete') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const sdp = pc.localDescription?.sdp;
    if (sdp === undefined) {
      throw new WebRtcFailed('no local description', null);
    }
    handlers.onStatus?.('Joining');
    ws.send(joinMessage(join, 'webrtc', sdp));
    const reply = await nextReply(ws, t.answerMs, () => undefined);
    if (reply.type !== 'answer' || typeof reply.sdp !== 'string' || typeof reply.session !== 'string') {
      throw new UnreachableError(`unexpected signaling reply "${reply.type}"`);
    }
    session = reply.session;
    const playerId = typeof reply.player_id === 'number' ? reply.player_id : 0;
    const resumed = reply.resumed === true;
    handlers.onStatus?.('Connecting (WebRTC)');
    try {
      await pc.setRemoteDescription({ type: 'answer', sdp: reply.sdp });
    } catch (e) {
      throw new WebRtcFailed(`the answer was refused: ${String(e)}`, session);
    }
    // The signaling socket stays open for `leave`; its closing with 4000 means another tab resumed.
    ws.onmessage = null;
    ws.onclose = (e) => {
      if (e.code === 4000) {
        takenOver = true;
        finish('resumed in another tab');
      }
    };
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new WebRtcFailed(`the data channels did not open (ICE ${pc.iceConnectionState})`, session));
      }, t.channelsMs);
      failUp = (e) => {
        clearTimeout(timer);
        reject(e);
      };
      upCheck = () => {
        if (channels.events?.readyState === 'open' && channels.state?.readyState === 'open') {
          clearTimeout(timer);
          resolve();
        }
      };
      upCheck();
    });
    established = true;
    failUp = null;
    const token = session;
    return {
      transport: 'webrtc',
      session: token,
      playerId,
      resumed,
      send(channel, bytes) {
        const dc = channels[channel];
        if (closed || dc?.readyState !== 'open') {
          return false;
        }
        try {
          dc.send(bytes as Uint8Array<ArrayBuffer>);
          return true;
        } catch {
          return false;
        }
      },
      close(leave) {
        if (leave && ws.readyState === WebSocket.OPEN) {
          ws.send(JSON.stringify({ type: 'leave' }));
        }
        established = false; // a close we asked for is not reported
        finish('closed');
        ws.close();
      },
    };
  } catch (e) {
    finish('join failed');
    ws.onclose = null;
    ws.close();
    if (e instanceof WebRtcFailed || e instanceof SignalingError || e instanceof UnreachableError) {
      throw e;
    }
    throw new WebRtcFailed(String(e), session);
  }
}

/** Joins with the WebSocket transport: every game message is a binary frame on /ws. */
export async function connectWebSocket(
  url: string,
  join: JoinOptions,
  handlers: LinkHandlers,
  t = DEFAULT_TIMEOUTS,
): Promise<Link> {
  const ws = await openSocket(url, t.socketOpenMs);
  handlers.onStatus?.('Joining (WebSocket transport)');
  ws.send(joinMessage(join, 'websocket', null));
  // Binary frames may follow the JSON welcome at once: they are delivered from the start.
  const deliver = (b: Uint8Array): void => {
    handlers.onMessage(b, 'events');
  };
  let reply: SignalingReply;
  try {
    reply = await nextReply(ws, t.answerMs, deliver);
  } catch (e) {
    ws.onclose = null;
    ws.close();
    throw e;
  }
  if (reply.type !== 'welcome' || typeof reply.session !== 'string') {
    ws.close();
    throw new UnreachableError(`unexpected signaling reply "${reply.type}"`);
  }
  let closed = false;
  ws.onmessage = (e: MessageEvent) => {
    const bytes = asBytes(e.data);
    if (bytes !== null) {
      deliver(bytes);
    }
  };
  ws.onclose = (e) => {
    if (!closed) {
      closed = true;
      handlers.onClosed(`the WebSocket closed (${e.code}${e.reason ? ` ${e.reason}` : ''})`, e.code === 4000);
    }
  };
  return {
    transport: 'websocket',
    session: reply.session,
    playerId: typeof reply.player_id === 'number' ? reply.player_id : 0,
    resumed: reply.resumed === true,
    send(_channel, bytes) {
      if (closed || ws.readyState !== WebSocket.OPEN) {
        return false;
      }
      ws.send(bytes);
      return true;
    },
    close(leave) {
      closed = true;
      if (leave && ws.readyState === WebSocket.OPEN) {
        ws.send(JSON.stringify({ type: 'leave' }));
      }
      ws.close();
    },
  };
}

export interface ConnectResult {
  readonly link: Link;
  /** Why WebRTC was not used, when the link fell back to the WebSocket transport. */
  readonly fallbackReason: string | null;
}

/**
 * WebRTC first (unless `forceWebSocket`), the WebSocket transport when WebRTC does not come up.
 * A fallback after an answer resumes the session the answer created, so no second player is made.
 */
export async function connect(
  url: string,
  join: JoinOptions,
  handlers: LinkHandlers,
  forceWebSocket: boolean,
  t: ConnectTimeouts = DEFAULT_TIMEOUTS,
): Promise<ConnectResult> {
  if (forceWebSocket) {
    return {
      link: await connectWebSocket(url, join, handlers, t),
      fallbackReason: 'WebSocket transport chosen',
    };
  }
  try {
    return { link: await connectWebRtc(url, join, handlers, t), fallbackReason: null };
  } catch (e) {
    // bad_offer: the server cannot use this browser's SDP; the WebSocket transport needs none.
    const badOffer = e instanceof SignalingError && e.code === 'bad_offer';
    if (!(e instanceof WebRtcFailed) && !badOffer) {
      throw e;
    }
    handlers.onStatus?.(`WebRTC failed (${e.message}); using the WebSocket transport`);
    const resume = (e instanceof WebRtcFailed ? e.session : null) ?? join.resume;
    const link = await connectWebSocket(url, { ...join, resume }, handlers, t);
    return { link, fallbackReason: e.message };
  }
}
