// The browser client: start screen -> connection -> game loop, and everything in between.
//
//   StartScreen ──Play/Spectate──> connect() ──> Link ──bytes──> onMessage ──> World, SnapshotReceiver,
//        ^                           │ (webrtc, or the websocket              Sim (interpolation,
//        │                           │  transport as a fallback)              prediction, inputs)
//        └── server_full, unreachable, left, taken over                        │
//                                                                               v
//   requestAnimationFrame: inputs at tick_hz, Ping each second, camera, GameRenderer.frame, HUD
//
// The connection state machine lives here; the transports are in connection.ts, the rendering in
// src/render, the DOM overlay in src/ui, own-player prediction and interpolation behind
// sim_adapter.ts.

import { Sound, type SoundName } from '../audio/sound';
import { PlayerField, PlayerStatus, EntityKind, WallField, ProjectileField } from '../net/fields';
import {
  SPECTATE_POINT,
  chatBytes,
  encodeChatSend,
  encodePing,
  encodeScoreboardRequest,
  encodeSpectateControl,
  readEnvelope,
} from '../net/messages';
import { type SnapshotEffect, SnapshotReceiver } from '../net/snapshots';
import { EffectType, GlobalEventType, Message } from '../proto/game_generated';
import { GameRenderer, aimFinder } from '../render/renderer';
import { ChatView } from '../ui/chat_view';
import { el, show } from '../ui/dom';
import { FeedView } from '../ui/feed_view';
import { Hud, type VitalsModel } from '../ui/hud';
import { MenuView } from '../ui/menu_view';
import { Minimap, type MinimapDot } from '../ui/minimap';
import { ResultsView, ScoreboardView } from '../ui/scoreboard_view';
import { type StartChoice, StartScreen } from '../ui/start_screen';
import { type Channel, type Link, SignalingError, connect, signalingUrl } from './connection';
import { describeJoinError } from './join_errors';
import { Controls, type Hotkey } from './controls';
import { type DebugState, installDebugHook } from './debug';
import { NO_PLAYER } from './feed';
import { FrameStats } from './frame_stats';
import { type GameMap, fetchMap } from './map_data';
import { NetStats } from './net_stats';
import { OwnTracker, ServerClock, ownHud, readOwnState } from './own_state';
import { browserSessionStorage, clearSession, loadSession, saveSession } from './session_store';
import { type Settings, browserLocalStorage, loadSettings, saveSettings } from './settings';
import { type RenderEntity, Sim } from './sim_adapter';
import { World, timeLeftMs } from './world';

type Phase = 'start' | 'connecting' | 'playing' | 'reconnecting';

const PING_INTERVAL_MS = 1000;
const SCOREBOARD_REFRESH_MS = 1500;
const RECONNECT_TRIES = 6;
/** FlagEventType.Captured (the generated barrel file does not export FlagEventType). */
const FLAG_CAPTURED = 3;
const WEAPON_SOUNDS: readonly SoundName[] = ['pistol', 'shotgun', 'rifle', 'sniper'];
const SPECTATOR_CHAT_HINT = 'Chat is for players: spectators can read it but not write.';

export class App {
  private phase: Phase = 'start';
  private link: Link | null = null;
  private transportNote: string | null = null;
  /** WebRTC failed earlier in this session: reconnect with the WebSocket transport at once. */
  private preferWebSocket = false;
  private choice: StartChoice | null = null;
  private error: string | null = null;
  private readonly world = new World();
  private receiver = new SnapshotReceiver();
  private snapshotsReceived = 0;
  /** Decoded snapshots (players only) that did not hold the own player. */
  private snapshotsWithoutOwn = 0;
  /** The resync in progress was reported on the console. */
  private resyncReported = false;
  private sim: Sim | null = null;
  private map: GameMap | null = null;
  private mapSeed: bigint | null = null;
  private mapLoading = false;
  private renderer: GameRenderer | null = null;
  private readonly net = new NetStats();
  private readonly own = new OwnTracker();
  private readonly serverClock = new ServerClock();
  private readonly controls = new Controls();
  private readonly sound = new Sound();
  private settings: Settings;
  private entities: readonly RenderEntity[] = [];
  private renderTick = 0;
  private ownEntity: readonly number[] | null = null;
  private seenProjectiles = new Set<number>();
  // loop
  private lastFrameMs = 0;
  private inputAccS = 0;
  private lastAim = 0;
  private lastPingMs = 0;
  private pingId = 0;
  private fps = 60;
  /** Time spent in a frame by this code and Pixi's render call (ms, smoothed). */
  private frameMs = 0;
  /** The same per frame, over the last frames (mean, p99). */
  private readonly frameStats = new FrameStats();
  /** performance.now() of the first decoded snapshot since the page loaded (load timing). */
  private firstSnapshotAtMs: number | null = null;
  private lastMinimapMs = 0;
  private lastScoreboardMs = 0;
  private lastPhase = -1;
  // spectator camera
  private follow = SPECTATE_POINT;
  private freeCam = { x: 0, y: 0 };
  private camera = { x: 0, y: 0 };
  // views
  private readonly host: HTMLElement;
  private readonly start: StartScreen;
  private readonly hud = new Hud();
  private readonly feedView = new FeedView();
  private readonly chatView = new ChatView();
  private readonly scoreboardView = new ScoreboardView();
  private readonly resultsView = new ResultsView();
  private readonly menu: MenuView;
  private readonly minimap = new Minimap();
  private readonly overlay: HTMLElement;

