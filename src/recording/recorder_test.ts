/**
 * The recorder shell with real ffmpeg on a real X display (Xvfb, two screens) and the real file
 * sink; what changes is scripted where the real thing cannot be made to change here: the
 * monitor list (Xvfb cannot unplug a screen) and a sink that fails.
 */
import { getLogger } from "@logtape/logtape";
import { systemClock } from "../clock/clock.ts";
import { buildEncoderArgs } from "../capture/mod.ts";
import { denoProcessSpawner } from "../encoder/process.ts";
import { MetricsRegistry } from "../metrics/registry.ts";
import { denoCommandRunner } from "../process/runner.ts";
import { assert, assertEquals } from "../testing/assert.ts";
import { childProcesses, decodeErrors, probeVideo } from "../testing/ffprobe.ts";
import { startXvfb } from "../testing/xvfb.ts";
import type { Monitor } from "../workstation/displays.ts";
import { x11DisplayLister } from "../workstation/displays_x11.ts";
import { createFileSink, type PartRecord } from "./file_sink.ts";
import { createRecorder, type EncoderPlanner, type Recorder } from "./recorder.ts";
import { type PartHeader, type RecordingSink, SinkFull } from "./sink.ts";

const real = { sanitizeResources: false, sanitizeOps: false };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const planner: EncoderPlanner = {
  plan: (monitors) => monitors.map(() => ({ backend: "x11grab", encoder: "libx264" })),
  args: (monitor, _plan, settings) =>
    buildEncoderArgs({
      backend: "x11grab",
      area: monitor,
      frameRate: settings.frameRate,
      keyframeIntervalSec: settings.keyframeIntervalSec,
      encoder: "libx264",
      quality: { ...settings.quality },
      drawCursor: true,
    }),
};

