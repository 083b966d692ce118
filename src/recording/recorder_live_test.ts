/**
 * Live views carried by the recording's encoders (capture/taps.ts, handover.ts), on real ffmpeg
 * and Xvfb: a view joins and leaves a running recording without a gap in it, one capture per
 * monitor serves both, a pause hands the view back, and an encoder that cannot carry views
 * leaves the recording as it was.
 */
import { buildLivePlan } from "../live/live_args.ts";
import { type ChildProcess, denoProcessSpawner, type ProcessSpawner } from "../encoder/process.ts";
import { concatBytes } from "../fmp4/ffmpeg_fixture.ts";
import { assert, assertEquals } from "../testing/assert.ts";
import { childProcesses, decodeErrors, probeVideo } from "../testing/ffprobe.ts";
import { plays, real, record, sleep, withRecorder } from "../testing/recorder_rig.ts";
import type { Monitor } from "../workstation/displays.ts";
import type { TrackTap } from "./tap_router.ts";

const FPS = 5;
const FRAME_MS = 1000 / FPS;

/** A live view that keeps what the recording's encoder hands it. */
function view(id: string, monitor: Monitor, request: { frameRate?: number; maxHeight?: number }) {
  const got = {
    inits: 0,
    fragments: [] as { bytes: Uint8Array; keyframe: boolean }[],
    init: null as Uint8Array | null,
    dropped: [] as string[],
  };
  const tap: TrackTap = {
    id,
    plan: buildLivePlan({ backend: "x11grab", area: monitor, drawCursor: true }, request),
    feed: {
      init(bytes) {
        got.inits++;
        got.init = bytes;
        got.fragments = [];
      },
      fragment(f) {
        got.fragments.push({ bytes: f.bytes, keyframe: f.keyframe });
      },
      dropped(why) {
        got.dropped.push(why);
      },
    },
  };
  return { tap, got };
}

