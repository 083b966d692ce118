/**
 * The fan-out with fake sockets and real fMP4 from ffmpeg (the live layout: a fragment per
 * frame, a keyframe every 4): who gets what, in which order, and what stays bounded.
 */
import { FakeClock } from "../../clock/fake_clock.ts";
import { ffmpegPerFrameOutput, PER_FRAME_GOP } from "../../fmp4/ffmpeg_fixture.ts";
import { createFragmentReader, type FragmentEvent, type InitEvent } from "../../fmp4/mod.ts";
import { base64 } from "../../live/blob.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import {
  CLOSE_VIEWER_TOO_SLOW,
  type ControlMessage,
  decodeFrame,
  encodeFrame,
  FRAME_FRAGMENT,
  FRAME_INIT,
  type FrameHeader,
} from "./framing.ts";
import { LiveHub, LiveViewError } from "./hub.ts";
import type { LiveHubOptions, ViewerSocket } from "./types.ts";

const USER = "op-1";
const STREAM = "view-1";

type Got =
  | { readonly text: ControlMessage }
  | { readonly header: FrameHeader; readonly payload: Uint8Array };

class FakeSocket implements ViewerSocket {
  readyState = 1;
  bufferedAmount = 0;
  got: Got[] = [];
  closed: { code: number | undefined; reason: string | undefined } | undefined;

