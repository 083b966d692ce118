/**
 * One monitor's recording: its supervised encoder, and the cutting of the encoder's fMP4
 * output into parts (files), one per (segment, monitor, run of ffmpeg).
 *
 * - A new ffmpeg run opens a part as soon as its init segment arrives (so `newRecBatch` goes
 *   out at once, before the first fragment), in the pending segment if a switch is waiting.
 * - A segment switch (`restartScreenRecord`) keeps the encoder running: the first fragment
 *   whose frames begin at or after the switch request closes the old part and opens part 0 of
 *   the new segment with the same init segment. Fragments start on keyframes, so the cut is
 *   at the first keyframe after the request and no frame is lost or repeated.
 * - Every part's timeline starts at 0 and its fragments are numbered from 1, so each file
 *   plays on its own; its place on the segment's timeline is `offsetMs` in its header.
 * - A run that ends (stop, pause, crash, stall) closes its part after its last whole fragment;
 *   a half-written fragment of a crashed run is dropped, never stored.
 *
 * - The encoder also carries the monitor's live views (`setTaps`, capture/taps.ts). A change
 *   of views needs a new ffmpeg: it starts beside the running one and takes over once it writes
 *   (handover.ts), so the recording has no gap; its first part's cause is `liveView`.
 *
 * Every sink operation goes through one queue, in order; `onOutput` returns the queue's tail,
 * so a slow sink slows the reading of ffmpeg's pipe instead of growing memory.
 */
import { createHash } from "node:crypto";
import type { Logger } from "@logtape/logtape";
import type { PipelinePlan } from "../capture/types.ts";
import type { Clock, TimerId } from "../clock/clock.ts";
import type { EncoderMachineOptions } from "../encoder/machine.ts";
import type { ProcessSpawner } from "../encoder/process.ts";
import {
  createEncoderSupervisor,
  type EncoderSupervisor,
  type RunEnd,
} from "../encoder/supervisor.ts";
import { createFragmentReader, type Fmp4Event, rebaseFragment } from "../fmp4/mod.ts";
import {
  HANDOVER_DEADLINE_MS,
  type HandoverEffect,
  type HandoverEvent,
  type HandoverState,
  INITIAL_HANDOVER,
  step,
} from "./handover.ts";
import type { SegmentSpec } from "./machine.ts";
import { createTapRouter, type TrackTap } from "./tap_router.ts";
import {
  type PartCause,
  partFileName,
  type PartHeader,
  type PartWriter,
  type RecordingSink,
} from "./sink.ts";
import { SinkFull } from "./sink.ts";

