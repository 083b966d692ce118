/**
 * The benchmark's measuring kit, in one import for every arm (bare ffmpeg here, the agent in the
 * lead's recording.ts): Xvfb with k screens, CPU and memory of any pid's process tree, bitrate of
 * an output, SSIM against a lossless reference. The pieces live in their own files; this adds
 * the window measurement that puts them together.
 *
 * Typical use for a process the caller started (the agent, or ffmpeg):
 *
 *     const ticks = await clockTicksPerSecond();
 *     const m = await measureWindow(pid, { seconds: 20, ticksPerSecond: ticks });
 *     m.cpuPercent; // % of one core, pid and all its descendants
 */
import {
  clockTicksPerSecond,
  cpuPercent,
  processTree,
  readMemory,
  sampleCpu,
} from "./proc_stats.ts";

export { startXvfb, type XvfbOptions, type XvfbServer } from "./xvfb.ts";
export {
  clockTicksPerSecond,
  cpuPercent,
  type CpuSample,
  type Memory,
  processTree,
  readMemory,
  sampleCpu,
  treeRss,
} from "./proc_stats.ts";
export { type ColorMatrix, parseSsimSummary, type Ssim, ssim } from "./quality.ts";

/** kbit/s (1000 bits) of `bytes` over `seconds`. */
export function kbitPerSecond(bytes: number, seconds: number): number {
  return seconds > 0 ? bytes * 8 / 1000 / seconds : 0;
}

/** What an encoded file holds: its size, its frames and the time they span. */
export interface MediaStats {
  /** File size, container included (what a pipe reader would receive). */
  readonly bytes: number;
  readonly frames: number;
  /** First frame's start to last frame's end, from the packets' timestamps. */
  readonly seconds: number;
  readonly kbps: number;
}

/** Reads a file's video packets with ffprobe (works on fragmented MP4 without an index). */
export async function mediaStats(path: string): Promise<MediaStats> {
  const out = await new Deno.Command("ffprobe", {
    args: [
      "-v",
      "error",
      "-select_streams",
      "v:0",
      "-show_entries",
      "packet=pts_time,duration_time",
      "-of",
      "csv=p=0",
      path,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`ffprobe ${path} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  let first = Infinity;
  let end = -Infinity;
  let frames = 0;
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const [pts, duration] = line.split(",").map(Number);
    if (pts === undefined || !Number.isFinite(pts)) continue;
    frames++;
    first = Math.min(first, pts);
    end = Math.max(end, pts + (Number.isFinite(duration) ? duration! : 0));
  }
  const bytes = (await Deno.stat(path)).size;
  const seconds = frames > 0 ? end - first : 0;
  return { bytes, frames, seconds, kbps: kbitPerSecond(bytes, seconds) };
}

export interface WindowOptions {
  /** Length of the window, s. */
  readonly seconds: number;
  /** From {@link clockTicksPerSecond}; read once and passed in to keep the window exact. */
  readonly ticksPerSecond?: number;
  /** Count `pid` alone instead of its whole tree; default false. */
  readonly rootOnly?: boolean;
  /** How often memory is sampled, ms; default 1000. */
  readonly memoryEveryMs?: number;
}

/** A process tree over a measuring window. */
export interface WindowResult {
  /** % of one core used by the tree (or the root alone) over the window. */
  readonly cpuPercent: number;
  /** Wall time of the window, s (slightly more than asked: the samples take time). */
  readonly seconds: number;
  /** The root's largest VmRSS sampled in the window, bytes. */
  readonly rootRss: number;
  /** The root's VmHWM at the end: its peak RSS since it started, bytes. */
  readonly rootPeakRss: number;
  /** The root's largest RssAnon sampled in the window (its private memory), bytes. */
  readonly rootAnonRss: number;
  /** The root's largest RssFile sampled in the window (mapped files: its executable), bytes. */
  readonly rootFileRss: number;
  /** The largest RSS sum over the tree sampled in the window, bytes. */
  readonly treeRss: number;
  /** Every process seen in the tree at either end, with its name (e.g. "ffmpeg"). */
  readonly processes: readonly { pid: number; name: string }[];
}

function processName(pid: number): string {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/comm`).trim();
  } catch {
    return "?";
  }
}

/**
 * Measures `pid`'s tree for `seconds` from now: CPU between a sample now and one at the end,
 * memory every `memoryEveryMs`. The processes must stay alive until it returns.
 */
export async function measureWindow(pid: number, options: WindowOptions): Promise<WindowResult> {
  const ticks = options.ticksPerSecond ?? await clockTicksPerSecond();
  const tree = !options.rootOnly;
  let rootRss = 0;
  let rootAnonRss = 0;
  let rootFileRss = 0;
  let treeRss = 0;
  const sampleMemory = () => {
    const pids = tree ? processTree(pid) : [pid];
    let sum = 0;
    for (const p of pids) {
      const memory = readMemory(p);
      const rss = memory?.rss ?? 0;
      sum += rss;
      if (p === pid) {
        rootRss = Math.max(rootRss, rss);
        rootAnonRss = Math.max(rootAnonRss, memory?.anonRss ?? 0);
        rootFileRss = Math.max(rootFileRss, memory?.fileRss ?? 0);
      }
    }
    treeRss = Math.max(treeRss, sum);
  };
  const names = new Map<number, string>();
  const nameAll = (pids: readonly number[]) => {
    for (const p of pids) if (!names.has(p)) names.set(p, processName(p));
  };
  const start = sampleCpu(pid, tree);
  nameAll(start.pids);
  sampleMemory();
  const timer = setInterval(sampleMemory, options.memoryEveryMs ?? 1000);
  await new Promise((r) => setTimeout(r, options.seconds * 1000));
  clearInterval(timer);
  const end = sampleCpu(pid, tree);
  nameAll(end.pids);
  sampleMemory();
  return {
    cpuPercent: cpuPercent(start, end, ticks),
    seconds: (end.at - start.at) / 1000,
    rootRss,
    rootPeakRss: readMemory(pid)?.peakRss ?? 0,
    rootAnonRss,
    rootFileRss,
    treeRss,
    processes: [...names].map(([p, name]) => ({ pid: p, name })),
  };
}