  send(data: string | Uint8Array<ArrayBuffer>): void {
    if (this.readyState !== 1) throw new Error("send on a closed socket");
    this.got.push(typeof data === "string" ? { text: JSON.parse(data) } : decodeFrame(data));
  }
  close(code?: number, reason?: string): void {
    this.closed = { code, reason };
    this.readyState = 3;
  }
  /** What it got, in short: "init", "end:<reason>", "waiting", "F<n>" (K for a keyframe). */
  summary(fragments: readonly FragmentEvent[]): string[] {
    return this.got.flatMap((g) => {
      if ("text" in g) {
        return g.text.type === "end"
          ? [`end:${g.text.reason}`]
          : g.text.type === "waiting"
          ? ["waiting"]
          : [];
      }
      if (g.header.kind === FRAME_INIT) return ["init"];
      const i = fragments.findIndex((f) => sameBytes(f.bytes, g.payload));
      return [`${g.header.keyframe ? "K" : "F"}${i}`];
    });
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

const media = (async () => {
  const events = createFragmentReader().push(await ffmpegPerFrameOutput());
  const init = events[0] as InitEvent;
  const fragments = events.slice(1) as FragmentEvent[];
  return { init, fragments };
})();

function setup(options: LiveHubOptions = {}) {
  const clock = new FakeClock(1_000_000);
  const hub = new LiveHub(clock, options);
  hub.open(USER, { streamId: STREAM, display: 0, frameRate: 5 });
  let seq = 0;
  const send = (bytes: Uint8Array, init = false) =>
    hub.blob(USER, { payload: base64(bytes), streamId: STREAM, seq: seq++, init });
  const viewer = () => {
    const socket = new FakeSocket();
    const id = hub.join(USER, STREAM, socket);
    assert(id !== undefined, "joined");
    return socket;
  };
  return { clock, hub, send, viewer };
}

Deno.test("live hub: every viewer gets the init, then every fragment, decoded and framed", async () => {
  const { init, fragments } = await media;
  assertEquals(PER_FRAME_GOP, 4, "the keyframes every 4 fragments these tests expect");
  const { hub, send, viewer, clock } = setup();
  const a = viewer();
  const b = viewer();
  assertEquals(a.summary(fragments), ["waiting"]);
  assertEquals(send(init.bytes, true), { ok: true, kind: "init", keyframe: false });
  for (const f of fragments.slice(0, 6)) {
    clock.advance(200);
    const outcome = send(f.bytes);
    assertEquals(outcome.ok && outcome.keyframe, f.keyframe);
  }
  const expected = ["waiting", "init", "K0", "F1", "F2", "F3", "K4", "F5"];
  assertEquals(a.summary(fragments), expected);
  assertEquals(b.summary(fragments), expected);
  const info = a.got[1];
  assert(info !== undefined && "text" in info && info.text.type === "init");
  assertEquals([info.text.codec, info.text.width, info.text.height], [init.info.codec, 320, 240]);
  assert(info.text.codec.startsWith("avc1."), info.text.codec);
  assertEquals(info.text.serverTime, 1_000_000);
  const f1 = a.got[4];
  assert(f1 !== undefined && "header" in f1);
  assertEquals(f1.header.kind, FRAME_FRAGMENT);
  assertEquals(f1.header.seq, 2);
  assertEquals(f1.header.arrival, 1_000_400);
  assertEquals(f1.header.mediaStart, fragments[1]!.decodeTime / init.info.timescale);
  assertEquals(f1.header.mediaDuration, 0.2);
  const [status] = hub.status();
  assertEquals(status?.state, "live");
  assertEquals(status?.viewers, 2);
  assertEquals(status?.blobs, 7);
  assertEquals(status?.lastSeq, 6);
  assertEquals(status?.lastKeyframeAgeMs, 200);
  assertEquals(status?.bufferedFragments, 2, "K4 and F5: what a late joiner gets");
});

Deno.test("live hub: a late joiner gets the last init and the fragments since the last keyframe", async () => {
  const { init, fragments } = await media;
  const { send, viewer } = setup();
  send(init.bytes, true);
  for (const f of fragments.slice(0, 7)) send(f.bytes);
  const late = viewer();
  assertEquals(late.summary(fragments), ["init", "K4", "F5", "F6"]);
  send(fragments[7]!.bytes);
  send(fragments[8]!.bytes);
  assertEquals(late.summary(fragments), ["init", "K4", "F5", "F6", "F7", "K8"]);
});

Deno.test("live hub: a new init resets every viewer; each starts again at a keyframe", async () => {
  const { init, fragments } = await media;
  const { hub, send, viewer } = setup();
  const early = viewer();
  send(init.bytes, true);
  for (const f of fragments.slice(0, 3)) send(f.bytes);
  send(init.bytes); // a restarted encoder: no init flag, found by its ftyp
  const late = viewer();
  for (const f of fragments.slice(1, 6)) send(f.bytes);
  assertEquals(early.summary(fragments), [
    ...["waiting", "init", "K0", "F1", "F2"],
    ...["init", "K4", "F5"],
  ]);
  assertEquals(late.summary(fragments), ["init", "K4", "F5"]);
  assertEquals(hub.status()[0]?.inits, 2);
});

Deno.test("live hub: a slow viewer skips to a keyframe, never holds up others, and is dropped", async () => {
  const { init, fragments } = await media;
  const { clock, hub, send, viewer } = setup({
    viewerHighWaterBytes: 1000,
    slowViewerTimeoutMs: 3000,
  });
  const fast = viewer();
  const slow = viewer();
  send(init.bytes, true);
  send(fragments[0]!.bytes);
  slow.bufferedAmount = 5000; // its link stalls
  send(fragments[1]!.bytes);
  send(fragments[2]!.bytes);
  slow.bufferedAmount = 0; // drained, but F3 follows a hole: it waits for K4
  send(fragments[3]!.bytes);
  send(fragments[4]!.bytes);
  send(fragments[5]!.bytes);
  assertEquals(fast.summary(fragments), ["waiting", "init", "K0", "F1", "F2", "F3", "K4", "F5"]);
  assertEquals(slow.summary(fragments), ["waiting", "init", "K0", "K4", "F5"]);
  assertEquals(hub.status()[0]?.viewerDetails.map((v) => v.skippedFragments), [0, 3]);

  slow.bufferedAmount = 5000; // stalls for good: the clock runs past the timeout
  for (const f of fragments.slice(6, 24)) {
    clock.advance(200);
    send(f.bytes);
  }
  assertEquals(slow.closed, { code: CLOSE_VIEWER_TOO_SLOW, reason: "tooSlow" });
  assertEquals(slow.summary(fragments).at(-1), "end:tooSlow");
  assertEquals(fast.summary(fragments).length, 2 + 24, "the fast one got all 24 fragments");
  assertEquals(hub.status()[0]?.viewers, 1);
});

Deno.test("live hub: ending a stream tells its viewers and closes them; later blobs go nowhere", async () => {
  const { init, fragments } = await media;
  const { hub, send, viewer } = setup();
  const a = viewer();
  send(init.bytes, true);
  send(fragments[0]!.bytes);
  assert(hub.end(USER, STREAM, "stopped"));
  assertEquals(a.summary(fragments), ["waiting", "init", "K0", "end:stopped"]);
  assertEquals(a.closed, { code: 1000, reason: "stopped" });
  assertEquals(hub.status(), []);
  assertEquals(send(fragments[1]!.bytes).ok, false);
  assertEquals(hub.unknownBlobs, 1);
  assertEquals(hub.join(USER, STREAM, new FakeSocket()), undefined);
  assert(!hub.end(USER, STREAM, "stopped"));

  hub.open(USER, { streamId: "x", display: 0 });
  hub.open(USER, { streamId: "y", display: 1 });
  hub.open("op-2", { streamId: "x", display: 0 });
  const b = new FakeSocket();
  hub.join("op-2", "x", b);
  assertEquals(hub.endUser(USER, "helperDisconnected"), 2);
  assertEquals(hub.status().map((s) => s.userID), ["op-2"]);
  hub.endAll("serverStopping");
  assertEquals(b.closed, { code: 1001, reason: "serverStopping" });
});

Deno.test("live hub: memory is bounded: the late joiners' buffer, streams and viewers", async () => {
  const { init, fragments } = await media;
  const { hub, send, viewer } = setup({
    maxBufferFragments: 2,
    maxViewersPerStream: 2,
    maxStreams: 2,
  });
  send(init.bytes, true);
  for (const f of fragments.slice(0, 3)) send(f.bytes); // K0 F1 F2: over 2, dropped
  assertEquals(hub.status()[0]?.bufferedFragments, 0);
  const late = viewer();
  send(fragments[3]!.bytes);
  send(fragments[4]!.bytes);
  assertEquals(late.summary(fragments), ["init", "K4"], "waits for the next keyframe");
  assertEquals(hub.status()[0]?.bufferedFragments, 1);
  viewer();
  assert(!hub.canJoin(USER, STREAM));
  assertEquals(hub.join(USER, STREAM, new FakeSocket()), undefined);

  const bytes = setup({ maxBufferBytes: fragments[0]!.bytes.length + 100 });
  bytes.send(init.bytes, true);
  bytes.send(fragments[0]!.bytes);
  bytes.send(fragments[1]!.bytes);
  assertEquals(bytes.hub.status()[0]?.bufferedFragments, 0, "over the byte cap");

  hub.open(USER, { streamId: "second", display: 0 });
  hub.open(USER, { streamId: "second", display: 1 }); // again: no new stream
  let refused: unknown;
  try {
    hub.open(USER, { streamId: "third", display: 0 });
  } catch (e) {
    refused = e;
  }
  assert(refused instanceof LiveViewError);
});

Deno.test("live hub: bad blobs are refused and counted; the stream goes on", async () => {
  const { init, fragments } = await media;
  const { hub, send, viewer } = setup();
  const a = viewer();
  assertEquals(send(fragments[0]!.bytes), {
    ok: false,
    reason: "a fragment before any init segment",
  });
  assertEquals(hub.blob(USER, { payload: base64(init.bytes) }).ok, false, "no streamId");
  assertEquals(hub.blob(USER, { payload: "AAAA!", streamId: STREAM }), {
    ok: false,
    reason: "the payload is not base64",
  });
  send(init.bytes, true);
  const whole = fragments[0]!.bytes;
  assertEquals(send(whole.subarray(0, 100)), { ok: false, reason: "not one whole fragment" });
  assertEquals(send(new Uint8Array([0, 0, 0, 8, 0x6d, 0x6f, 0x6f, 0x76])).ok, false);
  assertEquals(send(whole.subarray(0, 100), true).ok, false, "half an init");
  assert(send(whole).ok, "the reader started again from the init");
  assert(send(fragments[1]!.bytes).ok);
  assertEquals(a.summary(fragments), ["waiting", "init", "K0", "F1"]);
  assertEquals(hub.status()[0]?.rejected, 5);
});

Deno.test("live framing: a frame reads back as written", () => {
  const payload = new Uint8Array([1, 2, 3]);
  const header: FrameHeader = {
    kind: FRAME_FRAGMENT,
    keyframe: true,
    seq: 2 ** 40 + 7,
    arrival: 1_752_000_000_123,
    mediaStart: 12.4,
    mediaDuration: 0.2,
  };
  const read = decodeFrame(encodeFrame(header, payload));
  assertEquals(read.header, { ...header, seq: 7 });
  assertEquals([...read.payload], [1, 2, 3]);
  const none = decodeFrame(encodeFrame({ ...header, kind: FRAME_INIT, seq: undefined }, payload));
  assertEquals(none.header.seq, undefined);
});
