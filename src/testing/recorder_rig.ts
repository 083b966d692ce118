/**
 * The recorder on real ffmpeg, a real X display (Xvfb, two screens: 640x480 and 800x600) and the
 * real file sink, for the recorder's tests; what changes is scripted where the real thing cannot
 * be made to change here: the monitor list (Xvfb cannot unplug a screen) and a sink that fails.
 */
import { getLogger } from "@logtape/logtape";
import { systemClock } from "../clock/clock.ts";
import { buildTappedEncoderArgs, tapRefusal } from "../capture/mod.ts";
import type { PipelinePlan } from "../capture/types.ts";
import { denoProcessSpawner, type ProcessSpawner } from "../encoder/process.ts";
import { MetricsRegistry } from "../metrics/registry.ts";
import { denoCommandRunner } from "../process/runner.ts";
import { createFileSink, type PartRecord } from "../recording/file_sink.ts";
import type { MonitorSettings } from "../recording/params.ts";
import { createRecorder, type EncoderPlanner, type Recorder } from "../recording/recorder.ts";
import type { PartHeader, RecordingSink } from "../recording/sink.ts";
import type { Monitor } from "../workstation/displays.ts";
import { x11DisplayLister } from "../workstation/displays_x11.ts";
import { assertEquals } from "./assert.ts";
import { decodeErrors, type ProbedVideo, probeVideo } from "./ffprobe.ts";
import { startXvfb } from "./xvfb.ts";

export const real = { sanitizeResources: false, sanitizeOps: false };
export const sleep = (ms: number): Promise<unknown> => new Promise((r) => setTimeout(r, ms));

const recordingPlan = (monitor: Monitor, settings: MonitorSettings): PipelinePlan => ({
  backend: "x11grab",
  area: monitor,
  frameRate: settings.frameRate,
  keyframeIntervalSec: settings.keyframeIntervalSec,
  encoder: "libx264",
  quality: { ...settings.quality },
  drawCursor: true,
});

const planner: EncoderPlanner = {
  plan: (monitors) => monitors.map(() => ({ backend: "x11grab", encoder: "libx264" })),
  args: (monitor, _plan, settings, _failures, taps) =>
    buildTappedEncoderArgs(recordingPlan(monitor, settings), taps),
  tapRefusal: (monitor, _plan, settings, live) =>
    tapRefusal(recordingPlan(monitor, settings), live),
};

export interface Rig {
  recorder: Recorder;
  /** The Xvfb display, e.g. ":123" (its encoders' command lines name it). */
  display: string;
  metrics: MetricsRegistry;
  dir: string;
  announced: { header: PartHeader; error?: string }[];
  monitors: Monitor[];
  /** What the scripted lister answers next. */
  present: Monitor[];
}

export async function withRecorder(
  body: (rig: Rig) => Promise<void>,
  sinkFor: (dir: string) => RecordingSink = createFileSink,
  spawner: ProcessSpawner = denoProcessSpawner,
): Promise<void> {
  // Not smaller: ffmpeg 5.1's x11grab delivered no frame from Xvfb screens of 400x300 or less.
  const xvfb = await startXvfb(["640x480", "800x600"]);
  const dir = await Deno.makeTempDir({ prefix: "ah-recorder-" });
  let recorder: Recorder | undefined;
  try {
    const monitors = await x11DisplayLister({ runner: denoCommandRunner }, {
      display: xvfb.display,
    }).list();
    assertEquals(monitors.length, 2);
    const rig: Rig = {
      recorder: null as unknown as Recorder,
      display: xvfb.display,
      metrics: new MetricsRegistry(),
      dir,
      announced: [],
      monitors,
      present: [...monitors],
    };
    recorder = rig.recorder = createRecorder({
      clock: systemClock,
      spawner,
      log: getLogger(["test"]),
      sink: sinkFor(dir),
      displays: { list: () => Promise.resolve([...rig.present]) },
      metrics: rig.metrics,
      encoders: () => ({ ok: true, path: "ffmpeg", planner }),
      announce: (header, error) =>
        rig.announced.push(error === undefined ? { header } : { header, error }),
    }, {
      capture: {
        frameRate: 5,
        keyframeIntervalSec: 1,
        quality: { crf: 30, maxBitrateKbps: 0, maxHeight: 0 },
        displays: [],
      },
      displayPollMs: 200,
    });
    await body(rig);
  } finally {
    await recorder?.stopAll("test over");
    await xvfb.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

export async function record(dir: string, name: string): Promise<PartRecord> {
  return JSON.parse(await Deno.readTextFile(`${dir}/${name}.json`)) as PartRecord;
}

export async function plays(dir: string, name: string): Promise<ProbedVideo> {
  assertEquals(await decodeErrors(`${dir}/${name}`), "", `${name} plays`);
  return await probeVideo(`${dir}/${name}`);
}
