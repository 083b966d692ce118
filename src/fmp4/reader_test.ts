import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import { boxesIn } from "./boxes.ts";
import { Fmp4Error } from "./errors.ts";
import {
  box,
  concatBytes,
  ffmpegOutput,
  ffmpegPerFrameOutput,
  FRAMES,
  PER_FRAME_GOP,
  randomChunks,
  run,
  u32,
} from "./ffmpeg_fixture.ts";
import {
  createFragmentReader,
  type Fmp4Event,
  type FragmentEvent,
  type FragmentReaderOptions,
  type InitEvent,
} from "./reader.ts";

function readAll(chunks: Uint8Array[], options: FragmentReaderOptions = {}): Fmp4Event[] {
  const reader = createFragmentReader(options);
  const events = chunks.flatMap((chunk) => reader.push(chunk));
  return [...events, ...reader.end()];
}

function split(events: Fmp4Event[]): { init: InitEvent; fragments: FragmentEvent[] } {
  const [init, ...rest] = events;
  assert(init?.kind === "init", "the first event is the init");
  const fragments = rest.filter((e): e is FragmentEvent => e.kind === "fragment");
  assertEquals(fragments.length, rest.length, "one init, then only fragments");
  return { init, fragments };
}

/** The top-level boxes of a whole stream, as separate arrays. */
function topBoxes(bytes: Uint8Array): { type: string; bytes: Uint8Array }[] {
  return boxesIn(bytes, 0, bytes.length).map((b) => ({
    type: b.type,
    bytes: bytes.subarray(b.start, b.end),
  }));
}

Deno.test("fmp4 reader: real ffmpeg output in any chunking gives one init and whole fragments", async () => {
  const input = await ffmpegOutput();
  const chunkings = [
    [input],
    randomChunks(input, 1, 1), // byte by byte
    randomChunks(input, 2, 7),
    randomChunks(input, 3, 1000),
    randomChunks(input, 4, 70_000),
  ];
  for (const chunks of chunkings) {
    const { init, fragments } = split(readAll(chunks));
    assertEquals(concatBytes([init.bytes, ...fragments.map((f) => f.bytes)]), input);
    assertEquals(fragments.length, FRAMES / 10, "-g 10: a fragment per 10 frames");
    assertEquals(fragments.reduce((n, f) => n + f.samples, 0), FRAMES);
    assertEquals(fragments[0]?.decodeTime, 0);
    for (let i = 1; i < fragments.length; i++) {
      const before = fragments[i - 1]!;
      assertEquals(fragments[i]!.decodeTime, before.decodeTime + before.duration);
    }
    assert(fragments.every((f) => f.keyframe), "every fragment starts at a keyframe");
    assert(fragments.every((f) => f.bytes.subarray(4, 8).join() === "109,111,111,102")); // moof
  }
});

