/**
 * What a recorded file really holds, read by ffprobe/ffmpeg (test-only): codec, size, frame
 * count, timestamps, and whether it decodes to its end without an error.
 */
import { toHex } from "../util/hex.ts";

export interface ProbedVideo {
  readonly codec: string;
  readonly width: number;
  readonly height: number;
  readonly pixFmt: string;
  readonly frames: number;
  /** Presentation time of every frame, seconds. */
  readonly frameTimes: readonly number[];
}

async function run(
  command: string,
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  const r = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" }).output();
  const d = new TextDecoder();
  return { code: r.code, out: d.decode(r.stdout), err: d.decode(r.stderr) };
}

export async function probeVideo(file: string): Promise<ProbedVideo> {
  const r = await run("ffprobe", [
    "-v",
    "error",
    "-select_streams",
    "v:0",
    "-show_entries",
    "stream=codec_name,width,height,pix_fmt:frame=pts_time,best_effort_timestamp_time",
    "-show_frames",
    "-of",
    "json",
    file,
  ]);
  if (r.code !== 0) throw new Error(`ffprobe ${file} failed: ${r.err.trim()}`);
  const json = JSON.parse(r.out) as {
    streams: { codec_name: string; width: number; height: number; pix_fmt: string }[];
    frames: { pts_time?: string; best_effort_timestamp_time?: string }[];
  };
  const stream = json.streams[0];
  if (!stream) throw new Error(`${file} has no video stream`);
  const frameTimes = json.frames.map((f) => Number(f.pts_time ?? f.best_effort_timestamp_time));
  return {
    codec: stream.codec_name,
    width: stream.width,
    height: stream.height,
    pixFmt: stream.pix_fmt,
    frames: frameTimes.length,
    frameTimes,
  };
}

/** ffmpeg's complaints while decoding the whole file; empty when it plays to its end. */
export async function decodeErrors(file: string): Promise<string> {
  const r = await run("ffmpeg", ["-v", "error", "-i", file, "-f", "null", "-"]);
  return (r.err + (r.code === 0 ? "" : `\nexit code ${r.code}`)).trim();
}

export async function sha256File(file: string): Promise<string> {
  const bytes = await Deno.readFile(file);
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return toHex(new Uint8Array(digest));
}

/**
 * Pids of the live children of `parent` named `name` (Linux /proc) whose command line
 * contains `arg`, if given: tests running in parallel share one process, so a test tells its
 * own encoders by their X display.
 */
export function childProcesses(parent: number, name = "ffmpeg", arg?: string): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      // pid (comm) state ppid ...: comm may hold spaces, so split after the last ")".
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (comm !== name || Number(ppid) !== parent || state === "Z") continue;
      const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).split("\0");
      if (arg === undefined || cmdline.some((a) => a.includes(arg))) found.push(Number(entry.name));
    } catch { /* gone meanwhile */ }
  }
  return found;
}

/** Whether a process with this pid exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