  constructor(private readonly root: HTMLElement) {
    this.settings = loadSettings(browserLocalStorage());
    this.host = el('div', 'absolute inset-0');
    this.host.id = 'game';
    // The overlay lets the mouse through to the game view; its few controls opt back in.
    this.overlay = el('div', 'pointer-events-none absolute inset-0');
    this.overlay.append(
      this.hud.root,
      this.feedView.root,
      this.chatView.root,
      this.minimap.root,
      this.scoreboardView.root,
      this.resultsView.root,
    );
    show(this.overlay, false);
    this.start = new StartScreen();
    this.menu = new MenuView(this.settings);
    root.append(this.host, this.overlay, this.menu.root, this.start.root);
    this.applySettings(this.settings);
    this.wireUi();
  }

  /** Creates the renderer, installs the debug hook, and shows the start screen or resumes. */
  async run(): Promise<void> {
    installDebugHook(() => this.debugState());
    this.controls.attach(window, this.host);
    this.controls.onHotkey = (k) => {
      this.hotkey(k);
    };
    // Browsers start audio only from a user gesture: the first one after a reload's auto-resume.
    for (const type of ['pointerdown', 'keydown'] as const) {
      window.addEventListener(
        type,
        () => {
          this.sound.unlock();
        },
        { once: true },
      );
    }
    document.addEventListener('visibilitychange', () => {
      if (document.hidden) {
        this.sendNeutralInput();
      }
    });
    window.addEventListener('pagehide', () => {
      // A reload or a closed tab: the player stays for the resume grace (no leave).
      this.link?.close(false);
    });
    try {
      this.renderer = await GameRenderer.create(this.host, this.settings.quality);
      this.renderer.shakeEnabled = this.settings.screenShake;
    } catch (e) {
      this.error = `graphics: ${String(e)}`;
      this.start.setMessage('This browser cannot draw the game (no WebGL or canvas). Try another browser.');
    }
    requestAnimationFrame((t) => {
      this.frame(t);
    });
    void this.loadMap(0n); // drawn behind the start screen
    const saved = loadSession(browserSessionStorage());
    if (saved !== null) {
      // A reload during a game: rejoin as the same player (docs/protocol.md "Resume").
      this.start.setVisible(true);
      this.preferWebSocket = saved.websocket;
      void this.join({ name: saved.name, team: saved.team, spectate: saved.spectate }, saved.token);
    } else {
      this.start.setVisible(true);
    }
  }

  private wireUi(): void {
    this.start.onSubmit = (c) => {
      this.sound.unlock();
      void this.join(c, null);
    };
    this.menu.onChange = (s) => {
      this.applySettings(s);
      saveSettings(browserLocalStorage(), s);
    };
    this.menu.onResume = () => {
      this.setMenu(false);
    };
    this.menu.onLeave = () => {
      this.leave();
    };
    this.chatView.onSend = (text, teamOnly) => this.sendChat(text, teamOnly);
    this.chatView.onClose = () => {
      this.controls.enabled = !this.menu.visible;
    };
    this.world.onFeed = (_entry, type, a) => {
      if (type === (GlobalEventType.Flag as number) && a !== NO_PLAYER) {
        this.sound.play('flag');
      }
    };
  }

  private applySettings(s: Settings): void {
    this.settings = s;
    this.sound.configure(s.sound, s.volume);
    if (this.renderer !== null) {
      this.renderer.shakeEnabled = s.screenShake;
      this.renderer.setQuality(s.quality);
    }
  }

  // --- connection --------------------------------------------------------------------------

  /** Joins from the start screen (or a reload's resume); a failure is shown on the start screen. */
  private async join(choice: StartChoice, resume: string | null): Promise<void> {
    if (this.phase === 'connecting' || this.phase === 'playing') {
      return;
    }
    this.start.setBusy(true);
    this.start.setMessage('');
    this.start.setStatus('Connecting…');
    const error = await this.tryJoin(choice, resume);
    if (error !== null) {
      this.showStart(describeJoinError(error));
    }
  }

