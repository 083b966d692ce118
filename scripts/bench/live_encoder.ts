/**
 * The live view's encoder alone, offline (issue 8): what a carried view (capture/taps.ts) adds
 * to the recording's ffmpeg — its downscale and its libx264 — priced on the same frames, with
 * the preset as the variable. A lossless capture of the office scene (1920x1080, 5 fps) is
 * converted once as the recording converts it (BT.709 YUV 4:2:0) into raw frames; each arm
 * encodes those frames with the tap's exact filters and output options (`tapFilters`,
 * `outputArgs` of the agent's live plan) into a file, with only `-preset` changed. Reading raw
 * frames costs next to nothing, so ffmpeg's user CPU (`-benchmark`) is the tap's; one pass with
 * no encode prices the downscale alone. Quality: SSIM against the same frames scaled with
 * lanczos, uncompressed.
 *
 *     deno run --allow-all scripts/bench/live_encoder.ts [--seconds 30] [--loops 4] [--rounds 3]
 *       [--presets superfast,ultrafast]
 *
 * Arms alternate within each round, so a noisy machine hits them alike; the table gives the
 * median and the rounds. CPU is per second of video: % of one core. Markdown on stdout.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { conversionFilters, outputArgs } from "../../src/capture/pipeline.ts";
import { tapFilters } from "../../src/capture/taps.ts";
import type { CaptureArea, PipelinePlan } from "../../src/capture/types.ts";
import { buildLivePlan } from "../../src/live/live_args.ts";
import { startOfficeScene } from "../../src/platform/workplace/office_scene.ts";
import { startXvfb } from "./measure.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "30" },
    loops: { type: "string", default: "4" },
    rounds: { type: "string", default: "3" },
    presets: { type: "string", default: "superfast,ultrafast" },
  },
});
const SECONDS = Number(values.seconds);
const LOOPS = Number(values.loops);
const ROUNDS = Number(values.rounds);
const PRESETS = values.presets.split(",");
const WIDTH = 1920;
const HEIGHT = 1080;
const FPS = 5;

const progress = (line: string) =>
  Deno.stderr.writeSync(new TextEncoder().encode(`[live_encoder] ${line}\n`));

async function ffmpeg(args: readonly string[]): Promise<string> {
  const out = await new Deno.Command("ffmpeg", {
    args: ["-hide_banner", "-nostats", "-y", ...args],
    stdout: "null",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  if (out.code !== 0) throw new Error(`ffmpeg exited ${out.code}: ${stderr.trim().slice(-500)}`);
  return stderr;
}

/** User CPU seconds from `-benchmark`'s last line. */
function utime(stderr: string): number {
  const m = stderr.match(/bench: utime=([0-9.]+)s/);
  if (!m) throw new Error(`no -benchmark line in: ${stderr.slice(-300)}`);
  return Number(m[1]);
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

const dir = await Deno.makeTempDir({ prefix: "ah-live-encoder-" });
try {
  // The frames: a lossless capture of the scene, converted as the recording converts.
  const area: CaptureArea = {
    x: 0,
    y: 0,
    width: WIDTH,
    height: HEIGHT,
    capture: { kind: "x11", display: ":0.0" },
  };
  const recording: PipelinePlan = {
    backend: "x11grab",
    area,
    frameRate: FPS,
    keyframeIntervalSec: 2,
    encoder: "libx264",
    quality: { crf: 34, maxBitrateKbps: 0, maxHeight: 0 },
    drawCursor: true,
  };
  const live = buildLivePlan({ backend: "x11grab", area, drawCursor: true }, {
    frameRate: FPS,
  });
  const xvfb = await startXvfb({ screens: 1, width: WIDTH, height: HEIGHT });
  const lossless = join(dir, "scene.mkv");
  try {
    const scene = await startOfficeScene({
      display: xvfb.screens[0]!,
      width: WIDTH,
      height: HEIGHT,
    });
    try {
      await scene.restart();
      await new Promise((r) => setTimeout(r, 2000));
      progress(`capturing ${SECONDS} s of the office scene losslessly`);
      await ffmpeg([
        ...["-loglevel", "error", "-f", "x11grab", "-framerate", String(FPS), "-draw_mouse", "1"],
        ...["-video_size", `${WIDTH}x${HEIGHT}`, "-i", `${xvfb.screens[0]}+0,0`],
        ...["-t", String(SECONDS), "-c:v", "ffv1", "-level", "3", "-slices", "4", lossless],
      ]);
    } finally {
      await scene.stop();
    }
  } finally {
    await xvfb.stop();
  }
  const raw = join(dir, "frames.yuv");
  await ffmpeg([
    ...["-loglevel", "error", "-i", lossless],
    ...[
      "-vf",
      [...conversionFilters(recording), "format=yuv420p"].join(","),
      "-f",
      "rawvideo",
      raw,
    ],
  ]);
  const frames = (await Deno.stat(raw)).size / (WIDTH * HEIGHT * 1.5);
  const rawInput = (loops: number) => [
    ...(loops > 1 ? ["-stream_loop", String(loops - 1)] : []),
    ...["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", `${WIDTH}x${HEIGHT}`, "-r", String(FPS)],
    ...["-i", raw],
  ];
  const videoSeconds = (frames / FPS) * LOOPS;
  const filters = tapFilters(recording, live).join(",");
  const tapOutput = (preset: string, file: string) => {
    const args = outputArgs(live, file);
    const at = args.indexOf("-preset") + 1;
    if (at === 0) throw new Error("the live view's output has no -preset");
    return args.map((a, i) => (i === at ? preset : a));
  };
  const agentPreset = outputArgs(live, "-")[outputArgs(live, "-").indexOf("-preset") + 1];

  const arms = ["downscale only", ...PRESETS];
  const cpu = new Map<string, number[]>(arms.map((a) => [a, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const arm of arms) {
      const file = join(dir, `${arm.replaceAll(" ", "_")}.mp4`);
      const out = arm === "downscale only"
        ? ["-vf", filters, "-f", "null", "-"]
        : ["-vf", filters, ...tapOutput(arm, file)];
      const seconds = utime(await ffmpeg(["-benchmark", ...rawInput(LOOPS), ...out]));
      cpu.get(arm)!.push((100 * seconds) / videoSeconds);
      progress(`round ${round + 1}, ${arm}: ${((100 * seconds) / videoSeconds).toFixed(2)} %`);
    }
  }
  // Reading the frames alone, to take out of every arm.
  const reading = utime(await ffmpeg(["-benchmark", ...rawInput(LOOPS), "-f", "null", "-"]));
  const readPercent = (100 * reading) / videoSeconds;

  const reference = join(dir, "reference.yuv");
  const tall = live.quality.maxHeight;
  await ffmpeg([
    ...["-loglevel", "error", ...rawInput(1)],
    ...["-vf", `scale=w=-2:h=${tall}:flags=lanczos`, "-f", "rawvideo", reference],
  ]);
  const width = Math.round((WIDTH * tall) / HEIGHT / 2) * 2;
  const quality = async (file: string) => {
    const stderr = await ffmpeg([
      ...["-i", file, "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", `${width}x${tall}`],
      ...["-r", String(FPS), "-i", reference],
      ...["-lavfi", `[0:v]trim=end_frame=${frames}[a];[a][1:v]ssim`, "-f", "null", "-"],
    ]);
    return Number(stderr.match(/All:([0-9.]+)/)?.[1] ?? NaN);
  };

  const lines = [
    `Offline, ${frames} frames (${SECONDS} s) of the office scene at ${WIDTH}x${HEIGHT}, ${FPS} fps, ` +
    `read ${LOOPS} times per arm; ${ROUNDS} rounds, arms alternating. The tap: \`${filters}\`, ` +
    `then the live plan's libx264 options (the agent's preset now: ${agentPreset}). ` +
    `Reading the raw frames: ${readPercent.toFixed(2)} % (taken out below).`,
    "",
    "| arm | CPU, % of one core (median; rounds) | kbit/s | SSIM vs lanczos 720p |",
    "| --- | --- | --- | --- |",
  ];
  for (const arm of arms) {
    const runs = cpu.get(arm)!.map((p) => p - readPercent);
    const cell = `${median(runs).toFixed(2)} (${runs.map((p) => p.toFixed(2)).join(" / ")})`;
    if (arm === "downscale only") {
      lines.push(`| ${arm} | ${cell} | – | – |`);
      continue;
    }
    const file = join(dir, `${arm}.mp4`);
    const kbps = (8 * (await Deno.stat(file)).size) / videoSeconds / 1000;
    lines.push(`| ${arm} | ${cell} | ${kbps.toFixed(0)} | ${(await quality(file)).toFixed(4)} |`);
  }
  Deno.stdout.writeSync(new TextEncoder().encode(lines.join("\n") + "\n"));
} finally {
  await Deno.remove(dir, { recursive: true });
}
