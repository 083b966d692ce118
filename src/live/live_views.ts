/**
 * The live views' shell (issue 8): one supervised low-latency ffmpeg per `streamId`, its fMP4
 * read into fragments, a bounded {@link FragmentQueue} per stream, and a sender that hands the
 * link one streamBlob at a time — the next only once the last left for the socket — so a slow
 * link fills the queue, whose drop policy keeps what is sent decodable, and never the agent's
 * memory. The recording never waits for any of it: the two share nothing but the screen.
 *
 * Every stream stops on `stopAll` (the registration is lost or closed, the agent stops):
 * AgentServer starts them again when it wants them.
 */
import type { Logger } from "@logtape/logtape";
import type { Clock } from "../clock/clock.ts";
import { CapturePlanInvalid } from "../capture/mod.ts";
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
import { buildLiveArgs, DEFAULT_LIVE_FRAME_RATE, type LiveSource } from "./live_args.ts";

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
  readonly pid: number | null;
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
  readonly queue: FragmentQueue;
  readonly supervisor: EncoderSupervisor;
  reader: FragmentReader | null;
  pid: number | null;
  sending: boolean;
  stopped: boolean;
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

  const end = async (s: Stream, why: string): Promise<void> => {
    if (s.stopped) return;
    s.stopped = true;
    streams.delete(s.request.streamId);
    await s.supervisor.stop();
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
      let args: string[];
      try {
        args = buildLiveArgs(found.source, request);
      } catch (e) {
        if (e instanceof CapturePlanInvalid) return { error: `invalidParams: ${e.message}` };
        throw e;
      }
      if (streams.has(id)) return { error: `streamExists: ${id} is already streaming` };
      const frameRate = request.frameRate ?? DEFAULT_LIVE_FRAME_RATE;
      const queue = createFragmentQueue({
        maxBytes: options.queueMaxBytes ?? DEFAULT_QUEUE_MAX_BYTES,
        // One fragment a frame: at most one second of video waits for the link.
        maxFragments: frameRate,
        maxFragmentBytes: maxPayloadBytes(id, options.maxMessageBytes),
      });
      const stream: Stream = {
        request,
        frameRate,
        queue,
        reader: null,
        pid: null,
        sending: false,
        stopped: false,
        supervisor: createEncoderSupervisor(
          { clock: deps.clock, spawner: deps.spawner, log: deps.log },
          { command: found.ffmpegPath, name: `live ${id}` },
          {
            args: () => args,
            onRunStarted(_run, pid) {
              stream.pid = pid;
              stream.reader = createFragmentReader();
            },
            onOutput(_run, chunk) {
              if (stream.stopped || stream.reader === null) return Promise.resolve();
              for (const event of stream.reader.push(chunk)) {
                if (event.kind === "init") queue.setInit(event.bytes);
                else queue.push({ bytes: event.bytes, keyframe: event.keyframe });
              }
              void pump(stream);
              return Promise.resolve();
            },
            onRunEnded(e) {
              stream.pid = null;
              stream.reader = null;
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
              void end(stream, "ffmpeg cannot start");
            },
          },
        ),
      };
      streams.set(id, stream);
      stream.supervisor.start();
      deps.log.info("live {id}: display {display} at {fps} fps", {
        id,
        display: request.display,
        fps: frameRate,
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
        pid: s.pid,
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
