// What the start screen says when a join fails, by cause (docs/protocol.md error codes).

import { SignalingError, UnreachableError, WebRtcFailed } from './connection';

/** The start screen's message for a failed join. */
export function describeJoinError(e: unknown): string {
  if (e instanceof SignalingError) {
    switch (e.code) {
      case 'server_full':
        return 'The server is full. Try again in a moment, or press Spectate to watch.';
      case 'too_many_handshakes':
        return 'The server is busy letting other players in. Try again in a few seconds.';
      case 'rate_limited':
        return 'Too many attempts. Wait a second and try again.';
      case 'bad_request':
        return `The server refused the join: ${e.message}`;
      default:
        return `The server refused the join (${e.code}): ${e.message}`;
    }
  }
  if (e instanceof WebRtcFailed) {
    return `WebRTC did not connect and the WebSocket fallback failed too (${e.message}).`;
  }
  if (e instanceof UnreachableError) {
    return `Cannot reach the game server (${e.message}). Check that it is running and try again.`;
  }
  return `Could not connect: ${e instanceof Error ? e.message : String(e)}`;
}