  /** One join attempt; returns null on success, else the error (the start screen is untouched). */
  private async tryJoin(choice: StartChoice, resume: string | null): Promise<unknown> {
    this.phase = 'connecting';
    this.choice = choice;
    const asked = new URLSearchParams(location.search).get('transport') === 'websocket';
    const forceWs = asked || (resume !== null && this.preferWebSocket);
    try {
      const result = await connect(
        signalingUrl(location),
        { name: choice.name, team: choice.team, spectate: choice.spectate, resume },
        {
          onMessage: (bytes) => {
            this.onMessage(bytes);
          },
          onClosed: (reason, takenOver) => {
            this.onLinkClosed(reason, takenOver);
          },
          onStatus: (text) => {
            this.start.setStatus(text);
          },
        },
        forceWs,
      );
      this.link = result.link;
      this.transportNote = result.fallbackReason;
      this.error = null;
      this.preferWebSocket = result.link.transport === 'websocket';
      if (forceWs && !asked) {
        this.transportNote = 'WebRTC failed earlier in this session';
      }
      saveSession(browserSessionStorage(), {
        token: result.link.session,
        ...choice,
        websocket: this.preferWebSocket && !asked,
      });
      this.phase = 'playing';
      this.start.setVisible(false);
      show(this.overlay, true);
      const fellBack = result.fallbackReason !== null && !forceWs;
      if (asked) {
        this.transportNote = null; // chosen, not a fallback
      }
      this.hud.setBanner(
        fellBack ? 'WebRTC did not connect: game data goes over the WebSocket (TCP).' : null,
      );
      if (fellBack) {
        setTimeout(() => {
          this.hud.setBanner(null);
        }, 6000);
      }
      this.controls.reset();
      this.controls.enabled = !this.menu.visible;
      return null;
    } catch (e) {
      this.phase = 'start';
      if (e instanceof SignalingError && e.code === 'resume_failed' && resume !== null) {
        // The session expired (or the server restarted): join as a new player.
        clearSession(browserSessionStorage());
        return this.tryJoin(choice, null);
      }
      this.error = e instanceof Error ? e.message : String(e);
      return e;
    }
  }

  private showStart(message: string): void {
    this.phase = 'start';
    show(this.overlay, false);
    this.setMenu(false);
    this.start.setVisible(true);
    this.start.setMessage(message);
    this.start.setStatus('');
  }

  private resetConnectionState(): void {
    this.receiver = new SnapshotReceiver();
    this.net.resetSnapshots();
    this.seenProjectiles.clear();
  }

  private onLinkClosed(reason: string, takenOver: boolean): void {
    this.link = null;
    if (this.phase !== 'playing') {
      return;
    }
    this.error = reason;
    if (takenOver) {
      clearSession(browserSessionStorage());
      this.showStart('This game continued in another tab or window.');
      return;
    }
    void this.reconnect(reason);
  }

  private async reconnect(reason: string): Promise<void> {
    this.phase = 'reconnecting';
    const saved = loadSession(browserSessionStorage());
    const choice = this.choice;
    if (saved === null || choice === null) {
      this.showStart(`Connection lost (${reason}).`);
      return;
    }
    let last: unknown = null;
    for (let attempt = 1; attempt <= RECONNECT_TRIES; ++attempt) {
      this.hud.setBanner(`Connection lost — reconnecting (${attempt}/${RECONNECT_TRIES})…`);
      await new Promise((r) => setTimeout(r, Math.min(4000, 500 * 2 ** (attempt - 1))));
      if (!this.isReconnecting()) {
        return; // the player left meanwhile
      }
      last = await this.tryJoin(choice, loadSession(browserSessionStorage())?.token ?? null);
      if (last === null) {
        this.hud.setBanner(null);
        return;
      }
      if (last instanceof SignalingError && last.code === 'server_full') {
        break;
      }
      this.phase = 'reconnecting';
    }
    this.hud.setBanner(null);
    this.showStart(`Connection lost (${reason}). ${last === null ? '' : describeJoinError(last)}`);
  }

  private isReconnecting(): boolean {
    return this.phase === 'reconnecting';
  }

  private leave(): void {
    this.link?.close(true);
    this.link = null;
    clearSession(browserSessionStorage());
    this.world.welcome = null;
    this.sim = null;
    this.entities = [];
    this.ownEntity = null;
    this.showStart('');
  }

  private send(channel: Channel, bytes: Uint8Array): void {
    if (this.link?.send(channel, bytes) === true) {
      this.net.addBytesOut(bytes.byteLength, performance.now());
    }
  }

  // --- messages ------------------------------------------------------------------------------

  private onMessage(bytes: Uint8Array): void {
    const now = performance.now();
    this.net.addBytesIn(bytes.byteLength, now);
    const m = readEnvelope(bytes);
    if (m === null) {
      return;
    }
    switch (m.type) {
      case Message.Welcome: {
        this.resetConnectionState();
        this.world.onWelcome(m.message);
        const w = this.world.welcome;
        if (w !== null) {
          this.sim = new Sim(w, this.world.spectator);
          if (this.map !== null) {
            this.sim.setMap(this.map);
          }
          this.own.reset();
          this.serverClock.reset(w.tickHz);
          if (this.world.spectator && this.follow === SPECTATE_POINT && this.freeCam.x === 0) {
            this.freeCam = { x: w.mapWidth / 2, y: w.mapHeight / 2 };
          }
          if (this.mapSeed !== w.mapSeed || this.map === null) {
            void this.loadMap(w.mapSeed);
          }
        }
        break;
      }
      case Message.Snapshot:
        this.onSnapshot(m.message, now);
        break;
      case Message.Events: {
        const before = this.world.match;
        this.world.onEvents(m.message, now);
        const after = this.world.match;
        if (after !== null && after.mapSeed !== 0n && after.mapSeed !== this.mapSeed && !this.mapLoading) {
          void this.loadMap(after.mapSeed);
        }
        if (after !== null && after.phase === 2 && before?.phase !== 2) {
          this.requestScoreboard(true);
        }
        if (after !== null && before !== null && after.phase === 1 && before.phase !== 1) {
          this.sound.play('ui');
        }
        break;
      }
      case Message.Chat:
        this.world.onChat(m.message, now);
        break;
      case Message.Scoreboard:
        this.world.onScoreboard(m.message, now);
        break;
      case Message.Pong:
        this.net.addRtt(now - m.message.clientTimeMs());
        break;
      default:
        break;
    }
  }

