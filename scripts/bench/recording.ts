/**
 * The recording benchmark (issue 5): the office-like scene on one and on two 1920x1080 monitors
 * at 5 fps, recorded by the whole agent (its own process, registered on a reference AgentServer,
 * recording into its file sink) and, side by side in the same run, by bare ffmpeg with exactly the
 * agent's argv (`buildEncoderArgs`) writing into a file. Then the quality run: the same encoder
 * settings against a lossless capture of the same frames (SSIM).
 *
 *   node_modules/.bin/deno run --allow-all scripts/bench/recording.ts [--seconds 20]
 *
 * Prints a Markdown table for docs/benchmarks.md. CPU is % of one core over the window, for the
 * agent's whole process tree (agent + its ffmpegs) and for the bare ffmpegs together.
 */
import { parseArgs } from "node:util";
import { buildEncoderArgs } from "../../src/capture/mod.ts";
import { configSchema } from "../../src/config/schema.ts";
import { denoCommandRunner } from "../../src/process/runner.ts";
import {
  startAgentProcess,
  startRecordingWhenReady,
  storedWhenUploaded,
} from "../../src/testing/agent_process.ts";
import type { Monitor } from "../../src/workstation/displays.ts";
import { x11DisplayLister } from "../../src/workstation/displays_x11.ts";
import { captureWithReference, spawnFfmpeg } from "./bare_ffmpeg.ts";
import { clockTicksPerSecond, kbitPerSecond, measureWindow, ssim, startXvfb } from "./measure.ts";
import { startOfficeScene } from "../../src/platform/workplace/office_scene.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "20" },
    warmup: { type: "string", default: "3" },
    /**
     * Diagnostic, not the agent's configuration: more agent arms after the measured one, each
     * with extra V8 flags and/or environment, or an empty Deno cache of its own (`coldCache`:
     * `deno run` transpiles the whole agent at its start), as JSON
     * `[{"name":"…","v8":["--flag"],"env":{"NAME":"value"},"coldCache":true}]`.
     */
    variants: { type: "string" },
  },
});
interface Variant {
  readonly name: string;
  readonly v8?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly coldCache?: boolean;
}
const VARIANTS = values.variants ? JSON.parse(values.variants) as Variant[] : [];
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const FPS = 5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The agent's defaults, so that the bare arm encodes exactly as the agent does. */
const CAPTURE_DEFAULTS = configSchema.parse({}).capture;

function agentArgs(monitor: Monitor): string[] {
  return buildEncoderArgs({
    backend: "x11grab",
    area: monitor,
    frameRate: FPS,
    keyframeIntervalSec: CAPTURE_DEFAULTS.keyframeIntervalSec,
    encoder: "libx264",
    quality: CAPTURE_DEFAULTS.quality,
    drawCursor: CAPTURE_DEFAULTS.drawCursor,
  });
}

interface Row {
  monitors: number;
  arm: string;
  cpu: number;
  kbps: number;
  /** The agent's peak RSS (VmHWM), its largest RssAnon and RssFile; MB = 10^6 bytes. */
  rssMb: number;
  anonMb: number;
  fileMb: number;
}

async function bareArm(monitors: Monitor[], ticks: number, dir: string): Promise<Row> {
  const runs = monitors.map((m, i) => {
    const args = agentArgs(m);
    // The agent's argv, writing a file instead of its pipe; spawnFfmpeg adds its own -hide_banner.
    args[args.length - 1] = `${dir}/bare-${i}.mp4`;
    return spawnFfmpeg(args.filter((a) => a !== "-hide_banner"));
  });
  const t0 = Date.now();
  await sleep(WARMUP * 1000);
  const windows = await Promise.all(
    runs.map((r) => measureWindow(r.pid, { seconds: SECONDS, ticksPerSecond: ticks })),
  );
  const seconds = (Date.now() - t0) / 1000;
  await Promise.all(runs.map((r) => r.stop()));
  let bytes = 0;
  for (let i = 0; i < monitors.length; i++) bytes += (await Deno.stat(`${dir}/bare-${i}.mp4`)).size;
  return {
    monitors: monitors.length,
    arm: "bare ffmpeg",
    cpu: windows.reduce((a, w) => a + w.cpuPercent, 0),
    kbps: kbitPerSecond(bytes, seconds) / monitors.length,
    rssMb: 0,
    anonMb: 0,
    fileMb: 0,
  };
}

