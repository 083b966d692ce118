/**
 * Encoder-settings exploration: on the office scene, one 1920x1080 screen at 5 fps, keyframes
 * every 2 s, runs bare ffmpeg (x11grab → yuv420p → libx264 → fragmented MP4 file) once per
 * candidate setting (candidates.ts), one after another, and prints % of one core, kbit/s and
 * SSIM side by side, against the targets (≤ 7 % of a core, ≤ 300 kbit/s, SSIM ≥ 0.97).
 *
 * Each candidate gets a CPU run (window after a warm-up, ffmpeg alone counted) and, for encodes,
 * a separate quality run (the same capture also written losslessly; SSIM against that). The
 * scene restarts before every run, so all see the same pixels at the same offsets.
 *
 *     deno run --allow-all scripts/bench/encoder_settings.ts [--only a,b] [--seconds 20]
 *       [--quality-seconds 10] [--no-quality] [--repeat 1] [--density typical|dense] [--keep]
 *
 * --only picks candidates by name: a comma-separated list, `*` matching anything (e.g.
 * `--only "601 superfast,bgr24*"`). --repeat N runs each CPU window N times and shows the median
 * and the runs. Output: a Markdown table.
 */
import { parseArgs } from "node:util";
import {
  captureWithReference,
  FRAGMENTED_MP4,
  NULL_OUTPUT,
  runBareCapture,
} from "./bare_ffmpeg.ts";
import { type Candidate, CANDIDATES } from "./candidates.ts";
import { clockTicksPerSecond, type Ssim, ssim, startXvfb } from "./measure.ts";
import { type SceneDensity, startOfficeScene } from "../../src/platform/workplace/office_scene.ts";

const WIDTH = 1920;
const HEIGHT = 1080;
const FPS = 5;

const encoder = new TextEncoder();
/** A line on stdout: the table is this script's output, not a log. */
const out = (line: string) => Deno.stdout.writeSync(encoder.encode(line + "\n"));

interface Row {
  readonly candidate: Candidate;
  readonly cpu: readonly number[];
  readonly kbps: number | null;
  readonly frames: number | null;
  readonly peakRssMb: number;
  readonly ssim: Ssim | null;
}

/** A --only pattern: the whole name, `*` standing for any run of characters. */
function glob(pattern: string): RegExp {
  const escaped = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${escaped.join(".*")}$`);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A value with "!" when it misses its target. */
const mark = (text: string, ok: boolean) => ok ? text : `${text} !`;

const HEADER = "| candidate | % core | runs | kbit/s | SSIM | SSIM Y | worst frame | frames | " +
  "ffmpeg RSS MB | output args after the x11grab input |\n" +
  "| --- | --: | --- | --: | --: | --: | --: | --: | --: | --- |";

function formatRow(row: Row): string {
  const cpu = median(row.cpu);
  const q = row.ssim;
  const cells = [
    row.candidate.name,
    mark(cpu.toFixed(1), cpu <= 7),
    row.cpu.length > 1 ? row.cpu.map((c) => c.toFixed(1)).join(" / ") : "",
    row.kbps === null ? "–" : mark(row.kbps.toFixed(0), row.kbps <= 300),
    q === null ? "–" : mark(q.all.toFixed(4), q.all >= 0.97),
    q === null ? "–" : q.y.toFixed(4),
    q === null ? "–" : q.minAll.toFixed(4),
    String(row.frames ?? "–"),
    row.peakRssMb.toFixed(0),
    "`" + (row.candidate.kind === "null" ? "(no encode) " : "") + row.candidate.args.join(" ") +
    "`",
  ];
  return `| ${cells.join(" | ")} |`;
}

async function main(): Promise<void> {
  const { values: flags } = parseArgs({
    args: Deno.args,
    options: {
      only: { type: "string" },
      seconds: { type: "string", default: "20" },
      "quality-seconds": { type: "string", default: "10" },
      repeat: { type: "string", default: "1" },
      density: { type: "string", default: "typical" },
      "no-quality": { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
    },
  });
  const seconds = Number(flags.seconds);
  const qualitySeconds = Number(flags["quality-seconds"]);
  const repeat = Number(flags.repeat);
  const density = flags.density as SceneDensity;
  if (density !== "typical" && density !== "dense") {
    throw new Error(`--density is typical or dense, not ${flags.density}`);
  }
  const only = flags.only?.split(",").filter((s) => s !== "");
  const candidates = only
    ? CANDIDATES.filter((c) => only.some((o) => glob(o).test(c.name)))
    : CANDIDATES;
  if (candidates.length === 0) throw new Error(`no candidate matches --only ${flags.only}`);

  const ticksPerSecond = await clockTicksPerSecond();
  const dir = await Deno.makeTempDir({ prefix: "bench-encoder-" });
  const xvfb = await startXvfb({ screens: 1, width: WIDTH, height: HEIGHT });
  const display = xvfb.screens[0]!;
  const input = { display, width: WIDTH, height: HEIGHT, fps: FPS };
  try {
    const scene = await startOfficeScene({
      display,
      width: WIDTH,
      height: HEIGHT,
      seed: 1,
      density,
    });
    try {
      out(HEADER);
      for (const [i, candidate] of candidates.entries()) {
        const encode = candidate.kind === "encode";
        const outputArgs = [...candidate.args, ...(encode ? FRAGMENTED_MP4 : NULL_OUTPUT)];
        const cpu: number[] = [];
        let kbps: number | null = null;
        let frames: number | null = null;
        let peakRss = 0;
        for (let r = 0; r < repeat; r++) {
          await scene.restart();
          const result = await runBareCapture({
            input,
            outputArgs,
            output: encode ? `${dir}/${i}-cpu.mp4` : "-",
            seconds,
            ticksPerSecond,
          });
          cpu.push(result.cpuPercent);
          kbps = result.media?.kbps ?? null;
          frames = result.media?.frames ?? null;
          peakRss = Math.max(peakRss, result.peakRss);
        }
        let quality: Ssim | null = null;
        if (encode && !flags["no-quality"]) {
          await scene.restart();
          const testPath = `${dir}/${i}-test.mp4`;
          const referencePath = `${dir}/${i}-ref.mkv`;
          await captureWithReference({
            input,
            outputArgs,
            testPath,
            referencePath,
            seconds: qualitySeconds,
          });
          quality = await ssim(testPath, referencePath, candidate.matrix);
          // The lossless reference is ~1 GB a minute; keep it only when asked.
          if (!flags.keep) await Deno.remove(referencePath);
        }
        out(
          formatRow({ candidate, cpu, kbps, frames, peakRssMb: peakRss / 2 ** 20, ssim: quality }),
        );
      }
    } finally {
      await scene.stop();
    }
  } finally {
    await xvfb.stop();
    if (!flags.keep) await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  out(
    `\n${WIDTH}x${HEIGHT} @ ${FPS} fps, ${density} scene; CPU: ffmpeg alone over ${seconds} s ` +
      `after a 3 s warm-up; kbit/s: the CPU run's whole file; quality run ${qualitySeconds} s. ` +
      `"!" misses a target (≤ 7 % of a core, ≤ 300 kbit/s, SSIM ≥ 0.97).` +
      (flags.keep ? ` Files kept in ${dir}.` : ""),
  );
}

if (import.meta.main) await main();
