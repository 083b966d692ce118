/**
 * The live views' shell (issue 8): for each `streamId` a low-latency encoding of one monitor,
 * its fMP4 read into fragments, a bounded {@link FragmentQueue}, and a sender that hands the
 * link one streamBlob at a time — the next only once the last left for the socket — so a slow
 * link fills the queue, whose drop policy keeps what is sent decodable, and never the agent's
 * memory.
 *
 * Where the encoding runs: while the monitor is being recorded, in the recording's own ffmpeg
 * (`host`, recording/recorder.ts LiveHost: one capture for both, which halves the cost of a
 * view; capture/taps.ts); otherwise in a supervised ffmpeg of the view's own. A view moves
 * between the two as the recording starts, pauses and stops: into the recording when its
 * encoders start (its own ffmpeg runs on until the recording's first init arrives), back to
 * its own when the recording drops it. Each move starts the viewer over at an init segment
 * and a keyframe. The recording never waits for a view: a carried view's pipe is read
 * whatever its link does, and its queue drops what cannot be sent.
 *
 * Every stream stops on `stopAll` (the registration is lost or closed, the agent stops):
 * AgentServer starts them again when it wants them.
 */
import type { Logger } from "@logtape/logtape";
import type { Clock } from "../clock/clock.ts";
import { buildEncoderArgs, CapturePlanInvalid } from "../capture/mod.ts";
import type { PipelinePlan } from "../capture/types.ts";
import type { ProcessSpawner } from "../encoder/process.ts";
import { createEncoderSupervisor, type EncoderSupervisor } from "../encoder/supervisor.ts";
import { createFragmentReader, type FragmentReader } from "../fmp4/mod.ts";
import { encodeStreamBlob, maxPayloadBytes } from "./blob.ts";
import {
  createFragmentQueue,
  DEFAULT_QUEUE_MAX_BYTES,
  type FragmentQueue,
  type FragmentQueueStats,
} from "./fragment_queue.ts";
import { buildLivePlan, DEFAULT_LIVE_FRAME_RATE, type LiveSource } from "./live_args.ts";
import type { LiveHost } from "../recording/recorder.ts";
import type { TrackTap } from "../recording/tap_router.ts";

export interface LiveRequestData {
  readonly streamId: string;
  readonly display: number;
  readonly frameRate?: number | undefined;
  readonly maxHeight?: number | undefined;
}

/** How a display is captured now, or why it cannot be. */
export type LiveSourceResult =
  | { readonly ok: true; readonly ffmpegPath: string; readonly source: LiveSource }
  | { readonly ok: false; readonly error: string };

export interface LiveViewsDeps {
  readonly clock: Clock;
  readonly spawner: ProcessSpawner;
  readonly log: Logger;
  source(display: number): Promise<LiveSourceResult>;
  /** Sends a streamBlob's text; false when it was not sent (the registration is not active). */
  send(text: string): Promise<boolean>;
  /** The recording's encoders, which carry views of the monitors they record. */
  readonly host?: LiveHost;
}

export interface LiveViewsOptions {
  /** Streams at once (each is an encoder's CPU). */
  readonly maxStreams: number;
  /** The wss3 message cap the blobs must fit. */
  readonly maxMessageBytes: number;
  readonly queueMaxBytes?: number;
}

export interface LiveStreamStatus extends FragmentQueueStats {
  readonly streamId: string;
  readonly display: number;
  readonly frameRate: number;
  /** Its own ffmpeg's pid, or null (none, or the recording's encoder carries the view). */
  readonly pid: number | null;
  /** The recording's encoder carries the view. */
  readonly carried: boolean;
}

export interface LiveViews {
  /** startStream: resolves with the reply's error, if any. */
  start(request: LiveRequestData): Promise<{ readonly error?: string }>;
  /** stopStream. */
  stop(streamId: string): Promise<{ readonly error?: string }>;
  stopAll(why: string): Promise<void>;
  status(): LiveStreamStatus[];
  /** Totals over every stream since start (ended ones included), for /metrics. */
  totals(): { readonly sentBytes: number; readonly droppedFragments: number; streams: number };
}

