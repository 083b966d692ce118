/**
 * Recording when things go wrong, with the real agent, real ffmpeg and a real X display:
 * ffmpeg killed mid-segment, commands in every wrong order, a monitor that does not exist,
 * ffmpeg missing, and the agent itself killed (no ffmpeg may survive it).
 */
import { startAgentProcess, startRecordingWhenReady } from "../src/testing/agent_process.ts";
import { assert, assertEquals, assertMatch } from "../src/testing/assert.ts";
import { alive, childProcesses, decodeErrors, probeVideo } from "../src/testing/ffprobe.ts";
import { startXvfb } from "../src/testing/xvfb.ts";
import {
  command,
  expectOk,
  sleep,
  storedParts,
  withRecordingStack,
} from "./support/recording_stack.ts";

const real = { sanitizeResources: false, sanitizeOps: false };

async function waitUntil(what: string, check: () => boolean, ms = 10_000): Promise<number> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
  return Date.now() - start;
}

Deno.test({
  name: "recording: ffmpeg killed mid-segment is back within 2 s as a new, announced part",
  ...real,
  async fn() {
    await withRecordingStack(async (s) => {
      await expectOk(s, "startScreenRecord", { segmentId: "seg-k" });
      await sleep(3_000);
      const before = s.agent.recorder.status().monitors.find((m) => m.display === 0);
      assert(before?.pid, "display 0 has an ffmpeg");
      const batches = () =>
        s.agentServer.messages.filter((m) =>
          m.direction === "in" && m.action === "newRecBatch" &&
          (m.message as { data: { fileName: string } }).data.fileName === "seg-k.d0.p1.mp4"
        );
      Deno.kill(before.pid, "SIGKILL");
      const took = await waitUntil("part 1 of display 0", () => batches().length > 0, 5_000);
      assert(took <= 2_000, `new part announced ${took} ms after the kill`);
      const after = s.agent.recorder.status().monitors.find((m) => m.display === 0);
      assert(after?.pid && after.pid !== before.pid && alive(after.pid));
      await sleep(3_000);
      await expectOk(s, "stopScreenRecord", {});
      const records = await storedParts(s);
      const killed = records.get("seg-k.d0.p0.mp4");
      const restarted = records.get("seg-k.d0.p1.mp4");
      assertEquals(restarted?.header.cause, "encoderRestart");
      // The killed run's part keeps every whole fragment it wrote and plays to its end.
      for (const r of [killed, restarted, records.get("seg-k.d1.p0.mp4")]) {
        assert(r?.summary, `${r?.header.fileName} finished`);
        const file = r.file;
        assertEquals(await decodeErrors(file), "");
        assertEquals((await probeVideo(file)).frames, r.summary.frames);
      }
      assert(killed!.summary!.frames >= 10, "the killed run's fragments were kept");
      // Display 1 was not disturbed: one part for the whole segment.
      assertEquals(records.has("seg-k.d1.p1.mp4"), false);
    });
  },
});

Deno.test({
  name: "recording: commands in every wrong order are answered with errors, and no ffmpeg is left",
  ...real,
  async fn() {
    await withRecordingStack(async (s, x) => {
      const encoders = () => childProcesses(Deno.pid, "ffmpeg", `${x.display}.`);
      const refused = async (action: string, data: unknown, code: string) => {
        const r = await command(s, action, data);
        assertEquals(r.data.result, "error", `${action}: ${JSON.stringify(r)}`);
        assertMatch(r.data.resultDesc ?? "", new RegExp(`^${code}: `));
        assert(r.transaction, "the reply carries the transaction");
      };
      for (const a of ["stopScreenRecord", "pauseScreenRecord", "resumeScreenRecord"]) {
        await refused(a, {}, "notRecording");
      }
      await refused("restartScreenRecord", { segmentId: "x" }, "notRecording");
      await refused("startScreenRecord", { segmentId: "bad", displays: [7] }, "unknownDisplay");
      assertEquals(encoders(), [], "a refused start leaves no ffmpeg");

      await expectOk(s, "startScreenRecord", { segmentId: "w1" });
      await refused("startScreenRecord", { segmentId: "w2" }, "alreadyRecording");
      await refused("resumeScreenRecord", {}, "notPaused");
      await refused("restartScreenRecord", { segmentId: "w1" }, "sameSegment");
      await refused("stopScreenRecord", { segmentId: "other" }, "segmentMismatch");
      await expectOk(s, "pauseScreenRecord", {});
      assertEquals(encoders(), [], "paused: nothing captures");
      await refused("pauseScreenRecord", {}, "alreadyPaused");
      await refused("startScreenRecord", { segmentId: "w3" }, "alreadyRecording");
      await expectOk(s, "resumeScreenRecord", {});
      assertEquals(encoders().length, 2, "one ffmpeg per monitor");
      await expectOk(s, "stopScreenRecord", { segmentId: "w1" });
      await refused("stopScreenRecord", {}, "notRecording");
      assertEquals(encoders(), [], "stopped: no ffmpeg left");

      // Only the selected monitor is recorded.
      await expectOk(s, "startScreenRecord", { segmentId: "only1", displays: [1] });
      assertEquals(s.agent.recorder.status().monitors.map((m) => m.display), [1]);
      await expectOk(s, "stopScreenRecord", {});
      assertEquals(encoders(), []);
    });
  },
});

Deno.test({
  name: "recording: without a usable ffmpeg, start is refused with the reason and the fix",
  ...real,
  async fn() {
    await withRecordingStack(async (s) => {
      const r = await command(s, "startScreenRecord", { segmentId: "nf" });
      assertEquals(r.data.result, "error");
      assertMatch(r.data.resultDesc ?? "", /^ffmpegUnavailable: .*nowhere\/ffmpeg/);
      assertEquals(s.agent.recorder.status().state, "idle");
    }, { env: { AGENT_HELPER_FFMPEG_PATH: "/nowhere/ffmpeg" } });
  },
});

Deno.test({
  name: "recording: no ffmpeg outlives an agent killed with SIGKILL",
  ...real,
  async fn() {
    const xvfb = await startXvfb(["640x480", "800x600"]);
    const agent = await startAgentProcess({ display: xvfb.display });
    try {
      await startRecordingWhenReady(agent, { segmentId: "k9" });
      await waitUntil("two encoders", () => childProcesses(agent.pid).length === 2);
      const encoders = childProcesses(agent.pid);
      agent.kill("SIGKILL");
      await agent.exited;
      // ffmpeg ignores SIGPIPE: its next write to the dead agent's pipe fails and it exits,
      // within one fragment (2 s keyframe interval).
      const took = await waitUntil(
        "the orphaned encoders to exit",
        () => !encoders.some(alive),
        8_000,
      );
      assert(took <= 5_000, `encoders gone ${took} ms after the agent`);
    } finally {
      await agent.stop();
      await xvfb.stop();
    }
  },
});
