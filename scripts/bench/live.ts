/**
 * The live view benchmark (issue 8), one 1920x1080 Xvfb monitor, 5 fps, the agent as its own
 * process (`main.ts run`, registered on a reference AgentServer in this process) recording it:
 *
 * - **CPU**: the office scene on the monitor; the agent's process tree (agent + its ffmpegs)
 *   over a window with the recording alone, then with the recording and one live view of the
 *   same monitor (AgentServer's `startLiveView`, default maxHeight 720: scaled to 1280x720),
 *   then the recording alone again; the scene is restarted before each window. Twice, each in
 *   an agent of its own: with the view carried by the recording's ffmpeg (the default) and with
 *   `live.carriedByRecording` false (the view's own ffmpeg, grabbing the screen again).
 * - **Glass-to-glass latency**: a clock on the monitor instead of the scene (a Chromium kiosk
 *   page drawing Date.now() every animation frame as two rows of 32 black/white blocks, the
 *   second the complement of the first), watched live in a supervisor page (reference
 *   AgentServer's /live-view, headless Chromium). In the viewer, on every video frame presented
 *   (requestVideoFrameCallback), the frame is drawn into a canvas, the blocks read back and
 *   checked against each other, and the clock subtracted from the viewer's Date.now() — the
 *   same machine's clock. Covers capture, encoding, the agent's queue, wss3, AgentServer's
 *   fan-out, the viewer's socket, MSE buffering and decoding. The page's own latency (AgentServer
 *   arrival → on screen) is sampled beside it.
 *
 *   node_modules/.bin/deno run --allow-all scripts/bench/live.ts [--seconds 20] [--latency-seconds 20]
 *     [--warmup 15] [--settle 30]
 *
 * Each window starts after `--warmup` s: a view's path through the agent (reading, queue, wss3)
 * runs about five times a second, so V8 optimizes its code only after tens of seconds; the first
 * 20 s after the first view of a process measured about twice the agent's steady CPU for it.
 * Likewise the recording runs `--settle` s before the first window.
 *
 * Prints Markdown for docs/benchmarks.md. The viewer's Chromium is launched with
 * `--ignore-certificate-errors`: the agent helper's AgentServer certificate is not handed out by
 * startAgentProcess, and only this local, short-lived server is visited.
 */
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { CHROMIUM_PATH, chromiumMissing } from "../../src/testing/chromium.ts";
import { startAgentProcess, startRecordingWhenReady } from "../../src/testing/agent_process.ts";
import { launchKiosk, startOfficeScene } from "../../src/platform/workplace/office_scene.ts";
import { clockTicksPerSecond, measureWindow, startXvfb } from "./measure.ts";
import { cpuPercent, type CpuSample, processTree, sampleCpu } from "./proc_stats.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "20" },
    "latency-seconds": { type: "string", default: "20" },
    warmup: { type: "string", default: "15" },
    settle: { type: "string", default: "30" },
  },
});
const SECONDS = Number(values.seconds);
const LATENCY_SECONDS = Number(values["latency-seconds"]);
const WARMUP = Number(values.warmup);
const SETTLE = Number(values.settle);
const FPS = 5;
const WIDTH = 1920;
const HEIGHT = 1080;
const BITS = 32;
/** The two rows of blocks, as fractions of the screen's height (top, bottom). */
const ROWS = [[0.2, 0.35], [0.45, 0.6]] as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A progress line on stderr (the Markdown goes to stdout at the end). */
function progress(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(line + "\n"));
}

/** Throws unless AgentServer's command was answered with success. */
function ok(what: string, reply: { data: unknown }): void {
  const data = reply.data as { result?: string };
  if (data.result !== "success") throw new Error(`${what}: ${JSON.stringify(reply.data)}`);
}

const missing = chromiumMissing();
if (missing) throw new Error(missing);

