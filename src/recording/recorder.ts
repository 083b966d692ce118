/**
 * The recording shell: performs the effects of `machine.ts` with real parts — lists the
 * monitors, plans one encoder per monitor, runs a `MonitorTrack` for each, watches for
 * monitors coming and going, and answers each command when the machine says so.
 *
 * Effects run one after another on one queue (a pause must have finished its encoders before
 * a resume starts new ones), while the machine answers at once where it can.
 *
 * Monitors: the set is read at start. A monitor unplugged during a recording ends its own
 * stream cleanly (its part is finished) and the others go on; one whose geometry changed gets
 * a new part with the new geometry; a monitor plugged in joins at the next segment (restart)
 * or resume, when the recording covers all monitors.
 */
import type { Logger } from "@logtape/logtape";
import type { PipelinePlan } from "../capture/types.ts";
import type { Clock, TimerId } from "../clock/clock.ts";
import type { EncoderMachineOptions } from "../encoder/machine.ts";
import type { ProcessSpawner } from "../encoder/process.ts";
import type { MetricsRegistry } from "../metrics/registry.ts";
import type { DisplayLister, Monitor } from "../workstation/displays.ts";
import {
  type CommandKind,
  type RecordingEffect,
  type RecordingEvent,
  type RecordingState,
  type SegmentSpec,
  step,
} from "./machine.ts";
import {
  createMonitorTrack,
  createPartNumbering,
  type MonitorTrack,
  type TrackStatus,
} from "./monitor_track.ts";
import {
  type CaptureDefaults,
  type MonitorSettings,
  type RecordParams,
  sameSettings,
  settingsFor,
} from "./params.ts";
import type { PartCause, PartHeader, RecordingSink } from "./sink.ts";
import type { TrackTap } from "./tap_router.ts";

/** How each monitor is captured and encoded (the capture module, wired by the app). */
export interface EncoderPlan {
  readonly backend: string;
  readonly encoder: string;
}

export interface EncoderPlanner {
  /** One plan per monitor; throws (with why) when this machine cannot capture them. */
  plan(monitors: readonly Monitor[]): EncoderPlan[];
  /**
   * ffmpeg's argv carrying `taps` (live views' plans, in pipe order: capture/taps.ts);
   * `failures` counts consecutive failed runs (a ddagrab → gdigrab fallback).
   */
  args(
    monitor: Monitor,
    plan: EncoderPlan,
    settings: MonitorSettings,
    failures: number,
    taps: readonly PipelinePlan[],
  ): string[];
  /** Why this monitor's recording encoder cannot carry the live view `live`, or null. */
  tapRefusal(
    monitor: Monitor,
    plan: EncoderPlan,
    settings: MonitorSettings,
    live: PipelinePlan,
  ): string | null;
}

/** ffmpeg is usable (its path and a planner), or not (why). */
export type EncoderAvailability =
  | { readonly ok: true; readonly path: string; readonly planner: EncoderPlanner }
  | { readonly ok: false; readonly problem: string };

export interface RecorderDeps {
  readonly clock: Clock;
  readonly spawner: ProcessSpawner;
  readonly log: Logger;
  readonly sink: RecordingSink;
  readonly displays: DisplayLister;
  readonly metrics: MetricsRegistry;
  encoders(): EncoderAvailability;
  /** A part opened (newRecBatch success) or failed (error + why). */
  announce(header: PartHeader, error?: string): void;
  /** Whether a part name was used before (the sink's memory across runs); never reused. */
  partTaken?(fileName: string): boolean;
}

export interface RecorderOptions {
  readonly capture: CaptureDefaults;
  /** How often monitors are re-listed while recording; 0: never. */
  readonly displayPollMs: number;
  readonly machine?: EncoderMachineOptions;
}

export interface CommandInput {
  readonly segment?: SegmentSpec;
  readonly segmentId?: string;
  readonly reason?: string;
  readonly displays?: readonly number[];
  readonly params?: RecordParams;
}

export interface RecorderStatus {
  readonly state: RecordingState["phase"];
  readonly segmentId: string | null;
  readonly interactionId: string | null;
  readonly monitors: readonly TrackStatus[];
}

export interface Recorder {
  /** Runs one of AgentServer's recording commands; resolves with the reply's error, if any. */
  command(kind: CommandKind, input: CommandInput): Promise<{ readonly error?: string }>;
  /** The registration is gone: finish every part; resolves when the encoders have ended. */
  stopAll(why: string): Promise<void>;
  status(): RecorderStatus;
  /** Test hook: kills the ffmpeg of one display as if it crashed. */
  killEncoder(display: number): boolean;
  /** Live views carried by the recording's encoders (capture/taps.ts). */
  readonly liveHost: LiveHost;
}

