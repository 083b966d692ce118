/**
 * One ffmpeg, one capture, three encodes: the recording of an Xvfb screen on stdout and two live
 * views on fd 3 and fd 4, read through the agent's real spawner. Each output must be a whole
 * H.264 fMP4 of its own size and rate, with the layout its kind promises (the recording's
 * fragments on keyframes, a live view's fragment per frame).
 */
import { denoProcessSpawner } from "../encoder/process.ts";
import { createFragmentReader, type Fmp4Event } from "../fmp4/mod.ts";
import { buildLivePlan } from "../live/live_args.ts";
import { assert, assertEquals } from "../testing/assert.ts";
import { decodeErrors, probeVideo } from "../testing/ffprobe.ts";
import { startXvfb } from "../testing/xvfb.ts";
import { buildTappedEncoderArgs } from "./taps.ts";
import type { CaptureArea, PipelinePlan } from "./types.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test({
  name: "taps (x11grab, Xvfb): the recording on stdout and two live views on fd 3 and 4",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const xvfb = await startXvfb("1280x720");
    const dir = await Deno.makeTempDir({ prefix: "ah-taps-" });
    try {
      const area: CaptureArea = {
        x: 0,
        y: 0,
        width: 1280,
        height: 720,
        capture: { kind: "x11", display: `${xvfb.display}.0` },
      };
      const recording: PipelinePlan = {
        backend: "x11grab",
        area,
        frameRate: 10,
        keyframeIntervalSec: 1,
        encoder: "libx264",
        quality: { crf: 30, maxBitrateKbps: 0, maxHeight: 0 },
        drawCursor: true,
      };
      const source = { backend: "x11grab" as const, area, drawCursor: true };
      const taps = [
        buildLivePlan(source, { frameRate: 10, maxHeight: 360 }),
        buildLivePlan(source, { frameRate: 5, maxHeight: 0 }),
      ];
      const child = denoProcessSpawner.spawn(
        "ffmpeg",
        buildTappedEncoderArgs(recording, taps),
        { extraOutputs: 2 },
      );
      const guard = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const outputs = [child.stdout, ...child.extraOutputs];
      const events: Fmp4Event[][] = outputs.map(() => []);
      const chunks: Uint8Array<ArrayBuffer>[][] = outputs.map(() => []);
      const reading = outputs.map(async (output, i) => {
        const reader = createFragmentReader();
        for await (const chunk of output) {
          chunks[i]!.push(chunk.slice());
          events[i]!.push(...reader.push(chunk));
        }
        assertEquals(reader.end(), [], `output ${i} ends on a whole fragment`);
      });
      const stderr = (async () => {
        let text = "";
        for await (const c of child.stderr) text += new TextDecoder().decode(c);
        return text;
      })();
      // Live views deliver as they go: fragments arrive on fd 3 while the recording runs.
      for (let waited = 0; events[1]!.length < 12; waited += 50) {
        assert(waited < 15_000, "no live fragments on fd 3");
        await sleep(50);
      }
      await sleep(2000);
      assert(await child.writeStdin("q"), "stdin takes q");
      const status = await child.exited;
      clearTimeout(guard);
      await Promise.all(reading);
      assertEquals(status.code, 0, (await stderr).slice(-2000));

      const expect = [
        { width: 1280, height: 720, fps: 10, perFrame: false },
        { width: 640, height: 360, fps: 10, perFrame: true },
        { width: 1280, height: 720, fps: 5, perFrame: true },
      ];
      for (const [i, want] of expect.entries()) {
        const file = `${dir}/out${i}.mp4`;
        await Deno.writeFile(file, await new Blob(chunks[i]!).bytes());
        const video = await probeVideo(file);
        assertEquals([video.codec, video.width, video.height], ["h264", want.width, want.height]);
        assertEquals(await decodeErrors(file), "", `output ${i} decodes`);
        const fragments = events[i]!.filter((e) => e.kind === "fragment");
        assertEquals(events[i]![0]?.kind, "init");
        const samples = fragments.map((f) => f.kind === "fragment" ? f.samples : 0);
        if (want.perFrame) assert(samples.every((n) => n === 1), `output ${i}: ${samples}`);
        else assert(samples.some((n) => n > 1), `output ${i} is cut per keyframe: ${samples}`);
        // Frame rate: the frame count over the media's span, within one frame per second.
        const times = video.frameTimes;
        const span = times[times.length - 1]! - times[0]!;
        const rate = (times.length - 1) / span;
        assert(Math.abs(rate - want.fps) < 1, `output ${i}: ${rate.toFixed(2)} fps`);
      }
      // One capture: the recording and the views saw the same frames (the 5 fps view about half).
      const frames = (i: number) =>
        events[i]!.reduce((n, e) => n + (e.kind === "fragment" ? e.samples : 0), 0);
      assert(Math.abs(frames(0) - frames(1)) <= 1, `${frames(0)} vs ${frames(1)}`);
      assert(Math.abs(frames(0) / 2 - frames(2)) <= 1, `${frames(0)} vs ${frames(2)}`);
    } finally {
      await xvfb.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
