import { getLogger } from "@logtape/logtape";
import type { PipelinePlan } from "../capture/types.ts";
import { createFragmentReader, type FragmentEvent } from "../fmp4/mod.ts";
import { ffmpegPerFrameOutput, PER_FRAME_GOP, randomChunks } from "../fmp4/ffmpeg_fixture.ts";
import { assertEquals } from "../testing/assert.ts";
import { createTapRouter, type TrackTap } from "./tap_router.ts";

type Got = ["init", number] | ["fragment", number, boolean] | ["dropped", string];

/** A view whose feed notes what it gets: inits and fragments by their size, and drops. */
function view(id: string) {
  const got: Got[] = [];
  const tap: TrackTap = {
    id,
    plan: {} as PipelinePlan,
    feed: {
      init: (bytes) => got.push(["init", bytes.length]),
      fragment: (f) => got.push(["fragment", f.bytes.length, f.keyframe]),
      dropped: (why) => got.push(["dropped", why]),
    },
  };
  return { tap, got };
}

/** The fixture (a fragment per frame, a keyframe every 4) as the reader cuts it. */
async function stream() {
  const bytes = await ffmpegPerFrameOutput();
  const events = createFragmentReader().push(bytes);
  const init = events[0]!;
  const fragments = events.slice(1) as FragmentEvent[];
  return { bytes, init, fragments };
}

Deno.test("tap router: a view gets its owner's stream only, however the pipe is cut", async () => {
  const { bytes, init, fragments } = await stream();
  const router = createTapRouter(getLogger(["test"]), "display 0");
  const a = view("a");
  router.want([a.tap]);
  router.runStarted(1, [a.tap]);
  router.runStarted(2, [a.tap]);
  router.setOwners(() => 1);
  for (const chunk of randomChunks(bytes, 7, 900)) {
    router.output(1, 0, chunk);
    router.output(2, 0, chunk); // the same bytes from a generation that does not own the view
  }
  assertEquals(a.got, [
    ["init", init.bytes.length],
    ...fragments.map((f): Got => ["fragment", f.bytes.length, f.keyframe]),
  ]);
});

Deno.test("tap router: a new owner hands over its init and its fragments since the last keyframe", async () => {
  const { bytes, init, fragments } = await stream();
  const router = createTapRouter(getLogger(["test"]), "display 0");
  const a = view("a");
  router.want([a.tap]);
  router.runStarted(2, [a.tap]);
  router.setOwners(() => 1);
  // Generation 2 writes 6 frames while generation 1 still owns the view: keyframe 4, then 5.
  const sixFrames = init.bytes.length +
    fragments.slice(0, 6).reduce((n, f) => n + f.bytes.length, 0);
  router.output(2, 0, bytes.subarray(0, sixFrames));
  assertEquals(a.got, []);
  router.setOwners(() => 2);
  assertEquals(a.got, [
    ["init", init.bytes.length],
    ...fragments.slice(PER_FRAME_GOP, 6).map((f): Got => ["fragment", f.bytes.length, f.keyframe]),
  ]);
  assertEquals(a.got[1], ["fragment", fragments[PER_FRAME_GOP]!.bytes.length, true]);
  // The same owner again changes nothing.
  router.setOwners(() => 2);
  assertEquals(a.got.length, 3);
});

Deno.test("tap router: views left out get nothing more; dropped ones are told why, once", async () => {
  const { bytes } = await stream();
  const router = createTapRouter(getLogger(["test"]), "display 0");
  const a = view("a");
  const b = view("b");
  router.want([a.tap, b.tap]);
  router.runStarted(1, [a.tap, b.tap]);
  router.setOwners(() => 1);
  router.want([b.tap]);
  router.output(1, 0, bytes);
  assertEquals(a.got, []);
  router.output(1, 1, bytes.subarray(0, 100));
  router.drop(["b"], "the recording's encoder stopped");
  router.drop(["b"], "again");
  assertEquals(b.got, [["dropped", "the recording's encoder stopped"]]);
  assertEquals(router.wanted(), []);
});

Deno.test("tap router: an unreadable pipe loses that run's view output, nothing else", async () => {
  const { bytes, init } = await stream();
  const router = createTapRouter(getLogger(["test"]), "display 0");
  const a = view("a");
  router.want([a.tap]);
  router.runStarted(1, [a.tap]);
  router.setOwners(() => 1);
  // A box whose size field (4) is below a box header's 8 bytes: not MP4.
  router.output(1, 0, new Uint8Array([0, 0, 0, 4, 0x6d, 0x6f, 0x6f, 0x76, 1, 2, 3, 4]));
  router.output(1, 0, bytes);
  assertEquals(a.got, [], "the rest of the run is not read as video");
  assertEquals(router.wanted().length, 1, "the view is still wanted");
  router.runStarted(1, [a.tap]); // the encoder's next run
  router.output(1, 0, bytes);
  assertEquals(a.got[0], ["init", init.bytes.length]);
});