interface Rig {
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

async function withRecorder(
  body: (rig: Rig) => Promise<void>,
  sinkFor: (dir: string) => RecordingSink = createFileSink,
) {
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
      spawner: denoProcessSpawner,
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

async function record(dir: string, name: string): Promise<PartRecord> {
  return JSON.parse(await Deno.readTextFile(`${dir}/${name}.json`)) as PartRecord;
}

async function plays(dir: string, name: string) {
  assertEquals(await decodeErrors(`${dir}/${name}`), "", `${name} plays`);
  return await probeVideo(`${dir}/${name}`);
}

Deno.test({
  name:
    "recorder: an unplugged monitor ends its stream, a new one joins the next segment, a resized one gets a new part",
  ...real,
  async fn() {
    await withRecorder(async ({ recorder, dir, monitors, present, display, metrics }) => {
      const [m0, m1] = monitors as [Monitor, Monitor];
      const segA = { segmentId: "a", workItemIds: [] };
      assertEquals(await recorder.command("start", { segment: segA }), {});
      await sleep(2_500);
      present.splice(1, 1); // monitor 1 unplugged
      await sleep(1_500);
      assertEquals(recorder.status().monitors.map((m) => m.display), [0]);
      const ended = await record(dir, "a.d1.p0.mp4");
      assert(ended.summary && ended.summary.frames >= 5, JSON.stringify(ended));
      await plays(dir, "a.d1.p0.mp4");

      present.push(m1); // plugged in again: waits for the next segment
      await sleep(800);
      assertEquals(recorder.status().monitors.map((m) => m.display), [0]);
      assertEquals(
        await recorder.command("restart", { segment: { segmentId: "b", workItemIds: [] } }),
        {},
      );
      await sleep(1_500);
      assertEquals(recorder.status().monitors.map((m) => m.display).sort(), [0, 1]);
      // /metrics can be scraped again and again while recording.
      for (let i = 0; i < 2; i++) {
        assert(metrics.render().includes('agent_helper_recorded_bytes{display="1"}'));
      }

      present[0] = { ...m0, width: 480, height: 360 }; // monitor 0 resized
      await sleep(2_500);
      // Resized back while paused: the resume starts one encoder per monitor, no more.
      assertEquals(await recorder.command("pause", {}), {});
      present[0] = m0;
      assertEquals(await recorder.command("resume", {}), {});
      await sleep(1_500);
      assertEquals(childProcesses(Deno.pid, "ffmpeg", `${display}.`).length, 2);
      assertEquals(await recorder.command("stop", {}), {});
      assertEquals(childProcesses(Deno.pid, "ffmpeg", `${display}.`), []);
      assertEquals((await record(dir, "b.d0.p2.mp4")).header.cause, "resume");

      const joined = await record(dir, "b.d1.p0.mp4");
      assertEquals(joined.header.cause, "segmentStart");
      assertEquals((await plays(dir, "b.d1.p0.mp4")).width, 800);
      const resized = await record(dir, "b.d0.p1.mp4");
      assertEquals(resized.header.cause, "monitorChanged");
      const v = await plays(dir, "b.d0.p1.mp4");
      assertEquals([v.width, v.height], [480, 360]);
      assertEquals((await plays(dir, "b.d0.p0.mp4")).width, 640);
    });
  },
});

Deno.test({
  name:
    "recorder: a part the sink cannot store is announced as an error; the encoder restarts into a new part",
  ...real,
  async fn() {
    let failures = 1;
    const failing = (dir: string): RecordingSink => {
      const files = createFileSink(dir);
      return {
        open(header) {
          if (header.display === 0 && failures-- > 0) {
            return Promise.reject(new Error("No space left on device (os error 28)"));
          }
          return files.open(header);
        },
      };
    };
    await withRecorder(async ({ recorder, dir, announced }) => {
      assertEquals(
        await recorder.command("start", { segment: { segmentId: "f", workItemIds: [] } }),
        {},
      );
      await sleep(4_000);
      assertEquals(await recorder.command("stop", {}), {});
      const d0 = announced.filter((a) => a.header.display === 0);
      assertEquals(d0[0]?.header.fileName, "f.d0.p0.mp4");
      assert(d0[0]?.error?.includes("No space left on device"), JSON.stringify(d0[0]));
      const next = d0.find((a) => a.error === undefined);
      assertEquals(next?.header.cause, "encoderRestart");
      await plays(dir, next!.header.fileName);
      assertEquals((await record(dir, "f.d1.p0.mp4")).header.cause, "segmentStart");
    }, failing);
  },
});

Deno.test({
  name: "recorder: a full sink (SinkFull) stops capture everywhere, cleanly, and says why",
  ...real,
  async fn() {
    // The file sink refusing like the spool at its cap: after the init and one fragment.
    const capped = (dir: string): RecordingSink => {
      const files = createFileSink(dir);
      return {
        async open(header) {
          const w = await files.open(header);
          let writes = 0;
          return {
            ...w,
            write(chunk) {
              if (++writes > 2) return Promise.reject(new SinkFull("the spool is full (test)"));
              return w.write(chunk);
            },
          };
        },
      };
    };
    await withRecorder(async ({ recorder, display, announced }) => {
      assertEquals(
        await recorder.command("start", { segment: { segmentId: "full", workItemIds: [] } }),
        {},
      );
      for (let i = 0; i < 40 && recorder.status().state !== "idle"; i++) await sleep(250);
      assertEquals(recorder.status().state, "idle");
      assertEquals(childProcesses(Deno.pid, "ffmpeg", `${display}.`), []);
      const errors = announced.filter((a) => a.error !== undefined);
      assert(errors.length >= 1 && errors.every((a) => a.error!.includes("spool is full")));
      // Nothing after the refusal: each display got one part, no restart into a new one.
      assertEquals(announced.filter((a) => a.header.part > 0), []);
      assert((await recorder.command("stop", {})).error?.startsWith("notRecording"));
    }, capped);
  },
});
