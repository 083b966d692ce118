/**
 * The recorder shell with real ffmpeg on a real X display (Xvfb, two screens) and the real file
 * sink; what changes is scripted where the real thing cannot be made to change here: the
 * monitor list (Xvfb cannot unplug a screen) and a sink that fails.
 */
import { createFileSink } from "./file_sink.ts";
import { assert, assertEquals } from "../testing/assert.ts";
import { childProcesses } from "../testing/ffprobe.ts";
import { plays, real, record, sleep, withRecorder } from "../testing/recorder_rig.ts";
import type { Monitor } from "../workstation/displays.ts";
import { type RecordingSink, SinkFull } from "./sink.ts";

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