interface Stream {
  readonly request: LiveRequestData;
  readonly frameRate: number;
  readonly plan: PipelinePlan;
  readonly ffmpegPath: string;
  readonly queue: FragmentQueue;
  readonly tap: TrackTap;
  own: OwnEncoder | null;
  /** "joining": the recording's encoder took the view on, its first init is awaited. */
  carried: "no" | "joining" | "yes";
  sending: boolean;
  stopped: boolean;
}

/** A view's own ffmpeg, for when the recording's encoder does not carry it. */
interface OwnEncoder {
  readonly supervisor: EncoderSupervisor;
  reader: FragmentReader | null;
  pid: number | null;
}

export function createLiveViews(deps: LiveViewsDeps, options: LiveViewsOptions): LiveViews {
  const streams = new Map<string, Stream>();
  const ended = { sentBytes: 0, droppedFragments: 0 };

  /** Sends what the queue holds, one blob at a time. */
  const pump = async (s: Stream): Promise<void> => {
    if (s.sending) return;
    s.sending = true;
    try {
      for (let item = s.queue.take(); item && !s.stopped; item = s.queue.take()) {
        const text = encodeStreamBlob({
          streamId: s.request.streamId,
          seq: item.seq,
          init: item.kind === "init",
          bytes: item.bytes,
        }, options.maxMessageBytes);
        if (!(await deps.send(text))) {
          // Not active: this stream is about to be stopped with the registration.
          s.queue.newConsumer();
          break;
        }
      }
    } catch (e) {
      deps.log.error("live {id}: cannot send: {error}", {
        id: s.request.streamId,
        error: (e as Error).message,
      });
    } finally {
      s.sending = false;
    }
  };

  const startOwn = (s: Stream): void => {
    if (s.own || s.stopped) return;
    const id = s.request.streamId;
    const args = buildEncoderArgs(s.plan);
    const own: OwnEncoder = {
      reader: null,
      pid: null,
      supervisor: createEncoderSupervisor(
        { clock: deps.clock, spawner: deps.spawner, log: deps.log },
        { command: s.ffmpegPath, name: `live ${id}` },
        {
          args: () => args,
          onRunStarted(_run, pid) {
            own.pid = pid;
            own.reader = createFragmentReader();
          },
          onOutput(_run, chunk) {
            // Carried by the recording meanwhile: this encoder is on its way out.
            if (s.stopped || own.reader === null || s.carried === "yes") return Promise.resolve();
            for (const event of own.reader.push(chunk)) {
              if (event.kind === "init") s.queue.setInit(event.bytes);
              else s.queue.push({ bytes: event.bytes, keyframe: event.keyframe });
            }
            void pump(s);
            return Promise.resolve();
          },
          onRunEnded(e) {
            own.pid = null;
            own.reader = null;
            if (e.restartInMs !== null) {
              deps.log.warn("live {id}: ffmpeg ended ({cause}); again in {ms} ms", {
                id,
                cause: e.cause,
                ms: e.restartInMs,
              });
            }
          },
          onGaveUp(reason) {
            deps.log.error("live {id}: ffmpeg cannot start: {reason}", { id, reason });
            void end(s, "ffmpeg cannot start");
          },
        },
      ),
    };
    s.own = own;
    own.supervisor.start();
  };

  const stopOwn = (s: Stream): Promise<void> => {
    const own = s.own;
    s.own = null;
    return own ? own.supervisor.stop() : Promise.resolve();
  };

  /** Offers the view to the recording's encoder of its monitor; true when it took it on. */
  const offer = (s: Stream): boolean => {
    if (!deps.host || s.stopped || s.carried !== "no") return false;
    const why = deps.host.attach(s.request.display, s.tap);
    if (why !== null) {
      deps.log.debug("live {id}: not carried by the recording: {why}", {
        id: s.request.streamId,
        why,
      });
      return false;
    }
    s.carried = "joining";
    return true;
  };

  /** The feed the recording's encoder writes a carried view into. */
  const feed = (s: () => Stream): TrackTap["feed"] => ({
    init(bytes) {
      const stream = s();
      if (stream.stopped || stream.carried === "no") return;
      if (stream.carried === "joining") {
        stream.carried = "yes";
        void stopOwn(stream);
        deps.log.info("live {id}: carried by the recording's encoder", {
          id: stream.request.streamId,
        });
      }
      stream.queue.setInit(bytes);
      void pump(stream);
    },
    fragment(fragment) {
      const stream = s();
      if (stream.stopped || stream.carried !== "yes") return;
      stream.queue.push(fragment);
      void pump(stream);
    },
    dropped(why) {
      const stream = s();
      if (stream.stopped) return;
      deps.log.info("live {id}: on its own encoder again: {why}", {
        id: stream.request.streamId,
        why,
      });
      stream.carried = "no";
      startOwn(stream);
    },
  });

  deps.host?.onStarted((display) => {
    for (const s of streams.values()) if (s.request.display === display) offer(s);
  });

  const end = async (s: Stream, why: string): Promise<void> => {
    if (s.stopped) return;
    s.stopped = true;
    streams.delete(s.request.streamId);
    if (s.carried !== "no") deps.host?.detach(s.request.display, s.request.streamId);
    await stopOwn(s);
    const stats = s.queue.stats();
    ended.sentBytes += stats.sentBytes;
    ended.droppedFragments += stats.droppedFragments;
    deps.log.info("live {id}: stopped ({why}); {sent} bytes sent, {dropped} fragments dropped", {
      id: s.request.streamId,
      why,
      sent: stats.sentBytes,
      dropped: stats.droppedFragments,
    });
  };

  return {
    async start(request) {
      const id = request.streamId;
      if (streams.has(id)) return { error: `streamExists: ${id} is already streaming` };
      if (streams.size >= options.maxStreams) {
        return { error: `tooManyStreams: ${options.maxStreams} live views run already` };
      }
      const found = await deps.source(request.display);
      if (!found.ok) return { error: found.error };
      let plan: PipelinePlan;
      try {
        plan = buildLivePlan(found.source, request);
        buildEncoderArgs(plan);
      } catch (e) {
        if (e instanceof CapturePlanInvalid) return { error: `invalidParams: ${e.message}` };
        throw e;
      }
      if (streams.has(id)) return { error: `streamExists: ${id} is already streaming` };
      const frameRate = request.frameRate ?? DEFAULT_LIVE_FRAME_RATE;
      const stream: Stream = {
        request,
        frameRate,
        plan,
        ffmpegPath: found.ffmpegPath,
        queue: createFragmentQueue({
          maxBytes: options.queueMaxBytes ?? DEFAULT_QUEUE_MAX_BYTES,
          // One fragment a frame: at most one second of video waits for the link.
          maxFragments: frameRate,
          maxFragmentBytes: maxPayloadBytes(id, options.maxMessageBytes),
        }),
        tap: { id, plan, feed: feed(() => stream) },
        own: null,
        carried: "no",
        sending: false,
        stopped: false,
      };
      streams.set(id, stream);
      if (!offer(stream)) startOwn(stream);
      deps.log.info("live {id}: display {display} at {fps} fps{how}", {
        id,
        display: request.display,
        fps: frameRate,
        how: stream.carried === "no" ? "" : ", in the recording's encoder",
      });
      return {};
    },
    async stop(streamId) {
      const s = streams.get(streamId);
      if (!s) return { error: `unknownStream: ${streamId}` };
      await end(s, "stopStream");
      return {};
    },
    async stopAll(why) {
      await Promise.all([...streams.values()].map((s) => end(s, why)));
    },
    status() {
      return [...streams.values()].map((s) => ({
        streamId: s.request.streamId,
        display: s.request.display,
        frameRate: s.frameRate,
        pid: s.own?.pid ?? null,
        carried: s.carried === "yes",
        ...s.queue.stats(),
      }));
    },
    totals() {
      let sentBytes = ended.sentBytes;
      let droppedFragments = ended.droppedFragments;
      for (const s of streams.values()) {
        const stats = s.queue.stats();
        sentBytes += stats.sentBytes;
        droppedFragments += stats.droppedFragments;
      }
      return { sentBytes, droppedFragments, streams: streams.size };
    },
  };
}
