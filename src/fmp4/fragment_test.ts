import { assertEquals, assertThrows } from "../testing/assert.ts";
import { Fmp4Error } from "./errors.ts";
import { box, u32 } from "./ffmpeg_fixture.ts";
import { isSyncSample, parseMoof } from "./fragment.ts";
import type { TrackDefaults } from "./init.ts";

/** The flags ffmpeg writes: a keyframe depends on nothing, other frames are non-sync. */
const SYNC = 0x02000000;
const NON_SYNC = 0x01010000;

const moof = (...trafs: Uint8Array[]) => box("moof", box("mfhd", u32(0, 7)), ...trafs);
const traf = (...children: Uint8Array[]) => box("traf", ...children);
const tfhd = (flags: number, trackId: number, ...fields: number[]) =>
  box("tfhd", u32(flags, trackId, ...fields));
const tfdt = (time: number) => box("tfdt", u32(0, time));
const trun = (flags: number, count: number, ...fields: number[]) =>
  box("trun", u32(flags, count, ...fields));
const trex = (sampleDuration: number, sampleFlags: number) =>
  new Map<number, TrackDefaults>([[1, { sampleDuration, sampleFlags }]]);

Deno.test("fmp4 fragment: sync sample flags, read as Chromium's MSE reads them", () => {
  const cases: [number, boolean, string][] = [
    [SYNC, true, "ffmpeg's keyframe"],
    [NON_SYNC, false, "ffmpeg's other frames"],
    [0, true, "nothing said: sync"],
    [0x00010000, false, "non_sync alone"],
    [0x02010000, false, "an I-frame that is not a sync sample (non-IDR)"],
    [0x01000000, false, "depends on others, whatever non_sync says"],
    [0x0000ffff, true, "degradation priority is not a flag"],
    [0x0c0e0000, true, "is_leading and padding bits do not count"],
    [0x0a010000, false, "is_leading does not hide non_sync"],
  ];
  for (const [flags, sync, what] of cases) assertEquals(isSyncSample(flags), sync, what);
});

Deno.test("fmp4 fragment: which flags decide the first sample, edge cases", () => {
  const perSample = 0x400; // sample_flags present
  const first = 0x4; // first_sample_flags present
  const keyframe = (defaults: number, ...children: Uint8Array[]) =>
    parseMoof(moof(traf(...children)), 1, trex(1, defaults)).keyframe;
  // The sample's own flags beat tfhd's default, which beats trex.
  assertEquals(keyframe(SYNC, tfhd(0x20, 1, NON_SYNC), tfdt(0), trun(perSample, 1, SYNC)), true);
  assertEquals(keyframe(SYNC, tfhd(0x20, 1, SYNC), tfdt(0), trun(perSample, 1, NON_SYNC)), false);
  assertEquals(keyframe(NON_SYNC, tfhd(0x20, 1, SYNC), tfdt(0), trun(0, 1)), true);
  assertEquals(keyframe(SYNC, tfhd(0x20, 1, NON_SYNC), tfdt(0), trun(0, 1)), false);
  // first_sample_flags beat everything, for the first sample only.
  assertEquals(
    keyframe(NON_SYNC, tfhd(0x20, 1, NON_SYNC), tfdt(0), trun(first, 3, SYNC)),
    true,
  );
  assertEquals(
    keyframe(SYNC, tfhd(0x20, 1, SYNC), tfdt(0), trun(first | perSample, 2, NON_SYNC, SYNC, SYNC)),
    false,
  );
  // A later run's first_sample_flags describe a later sample, not the fragment's first.
  assertEquals(
    keyframe(NON_SYNC, tfhd(0, 1), tfdt(0), trun(0, 1), trun(first, 1, SYNC)),
    false,
  );
  // Empty runs before the first sample are skipped, first_sample_flags and all.
  assertEquals(
    keyframe(NON_SYNC, tfhd(0, 1), tfdt(0), trun(first, 0, SYNC), trun(first, 1, NON_SYNC)),
    false,
  );
  assertEquals(
    keyframe(NON_SYNC, tfhd(0, 1), tfdt(0), trun(first, 0, NON_SYNC), trun(first, 2, SYNC)),
    true,
  );
  // An I-frame flagged non-sync does not start a fragment a decoder can begin with.
  assertEquals(keyframe(SYNC, tfhd(0, 1), tfdt(0), trun(first, 1, 0x02010000)), false);
});

