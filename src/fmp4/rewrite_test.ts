import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import { boxAt, requireChild } from "./boxes.ts";
import { Fmp4Error } from "./errors.ts";
import { box, concatBytes, ffmpegOutput, FRAMES, run, u32 } from "./ffmpeg_fixture.ts";
import { createFragmentReader, type FragmentEvent, type InitEvent } from "./reader.ts";
import { rebaseFragment } from "./rewrite.ts";

async function events(): Promise<{ init: InitEvent; fragments: FragmentEvent[] }> {
  const reader = createFragmentReader();
  const all = [...reader.push(await ffmpegOutput()), ...reader.end()];
  const init = all[0];
  assert(init?.kind === "init");
  return { init, fragments: all.filter((e): e is FragmentEvent => e.kind === "fragment") };
}

function sequenceOf(fragment: Uint8Array): number {
  const moof = boxAt(fragment, 0, fragment.length); // ffmpeg's fragments start at the moof
  const mfhd = requireChild(fragment, moof, "mfhd");
  return new DataView(fragment.buffer, fragment.byteOffset).getUint32(mfhd.body + 4);
}

/** ffprobe's start time and decoded frame count, and ffmpeg's complaints when decoding. */
async function probe(bytes: Uint8Array): Promise<{ start: number; frames: number; err: string }> {
  const file = await Deno.makeTempFile({ suffix: ".mp4" });
  try {
    await Deno.writeFile(file, bytes);
    const { out } = await run("ffprobe", [
      "-v",
      "error",
      "-count_frames",
      "-show_entries",
      "stream=nb_read_frames",
      "-show_entries",
      "format=start_time",
      "-of",
      "json",
      file,
    ]);
    const json = JSON.parse(out);
    const { err } = await run("ffmpeg", ["-v", "error", "-i", file, "-f", "null", "-"]);
    return {
      start: Number(json.format.start_time),
      frames: Number(json.streams[0].nb_read_frames),
      err,
    };
  } finally {
    await Deno.remove(file);
  }
}

Deno.test("fmp4 rewrite: later fragments become a file that starts at 0 and plays", async () => {
  const { init, fragments } = await events();
  const tail = fragments.slice(1);
  const shift = tail[0]!.decodeTime;
  assert(shift > 0);
  const before = tail.map((f) => f.bytes.slice());
  const rebased = tail.map((f, i) =>
    rebaseFragment(f.bytes, { decodeTimeShift: shift, sequenceNumber: i + 1 })
  );
  assertEquals(tail.map((f) => f.bytes), before, "the input is not touched");
  assertEquals(rebased.map((b) => b.length), before.map((b) => b.length));
  assertEquals(rebased.map(sequenceOf), tail.map((_, i) => i + 1));
  assertEquals(
    tail.map((f) => sequenceOf(f.bytes)),
    tail.map((_, i) => i + 2),
    "ffmpeg counts 1..",
  );

  const reread = createFragmentReader().push(concatBytes([init.bytes, ...rebased]))
    .filter((e): e is FragmentEvent => e.kind === "fragment");
  assertEquals(
    reread.map(({ decodeTime, duration, samples, keyframe }) => ({
      decodeTime,
      duration,
      samples,
      keyframe,
    })),
    tail.map(({ decodeTime, duration, samples, keyframe }) => ({
      decodeTime: decodeTime - shift,
      duration,
      samples,
      keyframe,
    })),
  );

  const expectedFrames = FRAMES - fragments[0]!.samples;
  const played = await probe(concatBytes([init.bytes, ...rebased]));
  assert(Math.abs(played.start) < 0.001, `start_time ${played.start}`);
  assertEquals(played.frames, expectedFrames);
  assertEquals(played.err, "", "ffmpeg decodes it without complaint");

  // Without the rewrite the same fragments start where they were cut from: why this exists.
  const unrebased = await probe(concatBytes([init.bytes, ...tail.map((f) => f.bytes)]));
  assertEquals(unrebased.start, shift / init.info.timescale);
});

Deno.test("fmp4 rewrite: a zero shift with the same sequence number changes nothing", async () => {
  const { fragments } = await events();
  for (const f of fragments) {
    const same = rebaseFragment(f.bytes, {
      decodeTimeShift: 0,
      sequenceNumber: sequenceOf(f.bytes),
    });
    assertEquals(same, f.bytes);
    assert(same !== f.bytes, "always a copy");
  }
});

const moof = (tfdt: Uint8Array, sequence = 9) =>
  box("moof", box("mfhd", u32(0, sequence)), box("traf", box("tfhd", u32(0, 1)), tfdt));

Deno.test("fmp4 rewrite: 32-bit and 64-bit tfdt, with leading boxes before the moof", () => {
  const styp = box("styp", u32(0, 0));
  const narrow = concatBytes([styp, moof(box("tfdt", u32(0, 5000)))]);
  const out = rebaseFragment(narrow, { decodeTimeShift: 1000, sequenceNumber: 3 });
  assertEquals(out, concatBytes([styp, moof(box("tfdt", u32(0, 4000)), 3)]));

  // Past 2^53, where Number math would round: BigInt keeps it exact.
  const wide = moof(box("tfdt", u32(0x01000000, 0x00300000, 0x00000007)));
  const shifted = rebaseFragment(wide, { decodeTimeShift: 2, sequenceNumber: 1 });
  const view = new DataView(shifted.buffer);
  assertEquals(view.getBigUint64(shifted.length - 8), (0x00300000n << 32n) + 5n);
});

Deno.test("fmp4 rewrite: refuses what it cannot rebase", () => {
  const fragment = moof(box("tfdt", u32(0, 5)));
  const cases: [Uint8Array, string][] = [
    [fragment, "would be negative"],
    [box("mdat", u32(1)), "has no moof"],
    [box("moof", box("mfhd", u32(0, 1)), box("traf", box("tfhd", u32(0, 1)))), "no 'tfdt'"],
    [box("moof", box("traf", box("tfdt", u32(0, 9)))), "no 'mfhd'"],
    [box("moof", box("mfhd", u32(0))), "'mfhd' is too short"],
    [fragment.subarray(0, 20), "size"],
  ];
  for (const [bytes, message] of cases) {
    const e = assertThrows(
      () => rebaseFragment(bytes, { decodeTimeShift: 6, sequenceNumber: 1 }),
      Fmp4Error,
      message,
    );
    assertEquals((e as Fmp4Error).retryable, false);
  }
  assertThrows(
    () => rebaseFragment(fragment, { decodeTimeShift: -1, sequenceNumber: 1 }),
    RangeError,
  );
  assertThrows(
    () => rebaseFragment(fragment, { decodeTimeShift: 0.5, sequenceNumber: 1 }),
    RangeError,
  );
  assertThrows(
    () => rebaseFragment(fragment, { decodeTimeShift: 0, sequenceNumber: 2 ** 32 }),
    RangeError,
  );
});
