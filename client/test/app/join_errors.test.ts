import { describe, expect, it } from 'vitest';

import { SignalingError, UnreachableError, WebRtcFailed } from '../../src/app/connection';
import { describeJoinError } from '../../src/app/join_errors';

describe('describeJoinError', () => {
  it('says when the server is full', () => {
    expect(describeJoinError(new SignalingError('server_full', 'the server is full (8 players)'))).toMatch(
      /server is full/i,
    );
  });

  it('says when the server cannot be reached', () => {
    expect(describeJoinError(new UnreachableError('cannot reach the server at ws://h/ws'))).toMatch(
      /cannot reach the game server/i,
    );
  });

  it('passes the server reason of a refused join through', () => {
    expect(describeJoinError(new SignalingError('bad_request', 'name is empty'))).toContain('name is empty');
    expect(describeJoinError(new SignalingError('internal', 'boom'))).toContain('internal');
  });

  it('covers a failed fallback and anything else', () => {
    expect(describeJoinError(new WebRtcFailed('ICE failed', null))).toMatch(/WebRTC/);
    expect(describeJoinError('weird')).toContain('weird');
  });
});