async function until(done: () => boolean, what: string, ms = 15_000): Promise<void> {
  for (let waited = 0; !done(); waited += 50) {
    if (waited > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

Deno.test({
  name: "recorder live: a view joins and leaves a recording with one capture and no gap",
  ...real,
  async fn() {
    await withRecorder(async ({ recorder, dir, monitors, display, announced }) => {
      const [m0] = monitors as [Monitor, Monitor];
      const capturing = () => childProcesses(Deno.pid, "ffmpeg", `${display}.0`).length;
      assertEquals(
        await recorder.command("start", { segment: { segmentId: "a", workItemIds: [] } }),
        {},
      );
      await sleep(2_000);
      const v = view("v1", m0, { maxHeight: 240 });
      assertEquals(recorder.liveHost.attach(0, v.tap), null);
      await until(() => v.got.fragments.length >= 2 * FPS, "two seconds of live video");
      await until(() => capturing() === 1, "the old encoder to finish");
      assertEquals(recorder.status().monitors.find((m) => m.display === 0)?.liveViews, 1);
      const live = `${dir}/live.mp4`;
      const taken = [...v.got.fragments];
      await Deno.writeFile(live, concatBytes([v.got.init!, ...taken.map((f) => f.bytes)]));
      assertEquals(await decodeErrors(live), "");
      const probed = await probeVideo(live);
      assertEquals([probed.width, probed.height], [320, 240]);
      assertEquals(probed.frames, taken.length, "a frame per fragment");
      assertEquals(taken[0]?.keyframe, true);

      await sleep(1_000);
      recorder.liveHost.detach(0, "v1");
      await until(
        () => recorder.status().monitors.find((m) => m.display === 0)?.liveViews === 0,
        "the view to go",
      );
      const sent = v.got.fragments.length;
      await until(() => capturing() === 1, "one encoder again");
      await sleep(1_500);
      assertEquals(await recorder.command("stop", {}), {});
      assertEquals(
        v.got.fragments.length - sent <= 2 * FPS,
        true,
        "no video after the view left, but for the handover",
      );
      assertEquals(v.got.dropped, [], "a view that was detached is not told it was dropped");

      // Display 0: three parts, each playable, each following the last without a gap.
      const names = ["a.d0.p0.mp4", "a.d0.p1.mp4", "a.d0.p2.mp4"];
      assertEquals(
        announced.filter((a) => a.header.display === 0).map((
          a,
        ) => [a.header.fileName, a.header.cause]),
        [[names[0], "segmentStart"], [names[1], "liveView"], [names[2], "liveView"]],
      );
      const parts = await Promise.all(names.map((n) => record(dir, n)));
      for (const n of names) await plays(dir, n);
      for (let i = 1; i < parts.length; i++) {
        const before = parts[i - 1]!;
        const after = parts[i]!;
        const end = before.header.offsetMs + before.summary!.durationMs;
        const gap = after.header.offsetMs - end;
        assert(gap <= FRAME_MS, `${names[i]} begins ${gap} ms after ${names[i - 1]} ends`);
        assert(gap >= -4 * FRAME_MS, `${names[i]} overlaps ${names[i - 1]} by ${-gap} ms`);
      }
      // Display 1 was not touched.
      assertEquals(announced.filter((a) => a.header.display === 1).length, 1);
    });
  },
});

Deno.test({
  name: "recorder live: a pause hands the view back; views that cannot ride along are refused",
  ...real,
  async fn() {
    await withRecorder(async ({ recorder, monitors }) => {
      const [m0, m1] = monitors as [Monitor, Monitor];
      const started: number[] = [];
      recorder.liveHost.onStarted((d) => started.push(d));
      const v = view("v2", m1, { maxHeight: 300 });
      assertEquals(recorder.liveHost.attach(1, v.tap), "display 1 is not being recorded");
      assertEquals(
        await recorder.command("start", { segment: { segmentId: "b", workItemIds: [] } }),
        {},
      );
      await until(() => started.length === 2, "both encoders to start");
      assertEquals(
        recorder.liveHost.attach(1, view("fast", m1, { frameRate: 10 }).tap),
        "10 fps is above the recording's 5",
      );
      assertEquals(
        recorder.liveHost.attach(1, view("other", m0, {}).tap),
        "the live view is of another monitor area",
      );
      assertEquals(recorder.liveHost.attach(1, v.tap), null);
      await until(() => v.got.fragments.length >= FPS, "live video");
      assertEquals(await recorder.command("pause", {}), {});
      assertEquals(v.got.dropped, ["the recording's encoder stopped"]);
      assertEquals(recorder.liveHost.attach(1, v.tap), "display 1 is not being recorded");
      assertEquals(await recorder.command("resume", {}), {});
      await until(() => started.length === 4, "the encoders to start again");
      assertEquals(started.sort(), [0, 0, 1, 1]);
      assertEquals(recorder.liveHost.attach(1, v.tap), null, "taken in again after the resume");
      await until(() => v.got.inits === 2 && v.got.fragments.length >= FPS, "live video again");
      assertEquals(await recorder.command("stop", {}), {});
      assertEquals(v.got.dropped.length, 2);
    });
  },
});

/** ffmpeg as usual, but a run that is to carry live views cannot start its pipes: it exits 1. */
const noExtraPipes: ProcessSpawner = {
  spawn(command, args, options): ChildProcess {
    if ((options?.extraOutputs ?? 0) === 0) return denoProcessSpawner.spawn(command, args, options);
    return denoProcessSpawner.spawn("sh", ["-c", "echo 'pipe:3: Bad file descriptor' >&2; exit 1"]);
  },
};

Deno.test({
  name: "recorder live: an encoder that cannot carry views leaves the recording as it was",
  ...real,
  async fn() {
    await withRecorder(
      async ({ recorder, dir, monitors, announced }) => {
        const [m0] = monitors as [Monitor, Monitor];
        assertEquals(
          await recorder.command("start", { segment: { segmentId: "c", workItemIds: [] } }),
          {},
        );
        await sleep(1_500);
        const v = view("v3", m0, {});
        assertEquals(recorder.liveHost.attach(0, v.tap), null, "accepted: the failure comes later");
        await until(() => v.got.dropped.length > 0, "the view to be dropped");
        assertEquals(v.got.dropped, [
          "the recording's encoder cannot carry live views: pipe:3: Bad file descriptor",
        ]);
        assertEquals(
          recorder.liveHost.attach(0, view("v4", m0, {}).tap),
          "the recording's encoder takes no live views now",
        );
        await sleep(1_500);
        assertEquals(await recorder.command("stop", {}), {});
        assertEquals(announced.filter((a) => a.header.display === 0).length, 1, "one part, no gap");
        const part = await record(dir, "c.d0.p0.mp4");
        assert(part.summary!.frames >= 2.5 * FPS, `${part.summary!.frames} frames`);
        await plays(dir, "c.d0.p0.mp4");
      },
      undefined,
      noExtraPipes,
    );
  },
});