  private async loadMap(seed: bigint): Promise<void> {
    this.mapLoading = true;
    try {
      const map = await fetchMap('/map');
      this.map = map;
      this.mapSeed = map.seed === 0n ? seed : map.seed;
      this.renderer?.setMap(map);
      this.minimap.setMap(map);
      this.sim?.setMap(map);
    } catch (e) {
      this.error = `map: ${String(e)}`;
      this.mapSeed = seed; // do not retry in a loop; a new seed or Welcome tries again
    } finally {
      this.mapLoading = false;
    }
  }

  private onSnapshot(snap: Parameters<SnapshotReceiver['receive']>[0], now: number): void {
    this.snapshotsReceived += 1;
    const header = snap.header();
    if (header !== null) {
      this.net.addSnapshot(header.id(), now);
      this.serverClock.onSnapshot(header.tick(), now);
      // Snapshot.me is valid whether or not the delta decodes (it does not depend on a baseline).
      const me = snap.me();
      this.own.update(header.tick(), me === null ? null : readOwnState(me));
    }
    const result = this.receiver.receive(snap);
    this.reportResync(header?.id() ?? 0, result);
    if (result !== 'decoded') {
      return;
    }
    this.firstSnapshotAtMs ??= now;
    const s = this.receiver.latest();
    const sim = this.sim;
    if (s === null || sim === null) {
      return;
    }
    sim.onSnapshot(s, now);
    const ownId = this.world.ownId;
    const own16 = ownId & 0xffff;
    let ownFields: readonly number[] | null = null;
    const projectiles = new Set<number>();
    const shots: { x: number; y: number; weapon: number }[] = [];
    for (const e of s.view) {
      if (e.kind === EntityKind.Player && !this.world.spectator && (e.f[PlayerField.Id] ?? -1) === own16) {
        ownFields = e.f;
      } else if (e.kind === EntityKind.Wall) {
        this.renderer?.setWallHealth(e.f[WallField.Index] ?? 0, e.f[WallField.Health] ?? 0);
      } else if (e.kind === EntityKind.Projectile) {
        const key = e.localId * 65536 + (e.f[ProjectileField.SpawnTick] ?? 0);
        projectiles.add(key);
        if (!this.seenProjectiles.has(key)) {
          shots.push({
            x: (e.f[0] ?? 0) / 8,
            y: (e.f[1] ?? 0) / 8,
            weapon: e.f[ProjectileField.Weapon] ?? 0,
          });
        }
      }
    }
    if (ownFields === null && !this.world.spectator) {
      this.snapshotsWithoutOwn += 1;
    }
    this.seenProjectiles = projectiles;
    // One sound per volley (a shotgun fires 8 pellets from one point).
    let lastShot = '';
    for (const shot of shots) {
      const key = `${shot.weapon}:${Math.round(shot.x / 8)}:${Math.round(shot.y / 8)}`;
      if (key !== lastShot) {
        this.sound.play(WEAPON_SOUNDS[shot.weapon] ?? 'pistol', shot.x, shot.y);
        lastShot = key;
      }
    }
    this.ownEntity = ownFields;
    for (const e of s.effects) {
      this.onEffect(e, ownId);
    }
  }

  /** Says on the console when snapshots stop decoding (the resync starts) and when they decode again. */
  private reportResync(id: number, result: string): void {
    const reason = this.receiver.resyncReason();
    if (reason !== null && !this.resyncReported) {
      this.resyncReported = true;
      console.warn(
        `snapshot ${id}: ${result} (${reason === 'malformed' ? 'does not decode' : 'its baseline is not held'}); ` +
          'asking the server for a full snapshot',
      );
    } else if (reason === null && this.resyncReported) {
      this.resyncReported = false;
      console.info(`snapshot ${id}: a full snapshot decoded; snapshots decode again`);
    }
  }

  private onEffect(e: SnapshotEffect, ownId: number): void {
    const own16 = ownId & 0xffff;
    const melee = this.world.welcome?.weapons[4]?.range ?? 50;
    this.renderer?.effect(e, ownId, melee, aimFinder(this.entities));
    const x = e.x / 2;
    const y = e.y / 2;
    switch (e.type) {
      case EffectType.Damage:
        if (e.a === own16 && !this.world.spectator) {
          this.sound.play('hit');
        } else if (e.b === own16 && !this.world.spectator) {
          this.sound.play('hurt');
        }
        break;
      case EffectType.Death:
        this.sound.play('death', x, y);
        break;
      case EffectType.Impact:
        this.sound.play('impact', x, y);
        break;
      case EffectType.Melee:
        this.sound.play('melee', x, y);
        break;
      case EffectType.PickupTaken:
        if (e.a === own16 && !this.world.spectator) {
          this.sound.play('pickup');
        } else {
          this.sound.play('pickup', x, y);
        }
        break;
      case EffectType.WallDestroyed:
        this.sound.play('wall-break', x, y);
        break;
      case EffectType.Flag:
        this.sound.play(e.detail === FLAG_CAPTURED ? 'capture' : 'flag', x, y);
        break;
      default:
        break;
    }
  }