/**
 * The recording's encoders as carriers of live views: a view of a monitor being recorded
 * rides in that monitor's encoder instead of capturing the screen a second time.
 */
export interface LiveHost {
  /**
   * Asks the recording of `display` to carry the view: null when it will (its feed gets the
   * view's video from then on, until `detach` or the feed's `dropped`), else why it cannot.
   */
  attach(display: number, tap: TrackTap): string | null;
  detach(display: number, id: string): void;
  /** Calls `listener(display)` whenever a display's recording encoder starts. */
  onStarted(listener: (display: number) => void): void;
}

interface Track {
  readonly monitor: Monitor;
  readonly plan: EncoderPlan;
  readonly settings: MonitorSettings;
  readonly track: MonitorTrack;
}

function sameGeometry(a: Monitor, b: Monitor): boolean {
  return a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height &&
    JSON.stringify(a.capture) === JSON.stringify(b.capture);
}

export function createRecorder(deps: RecorderDeps, options: RecorderOptions): Recorder {
  let state: RecordingState = { phase: "idle" };
  let nextId = 1;
  const replies = new Map<number, (r: { error?: string }) => void>();
  let tracks = new Map<number, Track>();
  /** Which displays the recording covers: null = every monitor, including new ones. */
  let selection: readonly number[] | null = null;
  let params: RecordParams | undefined;
  let path = "";
  let planner: EncoderPlanner | null = null;
  let poll: TimerId | null = null;
  let work: Promise<void> = Promise.resolve();
  let idle: (() => void)[] = [];
  const nextPart = createPartNumbering((name) => deps.partTaken?.(name) ?? false);
  const startListeners: ((display: number) => void)[] = [];

  const phaseGauge = deps.metrics.gauge({
    name: "agent_helper_recording_state",
    help: "1 for the recording's current state.",
    labels: ["state"],
  });
  const partsTotal = deps.metrics.counter({
    name: "agent_helper_recording_parts_total",
    help:
      "Recording files opened, by cause (segmentStart, segmentSwitch, resume, encoderRestart, monitorChanged, liveView).",
    labels: ["cause"],
  });
  const PHASES = ["idle", "starting", "recording", "paused", "stopping"] as const;
  const showPhase = () => {
    for (const p of PHASES) phaseGauge.set(p === state.phase ? 1 : 0, { state: p });
  };
  showPhase();
  const recordedBytes = deps.metrics.gauge({
    name: "agent_helper_recorded_bytes",
    help: "Bytes the encoders produced in this recording, by display.",
    labels: ["display"],
  });
  deps.metrics.onCollect(() => {
    for (const [display, t] of tracks) {
      recordedBytes.set(t.track.status().bytes, { display: String(display) });
    }
  });

  const dispatch = (event: RecordingEvent<CommandInput>): void => {
    const next = step(state, event);
    state = next.state;
    showPhase();
    for (const effect of next.effects) perform(effect);
    if (state.phase === "idle") {
      const waiting = idle;
      idle = [];
      for (const w of waiting) w();
    }
  };

  const queue = (what: string, op: () => Promise<void>): void => {
    work = work.then(op).catch((e) =>
      deps.log.error("recording: {what} failed: {error}", { what, error: e })
    );
  };

  const perform = (effect: RecordingEffect<CommandInput>): void => {
    switch (effect.type) {
      case "reply": {
        const resolve = replies.get(effect.id);
        replies.delete(effect.id);
        resolve?.(effect.error === undefined ? {} : { error: effect.error });
        return;
      }
      case "begin":
        queue("start", () => begin(effect.segment, effect.payload));
        return;
      case "switchSegment":
        queue("restart", () => switchTo(effect.segment, effect.payload));
        return;
      case "pause":
        stopPolling();
        queue("pause", async () => {
          deps.log.info("Recording paused ({reason})", { reason: effect.reason ?? "no reason" });
          await Promise.all([...tracks.values()].map((t) => t.track.finish()));
        });
        return;
      case "resume":
        queue("resume", resume);
        return;
      case "finish":
        stopPolling();
        queue("stop", async () => {
          deps.log.info("Recording stops ({why})", { why: effect.why });
          await Promise.all([...tracks.values()].map((t) => t.track.finish()));
          tracks = new Map();
          dispatch({ type: "finished" });
        });
        return;
    }
  };

  const makeTrack = (monitor: Monitor, plan: EncoderPlan, settings: MonitorSettings): Track => {
    const track = createMonitorTrack({
      clock: deps.clock,
      spawner: deps.spawner,
      log: deps.log,
      sink: deps.sink,
      announce: (header, error) => {
        if (!error) partsTotal.inc({ cause: header.cause });
        deps.announce(header, error);
      },
      nextPart,
      onGaveUp: (display, reason) =>
        deps.log.error("display {display}: ffmpeg cannot start: {reason}", { display, reason }),
      // Every monitor hits the same full spool: stop capturing once, cleanly, rather than
      // have each encoder run on into parts that cannot be stored.
      onSinkFull: (reason) => {
        deps.log.error("Recording stopped: {reason}", { reason });
        dispatch({ type: "stopAll", why: reason });
      },
    }, {
      ffmpegPath: path,
      monitor,
      encoder: plan.encoder,
      captureBackend: plan.backend,
      frameRate: settings.frameRate,
      args: (failures, taps) => planner?.args(monitor, plan, settings, failures, taps) ?? [],
      ...(options.machine ? { machine: options.machine } : {}),
    });
    return { monitor, plan, settings, track };
  };

  /** Starts a track; the live views may then move into its encoder (`liveHost`). */
  const startTrack = (t: Track, segment: SegmentSpec, cause: PartCause): void => {
    t.track.start(segment, cause);
    const display = t.monitor.index;
    queueMicrotask(() => {
      for (const listener of startListeners) listener(display);
    });
  };

  /** Tracks for these monitors, in `tracks` and not started: the caller knows the cause. */
  const addTracks = (monitors: readonly Monitor[]): Track[] => {
    if (!planner || monitors.length === 0) return [];
    const plans = planner.plan(monitors);
    return monitors.flatMap((monitor, i) => {
      const plan = plans[i];
      if (!plan) return [];
      const t = makeTrack(monitor, plan, settingsFor(options.capture, params, monitor.index));
      tracks.set(monitor.index, t);
      return [t];
    });
  };

  const wanted = (monitors: readonly Monitor[]) =>
    selection === null ? monitors : monitors.filter((m) => selection?.includes(m.index));

  async function begin(segment: SegmentSpec, input: CommandInput | undefined): Promise<void> {
    const failed = (why: string) => dispatch({ type: "beginFailed", why });
    const encoders = deps.encoders();
    if (!encoders.ok) return failed(`ffmpegUnavailable: ${encoders.problem}`);
    path = encoders.path;
    planner = encoders.planner;
    let monitors: Monitor[];
    try {
      monitors = await deps.displays.list();
    } catch (e) {
      return failed(`displaysUnavailable: ${(e as Error).message}`);
    }
    const asked = input?.displays ?? null;
    const missing = (asked ?? []).filter((d) => !monitors.some((m) => m.index === d));
    if (missing.length > 0) {
      return failed(
        `unknownDisplay: display ${missing.join(", ")} is not connected ` +
          `(connected: ${monitors.map((m) => m.index).join(", ") || "none"})`,
      );
    }
    selection = asked;
    params = input?.params;
    const chosen = wanted(monitors);
    if (chosen.length === 0) return failed("noDisplays: no monitor to record");
    try {
      planner.plan(chosen);
    } catch (e) {
      return failed(`captureUnsupported: ${(e as Error).message}`);
    }
    tracks = new Map();
    for (const t of addTracks(chosen)) startTrack(t, segment, "segmentStart");
    deps.log.info("Recording segment {segment} on display(s) {displays}", {
      segment: segment.segmentId,
      displays: chosen.map((m) => m.index).join(", "),
    });
    dispatch({ type: "began" });
    startPolling();
  }

  async function switchTo(segment: SegmentSpec, input: CommandInput | undefined): Promise<void> {
    if (input?.params) params = input.params;
    const paused = state.phase === "paused";
    for (const [display, t] of [...tracks]) {
      const settings = settingsFor(options.capture, params, display);
      if (sameSettings(settings, t.settings)) {
        t.track.switchSegment(segment);
        continue;
      }
      // New encoding settings need a new encoder: the old one finishes the old segment.
      await t.track.finish();
      const fresh = makeTrack(t.monitor, t.plan, settings);
      tracks.set(display, fresh);
      if (paused) fresh.track.switchSegment(segment);
      else startTrack(fresh, segment, "segmentSwitch");
    }
    if (!paused) {
      const { changed, joined } = await refreshMonitors(true);
      for (const t of changed) startTrack(t, segment, "monitorChanged");
      for (const t of joined) startTrack(t, segment, "segmentStart");
    }
    deps.log.info("Segment {segment} begins", { segment: segment.segmentId });
  }

  async function resume(): Promise<void> {
    if (state.phase !== "recording") return;
    const segment = state.segment;
    // Changed and newly plugged monitors get their tracks here, unstarted like the others.
    await refreshMonitors(true);
    for (const t of tracks.values()) startTrack(t, segment, "resume");
    deps.log.info("Recording resumed");
    startPolling();
  }

  /**
   * Re-reads the monitors: a removed one ends its stream; a changed one gets a fresh track
   * with its new geometry; with `join`, new ones get tracks too (a new segment or a resume).
   * The fresh tracks are returned unstarted: whether and why they start is the caller's.
   */
  async function refreshMonitors(join: boolean): Promise<{ changed: Track[]; joined: Track[] }> {
    const changed: Track[] = [];
    let monitors: Monitor[];
    try {
      monitors = await deps.displays.list();
    } catch (e) {
      deps.log.warn("Cannot re-read the monitors: {error}", { error: (e as Error).message });
      return { changed, joined: [] };
    }
    for (const [display, t] of [...tracks]) {
      const now = monitors.find((m) => m.index === display);
      if (now && sameGeometry(now, t.monitor)) continue;
      tracks.delete(display);
      await t.track.finish();
      if (!now) {
        deps.log.warn("Display {display} is gone: its recording ends", { display });
        continue;
      }
      deps.log.info("Display {display} changed: a new part follows", { display });
      changed.push(...addTracks([now]));
    }
    if (!join) return { changed, joined: [] };
    const fresh = wanted(monitors).filter((m) => !tracks.has(m.index));
    if (fresh.length > 0) {
      deps.log.info("Display(s) {displays} join the recording", {
        displays: fresh.map((m) => m.index).join(", "),
      });
    }
    return { changed, joined: addTracks(fresh) };
  }

  function startPolling(): void {
    stopPolling();
    if (options.displayPollMs <= 0) return;
    poll = deps.clock.setTimeout(() => {
      poll = null;
      if (state.phase !== "recording") return;
      const segment = state.segment;
      queue("display check", async () => {
        if (state.phase !== "recording") return;
        const { changed } = await refreshMonitors(false);
        // Paused meanwhile: the resume starts them; stopping: they are finished unstarted.
        if (state.phase !== "recording") return;
        for (const t of changed) startTrack(t, segment, "monitorChanged");
      });
      startPolling();
    }, options.displayPollMs);
  }

  function stopPolling(): void {
    if (poll !== null) deps.clock.clearTimeout(poll);
    poll = null;
  }

  return {
    command(kind, input) {
      const id = nextId++;
      const reply = new Promise<{ error?: string }>((resolve) => {
        replies.set(id, resolve);
        dispatch({
          type: "command",
          id,
          kind,
          ...(input.segment ? { segment: input.segment } : {}),
          ...(input.segmentId !== undefined ? { segmentId: input.segmentId } : {}),
          ...(input.reason !== undefined ? { reason: input.reason } : {}),
          payload: input,
        });
      });
      // A pause is answered once capture has really stopped (privacy: the reply means no more
      // frames), and a resume once the encoders are running again.
      if (kind !== "pause" && kind !== "resume") return reply;
      return reply.then(async (r) => {
        if (r.error === undefined) await work;
        return r;
      });
    },
    stopAll(why) {
      dispatch({ type: "stopAll", why });
      if (state.phase === "idle") return work;
      return new Promise<void>((resolve) => idle.push(resolve)).then(() => work);
    },
    status() {
      const segment = state.phase === "idle" ? null : state.segment;
      return {
        state: state.phase,
        segmentId: segment?.segmentId ?? null,
        interactionId: segment?.interactionId ?? null,
        monitors: [...tracks.values()].map((t) => t.track.status()),
      };
    },
    killEncoder(display) {
      const t = tracks.get(display);
      if (!t) return false;
      t.track.killEncoder();
      return true;
    },
    liveHost: {
      attach(display, tap) {
        const t = tracks.get(display);
        if (state.phase !== "recording" || !t || !planner) {
          return `display ${display} is not being recorded`;
        }
        const why = planner.tapRefusal(t.monitor, t.plan, t.settings, tap.plan);
        if (why !== null) return why;
        if (!t.track.setTaps([...t.track.taps(), tap])) {
          return "the recording's encoder takes no live views now";
        }
        return null;
      },
      detach(display, id) {
        const t = tracks.get(display);
        const carried = t?.track.taps() ?? [];
        if (carried.some((tap) => tap.id === id)) {
          t?.track.setTaps(carried.filter((tap) => tap.id !== id));
        }
      },
      onStarted(listener) {
        startListeners.push(listener);
      },
    },
  };
}