Deno.test("fmp4 reader: per-frame fragments (live view): exactly every N-th is a keyframe", async () => {
  const input = await ffmpegPerFrameOutput();
  for (const chunks of [[input], randomChunks(input, 7, 500)]) {
    const { init, fragments } = split(readAll(chunks));
    assertEquals(concatBytes([init.bytes, ...fragments.map((f) => f.bytes)]), input);
    assertEquals(fragments.length, FRAMES, "frag_every_frame: a fragment per frame");
    assert(fragments.every((f) => f.samples === 1));
    assertEquals(
      fragments.map((f) => f.keyframe),
      fragments.map((_, i) => i % PER_FRAME_GOP === 0),
      `-g ${PER_FRAME_GOP}`,
    );
    const tick = init.info.timescale / 5;
    assertEquals(fragments.map((f) => f.decodeTime), fragments.map((_, i) => i * tick));
    assert(fragments.every((f) => f.duration === tick));
  }
  // ffprobe agrees on which frames are keyframes.
  const file = await Deno.makeTempFile({ suffix: ".mp4" });
  try {
    await Deno.writeFile(file, input);
    const { out } = await run("ffprobe", [
      ...["-v", "error", "-show_entries", "packet=flags", "-of", "json", file],
    ]);
    const packets: { flags: string }[] = JSON.parse(out).packets;
    assertEquals(
      packets.map((p) => p.flags.startsWith("K")),
      packets.map((_, i) => i % PER_FRAME_GOP === 0),
    );
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("fmp4 reader: init info agrees with ffprobe", async () => {
  const input = await ffmpegOutput();
  const { init, fragments } = split(readAll([input]));
  const file = await Deno.makeTempFile({ suffix: ".mp4" });
  try {
    await Deno.writeFile(file, input);
    const { out } = await run("ffprobe", [
      "-v",
      "error",
      "-show_entries",
      "stream=time_base,width,height,level,profile,codec_tag_string",
      "-of",
      "json",
      file,
    ]);
    const stream = JSON.parse(out).streams[0];
    assertEquals(stream.time_base, `1/${init.info.timescale}`);
    assertEquals([init.info.width, init.info.height], [320, 240]);
    assertEquals([stream.width, stream.height], [320, 240]);
    assertEquals(init.info.trackId, 1);
    // libx264's ultrafast writes Constrained Baseline: profile_idc 66, constraint_set0/1 set
    assertEquals(stream.profile, "Constrained Baseline");
    assertEquals(init.info.codec, `avc1.42c0${stream.level.toString(16).padStart(2, "0")}`);
    // the fragments together last the 6 s asked for
    const ticks = fragments.reduce((n, f) => n + f.duration, 0);
    assertEquals(ticks, 6 * init.info.timescale);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("fmp4 reader: boxes before a moof go with it; boxes before the moov with the init", async () => {
  const boxes = topBoxes(await ffmpegOutput());
  const free = box("free", new Uint8Array(4));
  const styp = box("styp", new TextEncoder().encode("msdh"), u32(0));
  const parts: Uint8Array[] = [];
  let moofs = 0;
  for (const b of boxes) {
    if (b.type === "moov") parts.push(free);
    if (b.type === "moof") parts.push(moofs++ === 0 ? free : styp, box("free"));
    parts.push(b.bytes);
  }
  const input = concatBytes(parts);
  const { init, fragments } = split(readAll(randomChunks(input, 5, 300)));
  assertEquals(concatBytes([init.bytes, ...fragments.map((f) => f.bytes)]), input);
  assertEquals(topBoxes(init.bytes).map((b) => b.type), ["ftyp", "free", "moov"]);
  assertEquals(topBoxes(fragments[0]!.bytes).map((b) => b.type), ["free", "free", "moof", "mdat"]);
  assertEquals(topBoxes(fragments[1]!.bytes).map((b) => b.type), ["styp", "free", "moof", "mdat"]);
});

Deno.test("fmp4 reader: 64-bit box sizes are read", async () => {
  const boxes = topBoxes(await ffmpegOutput());
  const input = concatBytes(boxes.map((b) => {
    if (b.type !== "mdat") return b.bytes;
    const large = new Uint8Array(b.bytes.length + 8);
    const view = new DataView(large.buffer);
    view.setUint32(0, 1);
    large.set(b.bytes.subarray(4, 8), 4);
    view.setBigUint64(8, BigInt(large.length));
    large.set(b.bytes.subarray(8), 16);
    return large;
  }));
  const { init, fragments } = split(readAll(randomChunks(input, 6, 11)));
  assertEquals(concatBytes([init.bytes, ...fragments.map((f) => f.bytes)]), input);
  assertEquals(fragments.reduce((n, f) => n + f.samples, 0), FRAMES);
});

Deno.test("fmp4 reader: a stream cut short makes end() throw and says where", async () => {
  const input = await ffmpegOutput();
  const boxes = topBoxes(input);
  const initLength = boxes[0]!.bytes.length + boxes[1]!.bytes.length;
  const lastMoofEnd = input.length - boxes.at(-1)!.bytes.length;
  const cases: [Uint8Array, string][] = [
    [input.subarray(0, input.length - 100), "inside a 'mdat' box"],
    [input.subarray(0, lastMoofEnd), "between a moof and its mdat"],
    [input.subarray(0, initLength + 3), "inside a box header"],
    [input.subarray(0, boxes[0]!.bytes.length), "before the moov"],
    [concatBytes([input, box("mfra", u32(0))]), "no moof followed (mfra)"], // no skip_trailer
  ];
  for (const [bytes, where] of cases) {
    const reader = createFragmentReader();
    reader.push(bytes);
    const e = assertThrows(() => reader.end(), Fmp4Error, where);
    assertEquals([e.name, (e as Fmp4Error).retryable], ["Fmp4Error", false]);
  }
  assertEquals(createFragmentReader().end(), [], "nothing in, nothing left");
});

Deno.test("fmp4 reader: malformed streams throw Fmp4Error, and keep throwing", async () => {
  const input = await ffmpegOutput();
  const boxes = topBoxes(input);
  const init = concatBytes([boxes[0]!.bytes, boxes[1]!.bytes]);
  const mdat = box("mdat", new Uint8Array(10));
  const moof = boxes[2]!.bytes;
  const cases: [Uint8Array, string][] = [
    [concatBytes([init, u32(3), new TextEncoder().encode("moof")]), "size 3, smaller than"],
    [concatBytes([init, u32(1, 0x6d646174, 0, 9)]), "size 9, smaller than"],
    [concatBytes([init, u32(0), new TextEncoder().encode("mdat")]), "size 0"],
    [concatBytes([init, u32(100, 0x00ff0102)]), "no box type at stream offset"],
    [mdat, "mdat before any moof"],
    [concatBytes([boxes[0]!.bytes, moof]), "moof before the init segment"],
    [concatBytes([init, mdat]), "mdat without a moof"],
    [concatBytes([init, moof, moof]), "moof after a moof"],
    [concatBytes([init, boxes[1]!.bytes]), "a second moov"],
    [concatBytes([init, box("moof", box("mfhd", u32(0, 1)))]), "no traf for track 1"],
  ];
  for (const [bytes, message] of cases) {
    const reader = createFragmentReader();
    const e = assertThrows(() => reader.push(bytes), Fmp4Error, message);
    assertEquals(assertThrows(() => reader.push(new Uint8Array(1))), e, "the error sticks");
    assertEquals(assertThrows(() => reader.end()), e);
  }
});

Deno.test("fmp4 reader: a box over maxBoxBytes is refused from its header alone", async () => {
  const input = await ffmpegOutput();
  const boxes = topBoxes(input);
  const mdatAt = boxes.slice(0, 3).reduce((n, b) => n + b.bytes.length, 0);
  const reader = createFragmentReader({ maxBoxBytes: 4096 });
  reader.push(input.subarray(0, mdatAt + 7));
  assertThrows(() => reader.push(input.subarray(mdatAt + 7, mdatAt + 8)), Fmp4Error, "4096");

  // Many small boxes without a mdat are held together, so they count together.
  const many = createFragmentReader({ maxBoxBytes: 4096 });
  many.push(concatBytes([boxes[0]!.bytes, boxes[1]!.bytes]));
  const free = box("free", new Uint8Array(1000));
  assertThrows(() => many.push(concatBytes([free, free, free, free, free])), Fmp4Error, "4096");

  assertThrows(() => createFragmentReader({ maxBoxBytes: 0 }), RangeError);
});

Deno.test("fmp4 reader: event bytes are the caller's to keep", async () => {
  const input = (await ffmpegOutput()).slice();
  const { init, fragments } = split(readAll([input]));
  const copy = concatBytes([init.bytes, ...fragments.map((f) => f.bytes)]);
  input.fill(0);
  assertEquals(concatBytes([init.bytes, ...fragments.map((f) => f.bytes)]), copy);
  assert(fragments.every((f) => f.bytes.buffer !== input.buffer));
});