  // --- sending -------------------------------------------------------------------------------

  private sendChat(text: string, teamOnly: boolean): boolean {
    if (this.link === null || this.world.spectator) {
      return false;
    }
    const line = text.trim();
    if (chatBytes(line) === 0) {
      return true;
    }
    this.send('events', encodeChatSend(line, teamOnly));
    return true;
  }

  private requestScoreboard(force: boolean): void {
    const now = performance.now();
    // Spectators may ask too (their scoreboard has no own row).
    if (this.link === null || (!force && now - this.lastScoreboardMs < SCOREBOARD_REFRESH_MS)) {
      return;
    }
    this.lastScoreboardMs = now;
    this.send('events', encodeScoreboardRequest(this.world.match?.phase === 2 ? 30 : 20));
  }

  private sendNeutralInput(): void {
    const sim = this.sim;
    if (sim === null || this.link === null || this.world.spectator || this.world.welcome === null) {
      return;
    }
    const bytes = sim.inputNow(
      { moveX: 0, moveY: 0, aim: this.lastAim, buttons: 0, weaponSlot: -1 },
      performance.now(),
      this.receiver.ackId(),
      this.receiver.needsResync(),
    );
    if (bytes !== null) {
      this.send('state', bytes);
    }
  }

  private sendInputs(dtS: number, now: number): void {
    const sim = this.sim;
    const w = this.world.welcome;
    if (sim === null || w === null || this.link === null) {
      return;
    }
    if (this.world.spectator) {
      // SpectateControl goes out like inputs, once per server tick.
      const period = 1 / w.tickHz;
      this.inputAccS = Math.min(this.inputAccS + dtS, period * 3);
      if (this.inputAccS < period) {
        return;
      }
      this.spectatorMove(this.inputAccS - (this.inputAccS % period));
      this.inputAccS %= period;
      this.send(
        'state',
        encodeSpectateControl(
          this.follow,
          this.freeCam.x,
          this.freeCam.y,
          this.receiver.ackId(),
          this.receiver.needsResync(),
        ),
      );
      return;
    }
    // Aim from where the own player is drawn to the pointer.
    const drawn = this.renderer?.ownDrawn ?? null;
    const rect = this.host.getBoundingClientRect();
    const origin =
      drawn !== null && this.renderer !== null
        ? this.renderer.worldToScreen(drawn.x, drawn.y)
        : { x: rect.width / 2, y: rect.height / 2 };
    const state = this.controls.state(origin.x + rect.left, origin.y + rect.top);
    this.lastAim = state.aim;
    const bytes = sim.inputs(state, now, this.receiver.ackId(), this.receiver.needsResync());
    if (bytes !== null) {
      this.controls.sent();
      this.send('state', bytes);
    }
  }

  private spectatorMove(dtS: number): void {
    const m = this.controls.movement();
    if (m.x !== 0 || m.y !== 0) {
      if (this.follow !== SPECTATE_POINT) {
        this.follow = SPECTATE_POINT;
      }
      const speed = 900;
      const w = this.world.welcome;
      this.freeCam.x = clamp(this.freeCam.x + m.x * speed * dtS, 0, w?.mapWidth ?? 1e6);
      this.freeCam.y = clamp(this.freeCam.y + m.y * speed * dtS, 0, w?.mapHeight ?? 1e6);
    }
  }

  private nextSpectated(): void {
    const slots = this.entities
      .filter(
        (e) => e.kind === EntityKind.Player && ((e.f[PlayerField.Status] ?? 0) & PlayerStatus.Alive) !== 0,
      )
      .map((e) => e.f[PlayerField.Id] ?? 0)
      .sort((a, b) => a - b);
    if (slots.length === 0) {
      return;
    }
    const next = slots.find((s) => s > (this.follow === SPECTATE_POINT ? -1 : this.follow)) ?? slots[0];
    this.follow = next ?? SPECTATE_POINT;
  }

  // --- UI ------------------------------------------------------------------------------------

  private setMenu(open: boolean): void {
    this.menu.setVisible(open);
    if (open) {
      this.menu.set(this.settings);
      this.chatView.close();
    }
    this.controls.enabled = !open && !this.chatView.isOpen;
    if (open) {
      this.controls.reset();
    }
  }

  private hotkey(k: Hotkey): void {
    if (this.phase !== 'playing' && this.phase !== 'reconnecting') {
      return;
    }
    switch (k) {
      case 'menu':
        if (this.chatView.isOpen) {
          this.chatView.close();
        } else {
          this.setMenu(!this.menu.visible);
        }
        break;
      case 'chat':
      case 'team-chat':
        if (this.menu.visible) {
          return;
        }
        if (this.world.spectator) {
          // The server drops a spectator's ChatSend: say so instead of opening the input.
          this.chatView.hint(SPECTATOR_CHAT_HINT, performance.now());
          return;
        }
        this.controls.enabled = false;
        this.controls.reset();
        this.chatView.open(k === 'team-chat' ? true : undefined);
        break;
      case 'scoreboard-down':
        this.scoreboardView.setVisible(true);
        this.requestScoreboard(true);
        break;
      case 'scoreboard-up':
        this.scoreboardView.setVisible(false);
        break;
      case 'minimap':
        this.minimap.toggleSize();
        this.lastMinimapMs = 0;
        break;
      case 'next-player':
        if (this.world.spectator) {
          this.nextSpectated();
        }
        break;
      case 'free-camera':
        if (this.world.spectator) {
          if (this.follow === SPECTATE_POINT) {
            this.nextSpectated();
          } else {
            this.follow = SPECTATE_POINT;
          }
        }
        break;
    }
  }