Deno.test("fmp4 fragment: ffmpeg's layout, tfhd defaults and trun first_sample_flags", () => {
  // tfhd: default-base-is-moof, default duration, size and flags; trun: data offset, first
  // sample flags, per-sample sizes
  const bytes = moof(
    traf(tfhd(0x020038, 1, 2048, 900, NON_SYNC), tfdt(6144), trun(0x205, 3, 120, SYNC, 1, 2, 3)),
  );
  const defaults = trex(1, SYNC);
  assertEquals(parseMoof(bytes, 1, defaults), {
    decodeTime: 6144,
    duration: 3 * 2048,
    samples: 3,
    keyframe: true,
  });
  const noFirst = moof(traf(tfhd(0x020038, 1, 2048, 900, NON_SYNC), tfdt(0), trun(0x201, 1, 8, 5)));
  assertEquals(parseMoof(noFirst, 1, defaults).keyframe, false, "tfhd's default flags apply");
});

Deno.test("fmp4 fragment: without tfhd defaults, the moov's trex decides", () => {
  const bytes = moof(traf(tfhd(0x020000, 1), tfdt(0), trun(0x1, 4, 0)));
  assertEquals(parseMoof(bytes, 1, trex(512, SYNC)), {
    decodeTime: 0,
    duration: 4 * 512,
    samples: 4,
    keyframe: true,
  });
  assertEquals(parseMoof(bytes, 1, trex(512, NON_SYNC)).keyframe, false);
});

Deno.test("fmp4 fragment: per-sample durations and flags, across several truns", () => {
  const perSample = 0x500; // duration and flags per sample
  const bytes = moof(
    traf(
      tfhd(0x020000, 1),
      tfdt(0),
      trun(perSample, 0),
      trun(perSample, 2, 10, SYNC, 20, NON_SYNC),
      trun(perSample, 1, 30, NON_SYNC),
    ),
  );
  assertEquals(parseMoof(bytes, 1, trex(1, NON_SYNC)), {
    decodeTime: 0,
    duration: 60,
    samples: 3,
    keyframe: true,
  });
  // first_sample_flags overrides the first sample's own flags
  const overridden = moof(traf(tfhd(0, 1), tfdt(0), trun(perSample | 0x4, 1, NON_SYNC, 10, SYNC)));
  assertEquals(parseMoof(overridden, 1, trex(1, SYNC)).keyframe, false);
  const empty = moof(traf(tfhd(0, 1), tfdt(0), trun(0, 0)));
  assertEquals(parseMoof(empty, 1, trex(1, SYNC)), {
    decodeTime: 0,
    duration: 0,
    samples: 0,
    keyframe: false,
  });
});

Deno.test("fmp4 fragment: 64-bit tfdt, and only the init's track counts", () => {
  const wide = box("tfdt", u32(0x01000000, 1, 5));
  const bytes = moof(
    traf(tfhd(0x8, 2, 77), tfdt(99), trun(0, 9)),
    traf(tfhd(0x8, 1, 10), wide, trun(0, 2)),
  );
  assertEquals(parseMoof(bytes, 1, trex(1, SYNC)), {
    decodeTime: 2 ** 32 + 5,
    duration: 20,
    samples: 2,
    keyframe: true,
  });
});

Deno.test("fmp4 fragment: malformed moofs throw Fmp4Error", () => {
  const cases: [Uint8Array, string][] = [
    [moof(traf(tfhd(0, 1), trun(0, 1))), "no tfdt"],
    [moof(traf(tfhd(0, 1), tfdt(0), trun(0x100, 0xffffffff, 1))), "too short"],
    [moof(traf(tfdt(0), trun(0, 1))), "'traf' has no 'tfhd'"],
    [moof(traf(box("tfhd", u32(0)), tfdt(0))), "'tfhd' is too short"],
    [moof(traf(tfhd(0, 3), tfdt(0))), "no traf for track 1"],
  ];
  for (const [bytes, message] of cases) {
    assertThrows(() => parseMoof(bytes, 1, trex(1, SYNC)), Fmp4Error, message);
  }
  const bytes = moof(traf(tfhd(0, 1), tfdt(0)));
  assertThrows(() => parseMoof(bytes, 1, new Map()), Fmp4Error, "no trex");
  const lying = moof(traf(tfhd(0, 1), tfdt(0)));
  new DataView(lying.buffer).setUint32(24, 1000); // after moof and mfhd headers, the traf claims more than the moof holds
  assertThrows(() => parseMoof(lying, 1, trex(1, SYNC)), Fmp4Error, "'traf' has size 1000");
});
