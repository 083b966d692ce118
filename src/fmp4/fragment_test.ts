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

Deno.test("fmp4 fragment: sync sample flags", () => {
  assertEquals(
    [SYNC, NON_SYNC, 0, 0x00010000, 0x02010000, 0x01000000].map(isSyncSample),
    [true, false, true, false, true, true],
  );
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