  // --- frame ---------------------------------------------------------------------------------

  private frame(t: number): void {
    requestAnimationFrame((next) => {
      this.frame(next);
    });
    const dtS = this.lastFrameMs === 0 ? 1 / 60 : Math.min(0.1, (t - this.lastFrameMs) / 1000);
    this.lastFrameMs = t;
    if (dtS > 0) {
      this.fps += (1 / dtS - this.fps) * 0.05;
    }
    const now = performance.now();
    this.drawFrame(now, dtS);
    const spent = performance.now() - now;
    this.frameMs += (spent - this.frameMs) * 0.05;
    this.frameStats.add(spent);
  }

  private drawFrame(now: number, dtS: number): void {
    const w = this.world.welcome;
    const sim = this.sim;
    if (this.link !== null && w !== null && sim !== null) {
      this.sendInputs(dtS, now);
      if (now - this.lastPingMs >= PING_INTERVAL_MS) {
        this.lastPingMs = now;
        this.pingId = (this.pingId + 1) >>> 0;
        this.send('state', encodePing(this.pingId, now));
      }
      if (this.scoreboardView.visible) {
        this.requestScoreboard(false);
      }
    }
    if (w !== null && sim !== null) {
      const sampled = sim.sample(now);
      this.entities = sampled.entities;
      this.renderTick = sampled.renderTick;
      const ownPos = this.world.spectator ? null : sim.ownPosition(now);
      this.updateCamera(ownPos ?? this.ownInterpolated());
      if (this.renderer !== null) {
        this.renderer.frame(
          {
            nowMs: now,
            dtS,
            entities: this.entities,
            weapons: w.weapons,
            ownId: this.world.spectator ? NO_PLAYER : w.playerId,
            ownPosition: ownPos,
            ownAim: this.world.spectator ? null : sim.ownAim(),
            names: this.world.lookup,
            playerRadius: w.playerRadius,
            maxHealth: w.maxHealth,
            maxShield: w.maxShield,
            zoom: this.renderer.zoom,
            map: this.map,
            cameraX: this.camera.x,
            cameraY: this.camera.y,
          },
          w.viewHalfWidth,
          w.viewHalfHeight,
        );
      }
      this.sound.setListener(this.camera.x, this.camera.y);
      this.updateHud(now);
    } else if (this.renderer !== null && this.phase === 'start') {
      // Behind the start screen: the map, slowly panning.
      if (this.map !== null) {
        this.camera = {
          x: this.map.width * (0.5 + 0.3 * Math.sin(now / 9000)),
          y: this.map.height * (0.5 + 0.2 * Math.cos(now / 11000)),
        };
      }
      this.renderer.frame(
        {
          nowMs: now,
          dtS,
          entities: [],
          weapons: [],
          ownId: NO_PLAYER,
          ownPosition: null,
          ownAim: null,
          names: this.world.lookup,
          playerRadius: 15,
          maxHealth: 100,
          maxShield: 50,
          zoom: 1,
          map: this.map,
          cameraX: this.camera.x,
          cameraY: this.camera.y,
        },
        1100,
        700,
      );
    }
  }

  /** The own player's interpolated entity position (before prediction starts), or null. */
  private ownInterpolated(): { x: number; y: number } | null {
    if (this.world.spectator) {
      return null;
    }
    const own16 = this.world.ownId & 0xffff;
    const e = this.entities.find(
      (x) => x.kind === EntityKind.Player && (x.f[PlayerField.Id] ?? -1) === own16,
    );
    return e === undefined ? null : { x: e.x, y: e.y };
  }

  private updateCamera(ownPos: { x: number; y: number } | null): void {
    if (!this.world.spectator) {
      if (ownPos !== null) {
        this.camera = { x: ownPos.x, y: ownPos.y };
      }
      return;
    }
    if (this.follow !== SPECTATE_POINT) {
      const target = this.entities.find(
        (e) => e.kind === EntityKind.Player && (e.f[PlayerField.Id] ?? -1) === this.follow,
      );
      if (target !== undefined) {
        this.camera = { x: target.x, y: target.y };
        this.freeCam = { x: target.x, y: target.y };
        return;
      }
    }
    this.camera = { x: this.freeCam.x, y: this.freeCam.y };
  }

