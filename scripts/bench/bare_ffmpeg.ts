/**
 * The benchmark's baseline arm: bare ffmpeg grabbing one X screen with x11grab and encoding it
 * into a file, with the same settings the agent would use. Two kinds of run:
 *
 * - `runBareCapture`: the CPU run — ffmpeg's CPU over a window after a warm-up, its memory, and
 *   the output's bitrate.
 * - `captureWithReference`: the quality run — one capture written twice (the encode under test
 *   and a lossless FFV1 of the grabbed pixels) for quality.ts's SSIM. Its CPU is not counted:
 *   the reference encode costs far more than the one under test.
 */
import { clockTicksPerSecond, measureWindow, type MediaStats, mediaStats } from "./measure.ts";

export interface CaptureInput {
  /** X display of one screen, e.g. ":123.0". */
  readonly display: string;
  readonly width: number;
  readonly height: number;
  /** Frames per second; default 5. */
  readonly fps?: number;
  /** Draw the pointer into the frames (x11grab's default, and what an operator sees). */
  readonly drawMouse?: boolean;
}

/** ffmpeg input options grabbing `input`'s screen with x11grab. */
export function x11grabInput(input: CaptureInput): string[] {
  return [
    "-f",
    "x11grab",
    "-framerate",
    String(input.fps ?? 5),
    "-video_size",
    `${input.width}x${input.height}`,
    "-draw_mouse",
    input.drawMouse === false ? "0" : "1",
    "-i",
    input.display,
  ];
}

/** Fragmented MP4 as the agent streams it: a fragment per keyframe, no index at the end. */
export const FRAGMENTED_MP4: readonly string[] = [
  "-movflags",
  "+frag_keyframe+empty_moov+default_base_moof+skip_trailer",
  "-f",
  "mp4",
];

/** `-f null`: everything up to the muxer, nothing written — for capture/convert-only costs. */
export const NULL_OUTPUT: readonly string[] = ["-f", "null"];

export interface BareRunOptions {
  readonly input: CaptureInput;
  /** Output options: conversion, encoder, format (e.g. `[...encoderArgs, ...FRAGMENTED_MP4]`). */
  readonly outputArgs: readonly string[];
  /** Where to write, or "-" with NULL_OUTPUT. */
  readonly output: string;
  /** Left out of the window: ffmpeg's and x264's start-up, the first keyframe. Default 3 s. */
  readonly warmupSeconds?: number;
  /** The measuring window, s. Default 20. */
  readonly seconds?: number;
  readonly ticksPerSecond?: number;
}

export interface BareRunResult {
  /** ffmpeg's CPU over the window, % of one core. */
  readonly cpuPercent: number;
  /** ffmpeg's peak RSS, bytes. */
  readonly peakRss: number;
  /** The whole output file's stats; null for "-". */
  readonly media: MediaStats | null;
}

/** A running ffmpeg: its pid, its end, and a way to end it. */
export interface FfmpegRun {
  readonly pid: number;
  /** Resolves when ffmpeg exits, with its exit code and stderr. */
  readonly exited: Promise<{ code: number; stderr: string }>;
  /** Asks ffmpeg to quit ("q" on stdin, so the file is complete); kills it after 10 s. */
  stop(): Promise<{ code: number; stderr: string }>;
}

/** Starts ffmpeg with `args` (quiet, overwriting outputs). */
export function spawnFfmpeg(args: readonly string[]): FfmpegRun {
  const child = new Deno.Command("ffmpeg", {
    args: ["-hide_banner", "-nostats", "-loglevel", "error", "-y", ...args],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // Drained as it comes, so a chatty ffmpeg never blocks on a full pipe.
  const stderr = new Response(child.stderr).text();
  const exited = child.status.then(async (status) => ({
    code: status.code,
    stderr: await stderr,
  }));
  return {
    pid: child.pid,
    exited,
    stop: async () => {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode("q")).catch(() => {});
      await writer.close().catch(() => {});
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* exited */ }
      }, 10_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** The CPU run: starts ffmpeg, waits out the warm-up, measures a window, stops it. */
export async function runBareCapture(options: BareRunOptions): Promise<BareRunResult> {
  const ticksPerSecond = options.ticksPerSecond ?? await clockTicksPerSecond();
  const ffmpeg = spawnFfmpeg([
    ...x11grabInput(options.input),
    ...options.outputArgs,
    options.output,
  ]);
  const window = await (async () => {
    await new Promise((r) => setTimeout(r, (options.warmupSeconds ?? 3) * 1000));
    return await measureWindow(ffmpeg.pid, {
      seconds: options.seconds ?? 20,
      ticksPerSecond,
      rootOnly: true,
    });
  })().finally(() => ffmpeg.stop());
  const { code, stderr } = await ffmpeg.exited;
  // 255: ffmpeg's exit code when "q" arrives before its first frame is out.
  if (code !== 0 && code !== 255) throw new Error(`ffmpeg exited ${code}: ${stderr.trim()}`);
  return {
    cpuPercent: window.cpuPercent,
    peakRss: window.rootPeakRss,
    media: options.output === "-" ? null : await mediaStats(options.output),
  };
}

export interface ReferenceRunOptions {
  readonly input: CaptureInput;
  /** Output options of the encode under test, exactly as in the CPU run. */
  readonly outputArgs: readonly string[];
  readonly testPath: string;
  /** Written as FFV1 in Matroska, the grabbed bgr0 pixels bit for bit. */
  readonly referencePath: string;
  /** Length of the capture, s. Default 15. */
  readonly seconds?: number;
}

/**
 * The quality run: one x11grab feeding two outputs, so both hold the very same frames. Both are
 * forced to constant frame rate (mp4's default anyway): ffmpeg drops or repeats frames per
 * output, and doing it by the same rule on the same timestamps keeps the two in step.
 */
export async function captureWithReference(options: ReferenceRunOptions): Promise<void> {
  const fps = String(options.input.fps ?? 5);
  const ffmpeg = spawnFfmpeg([
    "-t",
    String(options.seconds ?? 15),
    ...x11grabInput(options.input),
    "-map",
    "0:v",
    ...options.outputArgs,
    "-fps_mode",
    "cfr",
    "-r",
    fps,
    options.testPath,
    "-map",
    "0:v",
    "-c:v",
    "ffv1",
    "-level",
    "3",
    "-slices",
    "4",
    "-threads",
    "2",
    "-fps_mode",
    "cfr",
    "-r",
    fps,
    "-f",
    "matroska",
    options.referencePath,
  ]);
  // -t ends the run; "q" only if it is still going long after.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((r) => {
    timer = setTimeout(() => r(null), ((options.seconds ?? 15) + 30) * 1000);
  });
  const result = await Promise.race([ffmpeg.exited, late]);
  clearTimeout(timer);
  const { code, stderr } = result ?? await ffmpeg.stop();
  if (!result || code !== 0) {
    throw new Error(`quality capture failed (exit ${code}): ${stderr.trim()}`);
  }
}
