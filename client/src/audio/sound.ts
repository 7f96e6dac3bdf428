// Sound effects synthesised with Web Audio (no audio files: the page works offline and stays
// small). One AudioContext, created on the first user gesture (browsers refuse to start one
// before). Sounds are placed by distance from the listener: quieter and panned to their side.

export type SoundName =
  | 'pistol'
  | 'shotgun'
  | 'rifle'
  | 'sniper'
  | 'melee'
  | 'hit'
  | 'hurt'
  | 'death'
  | 'impact'
  | 'wall-break'
  | 'pickup'
  | 'flag'
  | 'capture'
  | 'ui';

/** Sounds farther than this from the listener (wu) are not played. */
const HEARING_WU = 1400;
/** At most this many sounds start per frame (a fire fight of 50 bots stays audible). */
const MAX_PER_FRAME = 8;

export class Sound {
  private ctx: AudioContext | null = null;
  private master: GainNode | null = null;
  private noise: AudioBuffer | null = null;
  private enabled = true;
  private volume = 0.6;
  private startedThisFrame = 0;
  private listenerX = 0;
  private listenerY = 0;

  /** Creates the AudioContext; call from a user gesture (the Play button). */
  unlock(): void {
    if (this.ctx !== null) {
      void this.ctx.resume();
      return;
    }
    const Ctor = window.AudioContext as typeof AudioContext | undefined;
    if (Ctor === undefined) {
      return;
    }
    try {
      this.ctx = new Ctor();
    } catch {
      return;
    }
    this.master = this.ctx.createGain();
    this.master.connect(this.ctx.destination);
    this.applyVolume();
    const n = this.ctx.sampleRate; // one second of white noise, reused by every noisy sound
    this.noise = this.ctx.createBuffer(1, n, n);
    const data = this.noise.getChannelData(0);
    for (let i = 0; i < n; ++i) {
      data[i] = Math.random() * 2 - 1;
    }
  }

  configure(enabled: boolean, volume: number): void {
    this.enabled = enabled;
    this.volume = volume;
    this.applyVolume();
  }

  private applyVolume(): void {
    if (this.master !== null) {
      this.master.gain.value = this.enabled ? this.volume * 0.5 : 0;
    }
  }

  /** Where the ear is (the camera centre), once per frame. */
  setListener(x: number, y: number): void {
    this.listenerX = x;
    this.listenerY = y;
    this.startedThisFrame = 0;
  }

  /** Plays `name` at world position (x, y), or at the listener when x is undefined. */
  play(name: SoundName, x?: number, y?: number): void {
    const ctx = this.ctx;
    const master = this.master;
    if (ctx === null || master === null || !this.enabled || this.volume <= 0 || ctx.state !== 'running') {
      return;
    }
    if (this.startedThisFrame >= MAX_PER_FRAME) {
      return;
    }
    let gain = 1;
    let pan = 0;
    if (x !== undefined && y !== undefined) {
      const dx = x - this.listenerX;
      const d = Math.hypot(dx, y - this.listenerY);
      if (d > HEARING_WU) {
        return;
      }
      gain = 1 - d / HEARING_WU;
      gain *= gain;
      pan = Math.max(-1, Math.min(1, dx / 600));
    }
    this.startedThisFrame += 1;
    const out = ctx.createGain();
    out.gain.value = gain;
    const panner = ctx.createStereoPanner();
    panner.pan.value = pan;
    out.connect(panner).connect(master);
    const t = ctx.currentTime;
    switch (name) {
      case 'pistol':
        this.burst(out, t, 0.09, 2200, 0.5);
        this.tone(out, t, 'square', 420, 120, 0.06, 0.15);
        break;
      case 'shotgun':
        this.burst(out, t, 0.22, 900, 0.8);
        this.tone(out, t, 'sawtooth', 140, 50, 0.15, 0.3);
        break;
      case 'rifle':
        this.burst(out, t, 0.05, 3000, 0.35);
        break;
      case 'sniper':
        this.burst(out, t, 0.35, 1500, 0.7);
        this.tone(out, t, 'triangle', 900, 80, 0.3, 0.35);
        break;
      case 'melee':
        this.burst(out, t, 0.12, 5000, 0.25, true);
        break;
      case 'hit':
        this.tone(out, t, 'square', 1400, 1100, 0.05, 0.2);
        break;
      case 'hurt':
        this.tone(out, t, 'sawtooth', 220, 110, 0.12, 0.3);
        break;
      case 'death':
        this.tone(out, t, 'sawtooth', 300, 40, 0.5, 0.35);
        this.burst(out, t, 0.3, 600, 0.4);
        break;
      case 'impact':
        this.burst(out, t, 0.04, 4000, 0.15);
        break;
      case 'wall-break':
        this.burst(out, t, 0.6, 400, 0.9);
        break;
      case 'pickup':
        this.tone(out, t, 'sine', 660, 990, 0.12, 0.3);
        this.tone(out, t + 0.08, 'sine', 990, 1320, 0.12, 0.25);
        break;
      case 'flag':
        this.tone(out, t, 'triangle', 520, 780, 0.25, 0.35);
        break;
      case 'capture':
        this.tone(out, t, 'triangle', 523, 523, 0.15, 0.35);
        this.tone(out, t + 0.15, 'triangle', 659, 659, 0.15, 0.35);
        this.tone(out, t + 0.3, 'triangle', 784, 784, 0.3, 0.35);
        break;
      case 'ui':
        this.tone(out, t, 'sine', 880, 880, 0.05, 0.15);
        break;
    }
  }

  private tone(
    out: AudioNode,
    t: number,
    type: OscillatorType,
    f0: number,
    f1: number,
    dur: number,
    level: number,
  ): void {
    const ctx = this.ctx;
    if (ctx === null) {
      return;
    }
    const osc = ctx.createOscillator();
    osc.type = type;
    osc.frequency.setValueAtTime(f0, t);
    osc.frequency.exponentialRampToValueAtTime(Math.max(20, f1), t + dur);
    const env = ctx.createGain();
    env.gain.setValueAtTime(level, t);
    env.gain.exponentialRampToValueAtTime(0.001, t + dur);
    osc.connect(env).connect(out);
    osc.start(t);
    osc.stop(t + dur + 0.02);
  }

  private burst(
    out: AudioNode,
    t: number,
    dur: number,
    cutoff: number,
    level: number,
    highpass = false,
  ): void {
    const ctx = this.ctx;
    if (ctx === null || this.noise === null) {
      return;
    }
    const src = ctx.createBufferSource();
    src.buffer = this.noise;
    const filter = ctx.createBiquadFilter();
    filter.type = highpass ? 'highpass' : 'lowpass';
    filter.frequency.value = cutoff;
    const env = ctx.createGain();
    env.gain.setValueAtTime(level, t);
    env.gain.exponentialRampToValueAtTime(0.001, t + dur);
    src.connect(filter).connect(env).connect(out);
    src.start(t, Math.random() * 0.5);
    src.stop(t + dur + 0.02);
  }
}