  private updateHud(now: number): void {
    const w = this.world.welcome;
    if (w === null) {
      return;
    }
    const match = this.world.match;
    const ownTeam = this.ownEntity?.[PlayerField.Team] ?? this.world.names.get(w.playerId)?.team ?? 2;
    this.hud.updateMatch(
      match === null
        ? null
        : {
            mode: match.mode,
            phase: match.phase,
            timeLeftMs: timeLeftMs(match, now),
            redScore: match.redScore,
            blueScore: match.blueScore,
            redFlag: match.redFlag,
            blueFlag: match.blueFlag,
            ownTeam,
          },
    );
    this.hud.updateVitals(
      this.world.spectator ? null : this.vitals(now),
      this.world.spectator ? this.spectatorText() : null,
    );
    this.feedView.update(this.world.feed, now);
    this.chatView.update(this.world.chat, this.world.lookup, this.world.ownId, now);
    this.scoreboardView.update(this.world.scoreboard, match, this.world.lookup);
    const ended = match !== null && match.phase === 2;
    this.resultsView.setVisible(ended);
    if (ended) {
      this.resultsView.update(
        match,
        timeLeftMs(match, now),
        this.world.scoreboard,
        this.world.lookup,
        this.world.spectator ? 3 : ownTeam, // 3: no team (no victory line)
      );
    }
    if (match !== null && match.phase !== this.lastPhase) {
      this.lastPhase = match.phase;
    }
    const summary = this.net.summary(now);
    this.hud.updateNet(
      {
        summary,
        transport: this.link?.transport ?? 'offline',
        transportNote: this.transportNote,
        renderer: this.renderer?.rendererName ?? 'none',
        fps: this.settings.showFps ? this.fps : null,
        frameMs: this.settings.showFps ? this.frameMs : null,
        simNote: this.simNote(now),
        syncNote: this.syncNote(),
      },
      now,
    );
    if (now - this.lastMinimapMs > 100) {
      this.lastMinimapMs = now;
      this.updateMinimap(ownTeam);
    }
  }

  /** What the network panel says while snapshots do not decode. */
  private syncNote(): string | null {
    const reason = this.receiver.resyncReason();
    if (reason === null) {
      return null;
    }
    const why = reason === 'malformed' ? 'do not decode' : 'name baselines not held';
    return `snapshots ${why}: asking for a full one (${this.receiver.stats().decoded} decoded)`;
  }

  private simNote(now: number): string | null {
    const sim = this.sim;
    if (sim === null) {
      return null;
    }
    const st = sim.stats(now);
    const delay = st.delayMs === null ? '–' : `${Math.round(st.delayMs)} ms`;
    const pred = this.world.spectator
      ? ''
      : ` · pred ${sim.predicting ? `±${st.correctionWu.toFixed(1)} wu` : 'off'}`;
    return `interp ${delay} · jitter ${st.jitterMs.toFixed(0)} ms${pred}`;
  }

  private vitals(now: number): VitalsModel | null {
    const f = this.ownEntity;
    const w = this.world.welcome;
    const info = this.own.info;
    if (w === null || (f === null && info === null)) {
      return null;
    }
    const status = f?.[PlayerField.Status] ?? 0;
    const own = ownHud(
      info,
      this.serverClock.tickAt(now),
      w.tickHz,
      w.weapons,
      f?.[PlayerField.Weapon] ?? null,
    );
    return {
      // The entity's status bit when the own player is in the view, else the own state's respawn.
      alive: f !== null ? (status & PlayerStatus.Alive) !== 0 : info?.respawnTick === 0,
      health: f?.[PlayerField.Health] ?? 0,
      maxHealth: w.maxHealth,
      shield: f?.[PlayerField.Shield] ?? 0,
      maxShield: w.maxShield,
      weapon: own.weapon,
      owned: own.owned,
      magazine: own.magazine,
      reserve: own.reserve,
      reload: own.reload,
      speedS: own.speedS,
      damageS: own.damageS,
      protectedS: own.protectedS,
      carrying: (status & PlayerStatus.Carrying) !== 0,
      respawnS: own.respawnS,
    };
  }

  private spectatorText(): string {
    const who = this.follow === SPECTATE_POINT ? 'free camera' : this.world.nameOf(this.follow);
    return `Spectating: ${who} · Space/click: next player · F: follow/free · WASD: move camera · Tab: scoreboard · chat is for players`;
  }

  private updateMinimap(ownTeam: number): void {
    const w = this.world.welcome;
    if (w === null) {
      return;
    }
    const teammates: MinimapDot[] = [];
    const flags: ({ x: number; y: number; state: number } | null)[] = [null, null];
    const own16 = this.world.ownId & 0xffff;
    for (const e of this.entities) {
      if (e.kind === EntityKind.Player) {
        const team = e.f[PlayerField.Team] ?? 2;
        const alive = ((e.f[PlayerField.Status] ?? 0) & PlayerStatus.Alive) !== 0;
        const slot = e.f[PlayerField.Id] ?? -1;
        // Teammates only (a spectator sees everyone); in free-for-all nobody is a teammate.
        if (alive && slot !== own16 && (this.world.spectator || (team === ownTeam && team !== 2))) {
          teammates.push({ x: e.x, y: e.y, team });
        }
      } else if (e.kind === EntityKind.Flag) {
        const team = e.f[2] ?? 0;
        flags[team] = { x: e.x, y: e.y, state: e.f[3] ?? 0 };
      }
    }
    // Flags out of view: at their stand while at home.
    const m = this.world.match;
    this.map?.bases.forEach((b, team) => {
      const state = team === 0 ? m?.redFlag : m?.blueFlag;
      if (flags[team] === null && state === 0 && (m?.mode ?? w.mode) === 2) {
        flags[team] = { x: b.flagX, y: b.flagY, state: 0 };
      }
    });
    const zoom = this.renderer?.zoom ?? 1;
    const rect = this.host.getBoundingClientRect();
    this.minimap.update({
      own: this.world.spectator ? null : (this.renderer?.ownDrawn ?? null),
      teammates,
      flags,
      view: { x: this.camera.x, y: this.camera.y, hw: rect.width / 2 / zoom, hh: rect.height / 2 / zoom },
    });
  }

