/**
 * Test-only: real fragmented MP4 from the ffmpeg on PATH, made the way the agent asks for it,
 * so the reader and rewriter are checked against what they will really see rather than
 * against hand-made boxes. Produced once per test module: the recording's layout (a fragment
 * per keyframe interval) and the live view's (a fragment per frame).
 */
import { MP4_MOVFLAGS_LOW_LATENCY } from "../capture/pipeline.ts";
import { prng } from "../testing/fuzz.ts";

/** 6 s at 5 fps with a keyframe every 10 frames: 30 frames in 3 fragments. */
export const FRAMES = 30;

const ARGS = [
  "-hide_banner",
  "-loglevel",
  "error",
  "-f",
  "lavfi",
  "-i",
  "testsrc2=size=320x240:rate=5",
  "-t",
  "6",
  "-c:v",
  "libx264",
  "-preset",
  "ultrafast",
  "-g",
  "10",
  "-pix_fmt",
  "yuv420p",
  "-movflags",
  "+frag_keyframe+empty_moov+default_base_moof+skip_trailer",
  "-f",
  "mp4",
  "pipe:1",
];

let made: Promise<Uint8Array> | undefined;

/** ffmpeg's whole stdout for the command above. */
export function ffmpegOutput(): Promise<Uint8Array> {
  made ??= ffmpegStdout(ARGS);
  return made;
}

/** The live view's layout: a fragment per frame, a keyframe every {@link PER_FRAME_GOP}. */
export const PER_FRAME_GOP = 4;
const PER_FRAME_ARGS = [
  ...ARGS.slice(0, ARGS.indexOf("-g")),
  ...["-g", String(PER_FRAME_GOP), "-keyint_min", String(PER_FRAME_GOP), "-sc_threshold", "0"],
  ...["-bf", "0", "-pix_fmt", "yuv420p", "-movflags", MP4_MOVFLAGS_LOW_LATENCY],
  ...["-f", "mp4", "pipe:1"],
];
let madePerFrame: Promise<Uint8Array> | undefined;

/** {@link FRAMES} frames as {@link FRAMES} fragments (movflags frag_every_frame), -g 4. */
export function ffmpegPerFrameOutput(): Promise<Uint8Array> {
  madePerFrame ??= ffmpegStdout(PER_FRAME_ARGS);
  return madePerFrame;
}

async function ffmpegStdout(args: string[]): Promise<Uint8Array> {
  const out = await new Deno.Command("ffmpeg", { args, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) throw new Error(`ffmpeg failed: ${new TextDecoder().decode(out.stderr)}`);
  return out.stdout;
}

/** Cuts `bytes` into chunks of 1 to `max` bytes, seeded so a failure replays. */
export function randomChunks(bytes: Uint8Array, seed: number, max: number): Uint8Array[] {
  const random = prng(seed);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length;) {
    const n = 1 + Math.floor(random() * max);
    chunks.push(bytes.subarray(at, at + n));
    at += n;
  }
  return chunks;
}

/** Runs a tool and returns its stdout and stderr as text. */
export async function run(cmd: string, args: string[]): Promise<{ out: string; err: string }> {
  const result = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder();
  const out = text.decode(result.stdout);
  const err = text.decode(result.stderr);
  if (!result.success) throw new Error(`${cmd} failed (${result.code}): ${err}`);
  return { out, err };
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A box of `type` around `payload`, for hand-made streams. */
export function box(type: string, ...payload: Uint8Array[]): Uint8Array {
  const body = concatBytes(payload);
  const out = new Uint8Array(8 + body.length);
  new DataView(out.buffer).setUint32(0, out.length);
  out.set([...type].map((c) => c.charCodeAt(0)), 4);
  out.set(body, 8);
  return out;
}

/** Big-endian 32-bit words. */
export function u32(...values: number[]): Uint8Array {
  const out = new Uint8Array(4 * values.length);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setUint32(4 * i, v >>> 0));
  return out;
}
