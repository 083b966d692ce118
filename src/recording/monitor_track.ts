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
 * Every sink operation goes through one queue, in order; `onOutput` returns the queue's tail,
 * so a slow sink slows the reading of ffmpeg's pipe instead of growing memory.
 */
import { createHash } from "node:crypto";
import type { Logger } from "@logtape/logtape";
import type { Clock } from "../clock/clock.ts";
import type { EncoderMachineOptions } from "../encoder/machine.ts";
import type { ProcessSpawner } from "../encoder/process.ts";
import {
  createEncoderSupervisor,
  type EncoderSupervisor,
  type RunEnd,
} from "../encoder/supervisor.ts";
import { createFragmentReader, type Fmp4Event, rebaseFragment } from "../fmp4/mod.ts";
import type { SegmentSpec } from "./machine.ts";
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
  /** ffmpeg's argv for a run; `failures` counts consecutive failed runs (for fallbacks). */
  args(failures: number): readonly string[];
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

export function createMonitorTrack(
  deps: MonitorTrackDeps,
  options: MonitorTrackOptions,
): MonitorTrack {
  const { monitor } = options;
  const name = `display ${monitor.index}`;
  let supervisor: EncoderSupervisor | null = null;
  let segment: SegmentSpec | null = null;
  let pending: { segment: SegmentSpec; requestedAt: number } | null = null;
  let nextCause: PartCause = "segmentStart";
  let part: OpenPart | null = null;
  let run: RunState | null = null;
  let pid: number | null = null;
  let spawnedAt = 0;
  let runs = 0;
  let bytes = 0;
  let tail: Promise<void> = Promise.resolve();
  /** The caller gets the operation's own outcome; the queue goes on after a failure. */
  const enqueue = (op: () => Promise<void>): Promise<void> => {
    const done = tail.then(op);
    tail = done.catch(() => {});
    return done;
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

  const onEvent = async (r: RunState, event: Fmp4Event): Promise<void> => {
    if (event.kind === "init") {
      r.init = event.bytes;
      r.timescale = event.info.timescale;
      if (pending) {
        segment = pending.segment;
        pending = null;
        nextCause = "segmentSwitch";
      }
      if (!segment) return;
      part = openPart(segment, nextCause, r.anchorWall);
      nextCause = "encoderRestart";
      await write(part, event.bytes, r.anchorWall);
      return;
    }
    if (r.anchorTicks === null) r.anchorTicks = event.decodeTime;
    const captureTime = r.anchorWall + ((event.decodeTime - r.anchorTicks) / r.timescale) * 1000;
    const halfFrame = 500 / options.frameRate;
    if (pending && r.init && captureTime >= pending.requestedAt - halfFrame) {
      if (part) await closePart(part, r.timescale);
      segment = pending.segment;
      pending = null;
      part = openPart(segment, "segmentSwitch", captureTime);
      await write(part, r.init, captureTime);
    }
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

  const onOutput = (runNo: number, chunk: Uint8Array): Promise<void> =>
    enqueue(async () => {
      if (!run || run.run !== runNo) {
        run = {
          run: runNo,
          reader: createFragmentReader(),
          init: null,
          timescale: 1,
          // The grabbers take their first frame one period after they open, which is at
          // once after the spawn; ffmpeg's own timestamps are monotonic, not wall time.
          anchorWall: spawnedAt + 1000 / options.frameRate,
          anchorTicks: null,
        };
      }
      const r = run;
      for (const event of r.reader.push(chunk)) await onEvent(r, event);
    });

  const onRunEnded = (end: RunEnd): void => {
    void enqueue(async () => {
      const r = run;
      run = null;
      pid = null;
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
      if (part) await closePart(part, r?.timescale ?? 1);
      part = null;
      if (end.cause !== "finished") {
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
    });
  };

  return {
    start(seg, cause) {
      segment = seg;
      pending = null;
      nextCause = cause;
      supervisor = createEncoderSupervisor(
        { clock: deps.clock, spawner: deps.spawner, log: deps.log },
        {
          command: options.ffmpegPath,
          name,
          ...(options.machine ? { machine: options.machine } : {}),
        },
        {
          args: (_run, failures) => options.args(failures),
          onRunStarted: (_run, p) => {
            spawnedAt = deps.clock.now();
            pid = p;
            runs++;
          },
          onOutput,
          onRunEnded,
          onGaveUp: (reason) => deps.onGaveUp(monitor.index, reason),
        },
      );
      supervisor.start();
    },
    switchSegment(seg) {
      if (supervisor && supervisor.state().phase !== "stopped") {
        pending = { segment: seg, requestedAt: deps.clock.now() };
      } else {
        segment = seg;
      }
    },
    async finish() {
      const s = supervisor;
      supervisor = null;
      if (s) await s.stop();
      await tail;
    },
    killEncoder() {
      supervisor?.killCurrent();
    },
    status() {
      return {
        display: monitor.index,
        encoder: options.encoder,
        phase: supervisor?.state().phase ?? "stopped",
        segmentId: part?.header.segmentId ?? segment?.segmentId ?? null,
        part: part?.header.part ?? null,
        bytes,
        runs,
        pid,
      };
    },
  };
}