  // --- debug ---------------------------------------------------------------------------------

  /** Entities handed to the renderer in the last frame, and those of them inside the screen. */
  private drawnCounts(): { entities: number; onScreen: number } {
    const zoom = this.renderer?.zoom ?? 1;
    const rect = this.host.getBoundingClientRect();
    const hw = rect.width / 2 / zoom;
    const hh = rect.height / 2 / zoom;
    let onScreen = 0;
    for (const e of this.entities) {
      if (Math.abs(e.x - this.camera.x) <= hw && Math.abs(e.y - this.camera.y) <= hh) {
        onScreen += 1;
      }
    }
    return { entities: this.entities.length, onScreen };
  }

  private ownDebug(now: number): DebugState['own'] {
    const info = this.own.info;
    const w = this.world.welcome;
    if (info === null || w === null) {
      return null;
    }
    const h = ownHud(info, this.serverClock.tickAt(now), w.tickHz, w.weapons, null);
    return {
      tick: this.own.tick,
      weapon: info.weapon,
      owned: h.owned,
      ammo: h.magazine === null || h.reserve === null ? null : { magazine: h.magazine, reserve: h.reserve },
      reload: h.reload,
      speedS: h.speedS,
      damageS: h.damageS,
      protectedS: h.protectedS,
      respawnS: h.respawnS,
    };
  }

  private debugState(): DebugState {
    const counts = { players: 0, projectiles: 0, pickups: 0, walls: 0, flags: 0 };
    const view = this.receiver.latest()?.view ?? [];
    for (const e of view) {
      switch (e.kind) {
        case EntityKind.Player:
          counts.players += 1;
          break;
        case EntityKind.Projectile:
          counts.projectiles += 1;
          break;
        case EntityKind.Pickup:
          counts.pickups += 1;
          break;
        case EntityKind.Wall:
          counts.walls += 1;
          break;
        case EntityKind.Flag:
          counts.flags += 1;
          break;
      }
    }
    const f = this.ownEntity;
    const m = this.world.match;
    const now = performance.now();
    const predicted = this.sim?.ownPosition(now) ?? null;
    const frame = this.frameStats.summary();
    const stats = this.receiver.stats();
    return {
      connection: this.phase,
      transport: this.link?.transport ?? null,
      transportNote: this.transportNote,
      spectator: this.world.spectator,
      playerId: this.world.welcome?.playerId ?? null,
      resumed: this.link?.resumed ?? false,
      serverPosition: f === null ? null : { x: (f[PlayerField.X] ?? 0) / 8, y: (f[PlayerField.Y] ?? 0) / 8 },
      predictedPosition: predicted === null ? null : { x: predicted.x, y: predicted.y },
      alive: f !== null && ((f[PlayerField.Status] ?? 0) & PlayerStatus.Alive) !== 0,
      health: f === null ? null : (f[PlayerField.Health] ?? 0),
      entities: counts,
      names: [...this.world.names.values()].map((n) => n.name),
      chat: this.world.chat.slice(-20).map((l) => `${this.world.nameOf(l.from)}: ${l.text}`),
      killFeed: this.world.feed.map((e) => e.entry.text),
      snapshots: {
        received: this.snapshotsReceived,
        decoded: stats.decoded,
        lastId: this.receiver.ackId(),
        firstDecodedAtMs: this.firstSnapshotAtMs,
        malformed: stats.malformed,
        unknownBaseline: stats.unknownBaseline,
        resync: this.receiver.needsResync(),
        resyncs: stats.resyncs,
        withoutOwn: this.snapshotsWithoutOwn,
      },
      rttMs: this.net.summary(now).rttMs,
      match: m === null ? null : { phase: m.phase, mode: m.mode, red: m.redScore, blue: m.blueScore },
      mapLoaded: this.map !== null,
      mapSeed: this.mapSeed === null ? null : this.mapSeed.toString(),
      renderer: this.renderer?.rendererName ?? null,
      fps: Math.round(this.fps),
      frameMs: Math.round(this.frameMs * 100) / 100,
      frameTime: {
        frames: frame.frames,
        meanMs: round3(frame.meanMs),
        p99Ms: round3(frame.p99Ms),
        maxMs: round3(frame.maxMs),
        total: this.frameStats.total,
        recentMs: this.frameStats.recent().map(round3),
      },
      drawn: this.drawnCounts(),
      own: this.ownDebug(now),
      predicting: this.sim?.predicting ?? false,
      renderTick: this.renderTick,
      error: this.error,
    };
  }
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