export interface TrackMonitor {
  readonly index: number;
  readonly name: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface MonitorTrackDeps {
  readonly clock: Clock;
  readonly spawner: ProcessSpawner;
  readonly log: Logger;
  readonly sink: RecordingSink;
  /** A part was opened (`newRecBatch` success) or could not be stored (error, with why). */
  announce(header: PartHeader, error?: string): void;
  /** ffmpeg cannot be started at all on this monitor. */
  onGaveUp(display: number, reason: string): void;
  /** The sink refused bytes with {@link SinkFull}: capture must stop everywhere. */
  onSinkFull(reason: string): void;
  /**
   * The number of a new part of (segment, display) and its offset on the segment's timeline.
   * Kept by the owner: a monitor may get a new track within a segment (it changed size).
   */
  nextPart(segmentId: string, display: number, startedAt: number): PartSlot;
}

export interface PartSlot {
  readonly part: number;
  readonly offsetMs: number;
}

const KEEP_SEGMENTS = 4;

/**
 * Numbers parts per (segment, display) from 0, skipping names `taken` says were used before
 * (by an earlier run of the agent, or a segment id handed out again); offsets count from the
 * first part's first frame.
 */
export function createPartNumbering(
  taken: (fileName: string) => boolean = () => false,
): MonitorTrackDeps["nextPart"] {
  const segments = new Map<string, Map<number, { next: number; origin: number }>>();
  return (segmentId, display, startedAt) => {
    let displays = segments.get(segmentId);
    if (!displays) {
      displays = new Map();
      segments.set(segmentId, displays);
      // Monitors cut over to a new segment one by one, so the previous segment may still
      // get parts: keep the last few segments, forget older ones.
      for (const old of [...segments.keys()].slice(0, -KEEP_SEGMENTS)) segments.delete(old);
    }
    const slot = displays.get(display) ?? { next: 0, origin: startedAt };
    while (taken(partFileName(segmentId, display, slot.next))) slot.next++;
    displays.set(display, slot);
    return { part: slot.next++, offsetMs: Math.max(0, Math.round(startedAt - slot.origin)) };
  };
}

export interface MonitorTrackOptions {
  readonly ffmpegPath: string;
  readonly monitor: TrackMonitor;
  readonly encoder: string;
  readonly captureBackend: string;
  readonly frameRate: number;
  /**
   * ffmpeg's argv for a run carrying `taps` (live views' plans, in pipe order); `failures`
   * counts consecutive failed runs (for fallbacks).
   */
  args(failures: number, taps: readonly PipelinePlan[]): readonly string[];
  readonly machine?: EncoderMachineOptions;
}

export interface TrackStatus {
  readonly display: number;
  readonly encoder: string;
  readonly phase: string;
  readonly segmentId: string | null;
  readonly part: number | null;
  readonly bytes: number;
  readonly runs: number;
  readonly pid: number | null;
  /** Live views the running encoder carries. */
  readonly liveViews: number;
}

export interface MonitorTrack {
  /** Starts capturing into `segment`; the first part's cause is `cause`. */
  start(segment: SegmentSpec, cause: PartCause): void;
  /** The next keyframe begins `segment`. */
  switchSegment(segment: SegmentSpec): void;
  /** Ends capture: ffmpeg writes its last fragment, the part is finished. */
  finish(): Promise<void>;
  /** Test hook and "monitor changed": kills the running ffmpeg as if it crashed. */
  killEncoder(): void;
  /**
   * Carries exactly these live views from now on (a new encoder takes over, see the top).
   * False when it cannot: not capturing, or its encoder failed to carry views before; then
   * nothing changed. A view may still be dropped later (its feed is told why).
   */
  setTaps(taps: readonly TrackTap[]): boolean;
  /** The live views it carries or is taking on. */
  taps(): readonly TrackTap[];
  status(): TrackStatus;
}

interface OpenPart {
  readonly header: PartHeader;
  readonly writer: Promise<PartWriter>;
  readonly hash: ReturnType<typeof createHash>;
  offset: number;
  frames: number;
  firstDecode: number | null;
  endDecode: number;
  seq: number;
  broken: boolean;
}

interface RunState {
  readonly run: number;
  readonly reader: ReturnType<typeof createFragmentReader>;
  init: Uint8Array | null;
  timescale: number;
  /** Wall-clock time of the run's first frame (an estimate: see where it is set). */
  readonly anchorWall: number;
  anchorTicks: number | null;
}

/** One encoder configuration (handover.ts's generation) and its current run's output. */
interface Gen {
  readonly no: number;
  readonly supervisor: EncoderSupervisor;
  /** Given up before it counted: its recording output is ignored. */
  abandoned: boolean;
  /** The cause of the part its next run opens. */
  cause: PartCause;
  run: RunState | null;
  part: OpenPart | null;
  pid: number | null;
  spawnedAt: number;
  /** Carried views' count, for the status. */
  readonly views: number;
}

export function createMonitorTrack(
  deps: MonitorTrackDeps,
  options: MonitorTrackOptions,
): MonitorTrack {
  const { monitor } = options;
  const name = `display ${monitor.index}`;
  let handover: HandoverState = INITIAL_HANDOVER;
  const gens = new Map<number, Gen>();
  const deadlines = new Map<number, TimerId>();
  const taps = createTapRouter(deps.log, name);
  let segment: SegmentSpec | null = null;
  let pending: { segment: SegmentSpec; requestedAt: number } | null = null;
  let startCause: PartCause = "segmentStart";
  let runs = 0;
  let bytes = 0;
  let tail: Promise<void> = Promise.resolve();
  /** The caller gets the operation's own outcome; the queue goes on after a failure. */
  const enqueue = (op: () => Promise<void>): Promise<void> => {
    const done = tail.then(op);
    tail = done.catch(() => {});
    return done;
  };

  const current = (): Gen | undefined =>
    handover.phase === "steady" || handover.phase === "switching"
      ? gens.get(handover.current.no)
      : undefined;

  const dispatch = (event: HandoverEvent): boolean | undefined => {
    const next = step(handover, event);
    handover = next.state;
    for (const effect of next.effects) perform(effect);
    // A view takes its video from the newest encoder that carries it and is not given up.
    taps.setOwners((id) => {
      if (handover.phase === "switching" && handover.incoming.taps.includes(id)) {
        return handover.incoming.no;
      }
      if (handover.phase === "steady" || handover.phase === "switching") {
        return handover.current.taps.includes(id) ? handover.current.no : null;
      }
      return null;
    });
    return next.accepted;
  };

  const perform = (effect: HandoverEffect): void => {
    switch (effect.type) {
      case "spawn": {
        const carried = taps.wanted().filter((t) => effect.generation.taps.includes(t.id));
        // The state is already the next one: a first encoder is current, a new one incoming.
        const first = handover.phase === "steady" && handover.current.no === effect.generation.no;
        const gen = spawnGeneration(effect.generation.no, carried, first ? startCause : "liveView");
        gens.set(gen.no, gen);
        return;
      }
      case "retire":
      case "abandon": {
        const gen = gens.get(effect.no);
        if (!gen) return;
        gen.abandoned = effect.type === "abandon";
        void gen.supervisor.stop().then(() => {
          gens.delete(gen.no);
          taps.forget(gen.no);
        });
        return;
      }
      case "startDeadline":
        deadlines.set(
          effect.no,
          deps.clock.setTimeout(() => {
            deadlines.delete(effect.no);
            dispatch({ type: "deadline", no: effect.no });
          }, HANDOVER_DEADLINE_MS),
        );
        return;
      case "cancelDeadline": {
        const id = deadlines.get(effect.no);
        if (id !== undefined) deps.clock.clearTimeout(id);
        deadlines.delete(effect.no);
        return;
      }
      case "tapsDropped":
        deps.log.warn("{name}: live view(s) {ids} no longer carried: {why}", {
          name,
          ids: effect.taps.join(", "),
          why: effect.why,
        });
        taps.drop(effect.taps, effect.why);
        return;
    }
  };

  const openPart = (seg: SegmentSpec, cause: PartCause, startedAt: number): OpenPart => {
    const { part: number, offsetMs } = deps.nextPart(seg.segmentId, monitor.index, startedAt);
    const header: PartHeader = {
      fileName: partFileName(seg.segmentId, monitor.index, number),
      segmentId: seg.segmentId,
      ...(seg.interactionId !== undefined ? { interactionId: seg.interactionId } : {}),
      workItemIds: seg.workItemIds,
      display: monitor.index,
      part: number,
      cause,
      monitor: {
        name: monitor.name,
        x: monitor.x,
        y: monitor.y,
        width: monitor.width,
        height: monitor.height,
      },
      codec: "h264",
      container: "fmp4",
      encoder: options.encoder,
      captureBackend: options.captureBackend,
      frameRate: options.frameRate,
      startedAt,
      offsetMs,
    };
    deps.log.info("{name}: part {file} ({cause})", { name, file: header.fileName, cause });
    const writer = deps.sink.open(header);
    const opened: OpenPart = {
      header,
      writer,
      hash: createHash("sha256"),
      offset: 0,
      frames: 0,
      firstDecode: null,
      endDecode: 0,
      seq: 1,
      broken: false,
    };
    writer.then(
      () => deps.announce(header),
      (e) => fail(opened, e),
    );
    return opened;
  };

  const fail = (p: OpenPart, e: unknown): void => {
    if (p.broken) return;
    p.broken = true;
    const why = `cannot store ${p.header.fileName}: ${(e as Error).message}`;
    deps.log.error("{name}: {why}", { name, why });
    deps.announce(p.header, why);
    if (e instanceof SinkFull) deps.onSinkFull(why);
  };

  const write = async (p: OpenPart, data: Uint8Array, captureTime: number): Promise<void> => {
    if (p.broken) throw new Error(`${p.header.fileName} is broken`);
    try {
      const writer = await p.writer;
      await writer.write({ offset: p.offset, bytes: data, captureTime });
    } catch (e) {
      fail(p, e);
      throw e;
    }
    p.hash.update(data);
    p.offset += data.length;
    bytes += data.length;
  };

  const closePart = async (p: OpenPart, timescale: number): Promise<void> => {
    if (p.broken) {
      await p.writer.then((w) => w.abort("the part could not be written"), () => {});
      return;
    }
    const durationMs = p.firstDecode === null
      ? 0
      : ((p.endDecode - p.firstDecode) / timescale) * 1000;
    try {
      const writer = await p.writer;
      await writer.finish({
        bytes: p.offset,
        sha256: p.hash.digest("hex"),
        frames: p.frames,
        durationMs: Math.round(durationMs),
        endedAt: Math.round(p.header.startedAt + durationMs),
      });
    } catch (e) {
      fail(p, e);
    }
  };

  const onEvent = async (g: Gen, r: RunState, event: Fmp4Event): Promise<void> => {
    if (g.abandoned) return;
    if (event.kind === "init") {
      r.init = event.bytes;
      r.timescale = event.info.timescale;
      // A new generation's first output: it takes over, and the old one finishes.
      dispatch({ type: "produced", no: g.no });
      if (current() !== g) return;
      if (pending) {
        segment = pending.segment;
        pending = null;
        g.cause = "segmentSwitch";
      }
      if (!segment) return;
      g.part = openPart(segment, g.cause, r.anchorWall);
      g.cause = "encoderRestart";
      await write(g.part, event.bytes, r.anchorWall);
      return;
    }
    if (r.anchorTicks === null) r.anchorTicks = event.decodeTime;
    const captureTime = r.anchorWall + ((event.decodeTime - r.anchorTicks) / r.timescale) * 1000;
    const halfFrame = 500 / options.frameRate;
    // Only the current encoder cuts segments; a retiring one finishes the part it has.
    if (pending && r.init && current() === g && captureTime >= pending.requestedAt - halfFrame) {
      if (g.part) await closePart(g.part, r.timescale);
      segment = pending.segment;
      pending = null;
      g.part = openPart(segment, "segmentSwitch", captureTime);
      await write(g.part, r.init, captureTime);
    }
    const part = g.part;
    if (!part) return;
    if (part.firstDecode === null) part.firstDecode = event.decodeTime;
    const rebased = rebaseFragment(event.bytes, {
      decodeTimeShift: part.firstDecode,
      sequenceNumber: part.seq++,
    });
    await write(part, rebased, captureTime);
    part.frames += event.samples;
    part.endDecode = event.decodeTime + event.duration;
  };

  const onOutput = (g: Gen, runNo: number, chunk: Uint8Array): Promise<void> =>
    enqueue(async () => {
      if (!g.run || g.run.run !== runNo) {
        g.run = {
          run: runNo,
          reader: createFragmentReader(),
          init: null,
          timescale: 1,
          // The grabbers take their first frame one period after they open, which is at
          // once after the spawn; ffmpeg's own timestamps are monotonic, not wall time.
          anchorWall: g.spawnedAt + 1000 / options.frameRate,
          anchorTicks: null,
        };
      }
      const r = g.run;
      for (const event of r.reader.push(chunk)) await onEvent(g, r, event);
    });

  const onRunEnded = (g: Gen, end: RunEnd): void => {
    void enqueue(async () => {
      const r = g.run;
      g.run = null;
      g.pid = null;
      if (r) {
        try {
          r.reader.end();
        } catch (e) {
          deps.log.warn("{name}: dropped the unfinished end of run {run}: {why}", {
            name,
            run: end.run,
            why: (e as Error).message,
          });
        }
      }
      if (g.part) await closePart(g.part, r?.timescale ?? 1);
      g.part = null;
      if (end.cause !== "finished" && !g.abandoned) {
        deps.log.warn(
          "{name}: ffmpeg {cause} (exit {code}); restart in {ms} ms. Last messages: {messages}",
          {
            name,
            cause: end.cause,
            code: end.code,
            ms: end.restartInMs,
            messages: end.lastMessages.join(" | ") || "none",
          },
        );
      }
      // A new generation that ends before writing anything never takes over (handover.ts).
      if (!r?.init) {
        const why = end.lastMessages.at(-1) ?? `ffmpeg ${end.cause} (exit ${end.code})`;
        dispatch({ type: "failed", no: g.no, why });
      }
    });
  };

  function spawnGeneration(no: number, carried: readonly TrackTap[], cause: PartCause): Gen {
    const plans = carried.map((t) => t.plan);
    const gen: Gen = {
      no,
      abandoned: false,
      cause,
      run: null,
      part: null,
      pid: null,
      spawnedAt: 0,
      views: carried.length,
      supervisor: createEncoderSupervisor(
        { clock: deps.clock, spawner: deps.spawner, log: deps.log },
        {
          command: options.ffmpegPath,
          name: carried.length > 0 ? `${name} (+${carried.length} live)` : name,
          ...(options.machine ? { machine: options.machine } : {}),
        },
        {
          args: (_run, failures) => options.args(failures, plans),
          extraOutputs: carried.length,
          onRunStarted: (_run, pid) => {
            gen.spawnedAt = deps.clock.now();
            gen.pid = pid;
            runs++;
            taps.runStarted(no, carried);
          },
          onOutput: (run, chunk) => onOutput(gen, run, chunk),
          onExtraOutput: (_run, index, chunk) => taps.output(no, index, chunk),
          onRunEnded: (end) => onRunEnded(gen, end),
          onGaveUp: (reason) => {
            if (current() === gen) {
              deps.onGaveUp(monitor.index, reason);
              taps.drop(taps.wanted().map((t) => t.id), `ffmpeg cannot start: ${reason}`);
            } else {
              dispatch({ type: "failed", no, why: reason });
            }
          },
        },
      ),
    };
    gen.supervisor.start();
    return gen;
  }

  return {
    start(seg, cause) {
      segment = seg;
      pending = null;
      startCause = cause;
      dispatch({ type: "start" });
    },
    switchSegment(seg) {
      const gen = current();
      if (gen && gen.supervisor.state().phase !== "stopped") {
        pending = { segment: seg, requestedAt: deps.clock.now() };
      } else {
        segment = seg;
      }
    },
    async finish() {
      const running = [...gens.values()];
      dispatch({ type: "finish" });
      await Promise.all(running.map((g) => g.supervisor.stop()));
      await tail;
    },
    killEncoder() {
      current()?.supervisor.killCurrent();
    },
    setTaps(wanted) {
      const before = taps.wanted();
      taps.want(wanted);
      const accepted = dispatch({ type: "setTaps", taps: wanted.map((t) => t.id) }) === true;
      if (!accepted) taps.want(before);
      return accepted;
    },
    taps: () => taps.wanted(),
    status() {
      const gen = current();
      return {
        display: monitor.index,
        encoder: options.encoder,
        phase: gen?.supervisor.state().phase ?? "stopped",
        segmentId: gen?.part?.header.segmentId ?? segment?.segmentId ?? null,
        part: gen?.part?.header.part ?? null,
        bytes,
        runs,
        pid: gen?.pid ?? null,
        liveViews: gen?.views ?? 0,
      };
    },
  };
}