/** The clock page: Date.now() mod 2^32 as blocks, redrawn every animation frame. */
const CLOCK_PAGE = `<!doctype html><html><head><style>
html, body { margin: 0; background: #808080; overflow: hidden; cursor: none; }
canvas { display: block; }
</style></head><body><canvas id="c" width="${WIDTH}" height="${HEIGHT}"></canvas><script>
const c = document.getElementById("c").getContext("2d");
const rows = ${JSON.stringify(ROWS)};
function draw() {
  const t = Date.now() % ${2 ** BITS};
  const w = ${WIDTH} / ${BITS};
  for (let i = 0; i < ${BITS}; i++) {
    const bit = Math.floor(t / 2 ** (${BITS - 1} - i)) % 2;
    for (let r = 0; r < 2; r++) {
      const on = r === 0 ? bit === 1 : bit === 0;
      c.fillStyle = on ? "#fff" : "#000";
      const [top, bottom] = rows[r];
      c.fillRect(i * w, top * ${HEIGHT}, w, (bottom - top) * ${HEIGHT});
    }
  }
  requestAnimationFrame(draw);
}
requestAnimationFrame(draw);
</script></body></html>`;

/** A kiosk Chromium filling `display` with the clock page. */
async function startClock(display: string): Promise<{ stop(): Promise<void> }> {
  const kiosk = await launchKiosk({ display, width: WIDTH, height: HEIGHT });
  try {
    await kiosk.page.goto(`data:text/html,${encodeURIComponent(CLOCK_PAGE)}`, {
      waitUntil: "load",
    });
  } catch (e) {
    await kiosk.stop();
    throw e;
  }
  return kiosk;
}

/**
 * Runs in the viewer page: on every presented video frame, reads the clock off it. Kept as
 * text (this file is checked without the DOM lib).
 */
const SAMPLER = `(() => {
  const video = document.querySelector("video");
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const rows = ${JSON.stringify(ROWS)};
  const out = { samples: [], unreadable: 0, frames: 0 };
  globalThis.__clock = out;
  const luma = (data, width, x, y) => {
    let sum = 0;
    for (let dy = -3; dy <= 3; dy++) {
      for (let dx = -3; dx <= 3; dx++) {
        const at = ((y + dy) * width + (x + dx)) * 4;
        sum += 0.2126 * data[at] + 0.7152 * data[at + 1] + 0.0722 * data[at + 2];
      }
    }
    return sum / 49;
  };
  const read = () => {
    const now = Date.now();
    const w = video.videoWidth, h = video.videoHeight;
    if (w === 0 || h === 0) return;
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    ctx.drawImage(video, 0, 0, w, h);
    const data = ctx.getImageData(0, 0, w, h).data;
    out.frames++;
    let a = 0, b = 0, ok = true;
    for (let i = 0; i < ${BITS}; i++) {
      const x = Math.round((i + 0.5) * w / ${BITS});
      const ya = Math.round((rows[0][0] + rows[0][1]) / 2 * h);
      const yb = Math.round((rows[1][0] + rows[1][1]) / 2 * h);
      const la = luma(data, w, x, ya), lb = luma(data, w, x, yb);
      if (Math.abs(la - 128) < 40 || Math.abs(lb - 128) < 40) ok = false;
      const bitA = la > 128 ? 1 : 0, bitB = lb > 128 ? 1 : 0;
      if (bitA === bitB) ok = false;
      a = a * 2 + bitA;
      b = b * 2 + bitB;
    }
    if (!ok) {
      out.unreadable++;
      return;
    }
    const latency = ((now % ${2 ** BITS}) - a + ${2 ** BITS}) % ${2 ** BITS};
    out.samples.push({ at: now, latency, mediaTime: video.currentTime });
  };
  if ("requestVideoFrameCallback" in HTMLVideoElement.prototype) {
    const onFrame = () => {
      read();
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
    out.mode = "requestVideoFrameCallback";
  } else {
    setInterval(read, 20);
    out.mode = "every 20 ms";
  }
})()`;

