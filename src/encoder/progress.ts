/**
 * ffmpeg's stderr when run with `-progress pipe:2 -nostats -loglevel error`: blocks of
 * `key=value` lines, each block ending with `progress=continue` (or `progress=end` on the
 * way out), interleaved with the error lines ffmpeg logs. The reader splits the two: a
 * finished block is proof of life for the stall watchdog; error lines are kept (the last
 * few) so that a crash can be explained. Pure and incremental: stderr arrives in arbitrary
 * chunks.
 */

export interface ProgressBlock {
  /** Frames written so far by this ffmpeg. */
  readonly frame: number;
  /** Output time, microseconds; -1 while ffmpeg does not know it yet ("N/A"). */
  readonly outTimeUs: number;
  readonly dupFrames: number;
  readonly dropFrames: number;
  /** True on the last block, written as ffmpeg finishes. */
  readonly end: boolean;
}

export interface ProgressUpdate {
  readonly blocks: readonly ProgressBlock[];
  /** Lines that are not progress keys: ffmpeg's own messages. */
  readonly messages: readonly string[];
}

/** ffmpeg's progress keys; any other `word=...` line is a message like the rest. */
const KEYS = new Set([
  "frame",
  "fps",
  "bitrate",
  "total_size",
  "out_time_us",
  "out_time_ms",
  "out_time",
  "dup_frames",
  "drop_frames",
  "speed",
  "progress",
]);

/** A line this long without a newline is cut: stderr must not grow memory. */
const MAX_LINE = 4096;

function num(v: string | undefined, fallback: number): number {
  const n = Number(v);
  return v !== undefined && Number.isFinite(n) ? n : fallback;
}

export function createProgressReader(): { push(text: string): ProgressUpdate } {
  let partial = "";
  let block = new Map<string, string>();
  return {
    push(text) {
      const blocks: ProgressBlock[] = [];
      const messages: string[] = [];
      const lines = (partial + text).split(/\r?\n|\r/);
      partial = (lines.pop() ?? "").slice(0, MAX_LINE);
      for (const raw of lines) {
        const line = raw.trim();
        if (line === "") continue;
        const eq = line.indexOf("=");
        const key = eq > 0 ? line.slice(0, eq) : "";
        const stream = /^stream_\d+_\d+_q$/.test(key);
        if (!KEYS.has(key) && !stream) {
          messages.push(line.slice(0, MAX_LINE));
          continue;
        }
        const value = line.slice(eq + 1).trim();
        if (key !== "progress") {
          block.set(key, value);
          continue;
        }
        blocks.push({
          frame: num(block.get("frame"), 0),
          outTimeUs: num(block.get("out_time_us"), -1),
          dupFrames: num(block.get("dup_frames"), 0),
          dropFrames: num(block.get("drop_frames"), 0),
          end: value === "end",
        });
        block = new Map();
      }
      return { blocks, messages };
    },
  };
}