async function agentArm(
  display: string,
  count: number,
  ticks: number,
  variant?: Variant,
): Promise<Row> {
  const coldCache = variant?.coldCache ? await Deno.makeTempDir({ prefix: "bench-deno-" }) : null;
  const agent = await startAgentProcess({
    display,
    env: {
      AGENT_HELPER_LOG_LEVEL: "info",
      AGENT_HELPER_CAPTURE_FRAME_RATE: String(FPS),
      ...(coldCache ? { DENO_DIR: coldCache } : {}),
      ...variant?.env,
    },
    ...(variant?.v8 ? { extraV8Flags: variant.v8 } : {}),
  });
  try {
    const t0 = Date.now();
    await startRecordingWhenReady(agent, { segmentId: "bench" });
    await sleep(WARMUP * 1000);
    const w = await measureWindow(agent.pid, { seconds: SECONDS, ticksPerSecond: ticks });
    const r = await agent.command("stopScreenRecord", {});
    if (r.result !== "success") throw new Error(JSON.stringify(r));
    const seconds = (Date.now() - t0) / 1000;
    // Finished parts go on uploading for a moment after the stop's reply.
    const stored = await storedWhenUploaded(agent, count);
    const bytes = stored.reduce((a, r) => a + (r.size ?? 0), 0);
    const encoders = w.processes.filter((p) => p.name === "ffmpeg").length;
    if (encoders !== count) throw new Error(`${encoders} encoders for ${count} monitors`);
    return {
      monitors: count,
      arm: variant ? `agent (${variant.name})` : "agent + its ffmpegs",
      cpu: w.cpuPercent,
      kbps: kbitPerSecond(bytes, seconds) / count,
      rssMb: w.rootPeakRss / 1e6,
      anonMb: w.rootAnonRss / 1e6,
      fileMb: w.rootFileRss / 1e6,
    };
  } finally {
    await agent.stop();
    if (coldCache) await Deno.remove(coldCache, { recursive: true });
  }
}

const ticks = await clockTicksPerSecond();
const rows: Row[] = [];
const dir = await Deno.makeTempDir({ prefix: "bench-rec-" });
let quality = "";
for (const count of [1, 2]) {
  const xvfb = await startXvfb({ screens: count, width: 1920, height: 1080 });
  const scenes = await Promise.all(
    xvfb.screens.map((s, i) =>
      startOfficeScene({ display: s, width: 1920, height: 1080, seed: i + 1 })
    ),
  );
  try {
    const monitors = await x11DisplayLister({ runner: denoCommandRunner }, {
      display: xvfb.display,
    }).list();
    await Promise.all(scenes.map((s) => s.restart()));
    rows.push(await bareArm(monitors, ticks, dir));
    await Promise.all(scenes.map((s) => s.restart()));
    rows.push(await agentArm(xvfb.display, count, ticks));
    for (const v of VARIANTS) {
      await Promise.all(scenes.map((s) => s.restart()));
      rows.push(await agentArm(xvfb.display, count, ticks, v));
    }
    if (count === 1) {
      await scenes[0]!.restart();
      const args = agentArgs(monitors[0]!);
      const from = args.indexOf("-i") + 2;
      const output = args.slice(from, args.indexOf("-movflags"));
      await captureWithReference({
        input: { display: xvfb.screens[0]!, width: 1920, height: 1080, fps: FPS },
        outputArgs: [...output, "-movflags", "+frag_keyframe+empty_moov+default_base_moof"],
        testPath: `${dir}/q.mp4`,
        referencePath: `${dir}/q.mkv`,
        seconds: SECONDS,
      });
      const s = await ssim(`${dir}/q.mp4`, `${dir}/q.mkv`, "bt709");
      quality = `SSIM (agent's settings vs lossless, same frames): All ${s.all.toFixed(4)}, ` +
        `Y ${s.y.toFixed(4)}, worst frame ${s.minAll.toFixed(4)}, ${s.frames} frames`;
    }
  } finally {
    await Promise.all(scenes.map((s) => s.stop()));
    await xvfb.stop();
  }
}
await Deno.remove(dir, { recursive: true });

const out: string[] = [
  `Window ${SECONDS} s after ${WARMUP} s warm-up; ${FPS} fps; 1920x1080 per monitor.`,
  "",
  "| monitors | arm | CPU, % of one core | per monitor | kbit/s per monitor | agent peak RSS (VmHWM), MB | RssAnon, MB | RssFile, MB |",
  "| --- | --- | --- | --- | --- | --- | --- | --- |",
];
for (const r of rows) {
  out.push(
    `| ${r.monitors} | ${r.arm} | ${r.cpu.toFixed(1)} | ${(r.cpu / r.monitors).toFixed(1)} | ${
      r.kbps.toFixed(0)
    } | ${r.rssMb ? r.rssMb.toFixed(1) : "-"} | ${r.anonMb ? r.anonMb.toFixed(1) : "-"} | ${
      r.fileMb ? r.fileMb.toFixed(1) : "-"
    } |`,
  );
}
for (const count of [1, 2]) {
  const bare = rows.find((r) => r.monitors === count && r.arm === "bare ffmpeg");
  for (const agent of rows.filter((r) => r.monitors === count && r.arm !== "bare ffmpeg")) {
    if (!bare) continue;
    out.push(
      "",
      `${count} monitor(s): ${agent.arm} / bare = ${(agent.cpu / bare.cpu).toFixed(2)}×`,
    );
  }
}
out.push("", quality);
Deno.stdout.writeSync(new TextEncoder().encode(out.join("\n") + "\n"));
