/**
 * Recording every monitor, for real: the agent (composition root) registered on the reference
 * AgentServer, a real X display with two monitors of different sizes (Xvfb, two screens), real
 * ffmpeg, and the files checked with ffprobe. AgentServer drives the recording exactly as in
 * production, over wss3; the parts are read back from the reference ScreenRecorder they were
 * uploaded to over TLS gRPC.
 */
import { assert, assertEquals } from "../src/testing/assert.ts";
import { childProcesses, decodeErrors, probeVideo, sha256File } from "../src/testing/ffprobe.ts";
import {
  expectOk,
  FPS,
  FRAME_MS,
  newRecBatches,
  SIZES,
  sleep,
  storedParts,
  USER,
  withRecordingStack,
} from "./support/recording_stack.ts";

Deno.test({
  name: "recording: start → restart → pause → resume → stop on two monitors, checked by ffprobe",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withRecordingStack(async (s, x) => {
      const { sent: t0 } = await expectOk(s, "startScreenRecord", {
        segmentId: "seg-1",
        interactionId: "call-1",
        workItemIds: ["wi-1"],
      });
      await sleep(10_000);
      const { sent: tRestart } = await expectOk(s, "restartScreenRecord", {
        segmentId: "seg-2",
        interactionId: "call-1",
        workItemIds: ["wi-1", "wi-2"],
      });
      await sleep(10_000);
      const pause = await expectOk(s, "pauseScreenRecord", { reason: "card number" });
      const tPause = pause.sent;
      await sleep(5_000);
      const { sent: tResume } = await expectOk(s, "resumeScreenRecord", {});
      await sleep(4_000);
      const { answered: tStop } = await expectOk(s, "stopScreenRecord", { segmentId: "seg-2" });
      assertEquals(s.agent.recorder.status().state, "idle");
      assertEquals(childProcesses(Deno.pid, "ffmpeg", `${x.display}.`), [], "no ffmpeg left");

      const records = await storedParts(s);
      const names = [...records.keys()].sort();
      assertEquals(names, [
        "seg-1.d0.p0.mp4",
        "seg-1.d1.p0.mp4",
        "seg-2.d0.p0.mp4",
        "seg-2.d0.p1.mp4",
        "seg-2.d1.p0.mp4",
        "seg-2.d1.p1.mp4",
      ]);
      // AgentServer heard of every file.
      const announced = newRecBatches(s).map((d) => `${d.fileName}:${d.result}`).sort();
      assertEquals(announced, names.map((n) => `${n}:success`));

      for (const display of [0, 1]) {
        const [w, h] = SIZES[display]!.split("x").map(Number);
        const rec = (seg: string, part: number) => records.get(`${seg}.d${display}.p${part}.mp4`)!;
        const s1 = rec("seg-1", 0);
        const s2a = rec("seg-2", 0);
        const s2b = rec("seg-2", 1);
        for (const r of [s1, s2a, s2b]) {
          const file = r.file;
          assert(r.summary, `${r.header.fileName} finished`);
          const v = await probeVideo(file);
          assertEquals([v.codec, v.width, v.height, v.pixFmt], ["h264", w, h, "yuv420p"]);
          assertEquals(await decodeErrors(file), "", `${file} plays to its end`);
          assertEquals(await sha256File(file), r.summary.sha256, "the summary's SHA-256");
          assertEquals(v.frames, r.summary.frames, "frames in the file = frames counted");
          // Constant frame rate: fps × duration, to the frame.
          assert(
            Math.abs(v.frames - (FPS * r.summary.durationMs) / 1000) <= 1,
            `${v.frames} frames in ${r.summary.durationMs} ms`,
          );
          assertEquals(v.frameTimes[0], 0, "each file's timeline starts at 0");
        }
        // Bound to the operator who registered, and uploaded whole.
        for (const r of [s1, s2a, s2b]) {
          assertEquals(r.header.operatorId, USER);
          assertEquals(r.summary!.incompleteReason, null);
        }
        assertEquals(s1.header.cause, "segmentStart");
        assertEquals(s1.header.interactionId, "call-1");
        assertEquals(s2a.header.cause, "segmentSwitch");
        assertEquals(s2a.header.workItemIds, ["wi-1", "wi-2"]);
        assertEquals(s2b.header.cause, "resume");
        // No gap at the switch: segment 2 begins where segment 1 ended, on the same encoder.
        const s1End = s1.header.startedAt + s1.summary!.durationMs;
        assert(
          Math.abs(s2a.header.startedAt - s1End) <= FRAME_MS,
          `switch gap ${s2a.header.startedAt - s1End} ms`,
        );
        // The cut is the first keyframe after the restart (keyframes every 2 s by default).
        assert(
          s2a.header.startedAt >= tRestart - FRAME_MS &&
            s2a.header.startedAt <= tRestart + 2_000 + FRAME_MS,
        );
        // Segments 1 and 2 up to the pause: as many frames as the wall clock says.
        const frames = s1.summary!.frames + s2a.summary!.frames;
        const expected = (FPS * (tPause - t0)) / 1000;
        assert(
          Math.abs(frames - expected) <= 3,
          `${frames} frames, ${expected} expected (start/stop latency ≤ 3 frames)`,
        );
        // Nothing captured during the pause (its reply comes once capture has stopped); the
        // gap is on the segment's timeline.
        const pausedAt = s2a.header.startedAt + s2a.summary!.durationMs;
        assert(
          pausedAt <= pause.answered + FRAME_MS,
          `last frame ${pausedAt - pause.answered} ms after the pause reply (sent ${
            pausedAt - tPause
          } ms before)`,
        );
        assert(s2b.header.startedAt >= tResume - FRAME_MS, "first frame after the resume");
        const gap = s2b.header.offsetMs - (s2a.header.offsetMs + s2a.summary!.durationMs);
        assert(gap >= 4_500 && gap <= 6_500, `pause gap on the timeline: ${gap} ms`);
        assert(s2b.summary!.endedAt <= tStop + 2 * FRAME_MS);
        // Capture resumes as soon as ffmpeg is up again: its start-up is the only delay, under
        // a second even on a busy machine; from then on the frames match the part's duration
        // (checked above).
        const resumeDelay = s2b.header.startedAt - tResume;
        assert(resumeDelay <= 1_500, `first frame ${resumeDelay} ms after the resume was sent`);
      }
    });
  },
});