interface ClockResult {
  mode: string;
  samples: { at: number; latency: number; mediaTime: number }[];
  unreadable: number;
  frames: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

function stats(values: readonly number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    min: sorted[0] ?? NaN,
    median: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

/** Each process of the tree on its own: which one it is, its CPU reading. */
type Readings = Map<number, { role: keyof Split; sample: CpuSample }>;

/** The window's CPU by role, % of one core. */
interface Split {
  agent: number;
  recordingFfmpeg: number;
  liveFfmpeg: number;
}

function perProcess(root: number): Readings {
  const readings: Readings = new Map();
  for (const pid of processTree(root)) {
    let cmdline = "";
    try {
      cmdline = Deno.readTextFileSync(`/proc/${pid}/cmdline`);
    } catch {
      continue;
    }
    // The recording's output is cut per keyframe (and a carried live view, per frame, rides in
    // the same process); a live view's own ffmpeg cuts per frame only.
    const role = !cmdline.includes("ffmpeg")
      ? "agent"
      : cmdline.includes("frag_keyframe")
      ? "recordingFfmpeg"
      : "liveFfmpeg";
    readings.set(pid, { role, sample: sampleCpu(pid, false) });
  }
  return readings;
}

function splitCpu(before: Readings, after: Readings, ticks: number): Split {
  const split: Split = { agent: 0, recordingFfmpeg: 0, liveFfmpeg: 0 };
  for (const [pid, end] of after) {
    const start = before.get(pid);
    if (start) split[end.role] += cpuPercent(start.sample, end.sample, ticks);
  }
  return split;
}

const ticks = await clockTicksPerSecond();
const xvfb = await startXvfb({ screens: 1, width: WIDTH, height: HEIGHT });
const screen = xvfb.screens[0]!;
const out: string[] = [];

interface CpuArm {
  arm: string;
  percent: number;
  split: Split;
}

/**
 * Recording alone, recording + one live view, recording alone again, in one agent whose live
 * views are carried by the recording's ffmpeg (`carried`) or run their own.
 */
async function cpuArms(carried: boolean): Promise<{ rows: CpuArm[]; ratio: number }> {
  const agent = await startAgentProcess({
    display: xvfb.display,
    env: {
      AGENT_HELPER_LOG_LEVEL: "info",
      AGENT_HELPER_CAPTURE_FRAME_RATE: String(FPS),
      AGENT_HELPER_LIVE_CARRIED_BY_RECORDING: String(carried),
    },
    // Its own process: a crash of the reference recorder (node:http2 under Deno, rare) cannot
    // end the bench, and its CPU is not near the agent's.
    recorderMode: "process",
  });
  const scene = await startOfficeScene({ display: screen, width: WIDTH, height: HEIGHT });
  const rows: CpuArm[] = [];
  try {
    await startRecordingWhenReady(agent, { segmentId: `bench-live-${carried}` });
    // The agent's start (and the first minutes of its recording path's code) must not weigh on
    // the first "recording alone" window: it measured 2-3 times the agent's later CPU.
    await sleep(SETTLE * 1000);
    const window = async (arm: string, ffmpegs: number) => {
      await scene.restart();
      await sleep(WARMUP * 1000);
      const before = perProcess(agent.pid);
      const w = await measureWindow(agent.pid, { seconds: SECONDS, ticksPerSecond: ticks });
      const split = splitCpu(before, perProcess(agent.pid), ticks);
      const seen = w.processes.filter((p) => p.name === "ffmpeg").length;
      if (seen !== ffmpegs) throw new Error(`${arm}: ${seen} ffmpegs, expected ${ffmpegs}`);
      rows.push({ arm, percent: w.cpuPercent, split });
      progress(`${arm}: ${w.cpuPercent.toFixed(1)} % of one core`);
    };
    const how = carried ? "carried by the recording's ffmpeg" : "its own ffmpeg";
    await window("recording alone", 1);
    ok(
      "started",
      await agent.agentServer.startLiveView(agent.userID, {
        streamId: "bench-cpu",
        display: 0,
        frameRate: FPS,
      }),
    );
    await window(`recording + one live view, ${how}`, carried ? 1 : 2);
    ok("stopped", await agent.agentServer.stopLiveView(agent.userID, "bench-cpu"));
    await window("recording alone, again", 1);
    await agent.command("stopScreenRecord", {});
  } finally {
    await scene.stop();
    await agent.stop();
  }
  const alone = (rows[0]!.percent + rows[2]!.percent) / 2;
  return { rows, ratio: rows[1]!.percent / alone };
}

try {
  // CPU: the two ways of encoding a view, each side by side with the recording alone.
  const cpu = [await cpuArms(true), await cpuArms(false)];
  const agent = await startAgentProcess({
    display: xvfb.display,
    env: { AGENT_HELPER_LOG_LEVEL: "info", AGENT_HELPER_CAPTURE_FRAME_RATE: String(FPS) },
  });
  try {
    await startRecordingWhenReady(agent, { segmentId: "bench-live" });
    // Latency: the clock on the monitor, one supervisor page watching it live.
    const clock = await startClock(screen);
    const viewer = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--ignore-certificate-errors",
      ],
    });
    let result: ClockResult;
    const pageLatency: number[] = [];
    const problems: string[] = [];
    try {
      const started = await agent.agentServer.startLiveView(agent.userID, {
        streamId: "bench-latency",
        display: 0,
        frameRate: FPS,
      });
      ok("started", started);
      const page = await (await viewer.newContext()).newPage();
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(m.text());
      });
      page.on("pageerror", (e) => problems.push(e.message));
      await page.setViewportSize({ width: 1400, height: 900 });
      await page.goto(agent.agentServer.liveViewPageUrl(agent.userID, "bench-latency"));
      // Polled from here: the page's CSP (script-src 'self') refuses waitForFunction's eval.
      for (let i = 0; (await page.evaluate("document.body.dataset.state")) !== "playing"; i++) {
        if (i > 200) throw new Error("the viewer did not start playing within 20 s");
        await sleep(100);
      }
      await sleep(WARMUP * 1000);
      await page.evaluate(SAMPLER);
      const end = Date.now() + LATENCY_SECONDS * 1000;
      while (Date.now() < end) {
        await sleep(500);
        const ms = Number(await page.evaluate("document.body.dataset.latencyMs ?? 'NaN'"));
        if (Number.isFinite(ms)) pageLatency.push(ms);
      }
      result = await page.evaluate("globalThis.__clock") as ClockResult;
      await agent.agentServer.stopLiveView(agent.userID, "bench-latency");
    } finally {
      await viewer.close();
      await clock.stop();
    }
    await agent.command("stopScreenRecord", {});

    const g2g = stats(result.samples.map((s) => s.latency));
    const ags = stats(pageLatency);
    const cpuRows = cpu.flatMap((c) => c.rows).map((c) =>
      `| ${c.arm} | ${c.percent.toFixed(1)} | ${c.split.agent.toFixed(1)} | ` +
      `${c.split.recordingFfmpeg.toFixed(1)} | ${c.split.liveFfmpeg.toFixed(1)} |`
    );
    out.push(
      `CPU: window ${SECONDS} s after ${WARMUP} s warm-up (the recording ran ${SETTLE} s before the first), office scene (typical), ${FPS} fps, ` +
        `recording 1920x1080, live view scaled to 720p.`,
      "",
      "| arm | agent + its ffmpegs, % of one core | agent (deno) | recording ffmpeg (and carried views) | live view's own ffmpeg |",
      "| --- | --- | --- | --- | --- |",
      ...cpuRows,
      "",
      `recording + live / recording alone (mean of both): carried ${cpu[0]!.ratio.toFixed(2)}×, ` +
        `own ffmpeg ${cpu[1]!.ratio.toFixed(2)}×`,
      "",
      `Latency: ${LATENCY_SECONDS} s after ${WARMUP} s of playing; clock read on ` +
        `${result.frames} frames (${result.mode}), ${result.unreadable} unreadable.`,
      "",
      "| latency, ms | samples | min | median | p95 | max |",
      "| --- | --- | --- | --- | --- | --- |",
      `| glass to glass (clock on the monitor → viewer's screen) | ${g2g.n} | ${g2g.min} | ${g2g.median} | ${g2g.p95} | ${g2g.max} |`,
      `| the page's own (arrival at AgentServer → on screen), every 0.5 s | ${ags.n} | ${ags.min} | ${ags.median} | ${ags.p95} | ${ags.max} |`,
      "",
      problems.length > 0 ? `viewer console errors: ${problems.join("; ")}` : "viewer: no errors",
    );
  } finally {
    await agent.stop();
  }
} finally {
  await xvfb.stop();
}
Deno.stdout.writeSync(new TextEncoder().encode(out.join("\n") + "\n"));
