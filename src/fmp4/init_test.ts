import { assertEquals, assertThrows } from "../testing/assert.ts";
import { Fmp4Error } from "./errors.ts";
import { box, ffmpegOutput, u32 } from "./ffmpeg_fixture.ts";
import { boxesIn } from "./boxes.ts";
import { parseMoov } from "./init.ts";

const ascii = (text: string) => new TextEncoder().encode(text);

/** A version-1 moov (64-bit times in tkhd and mdhd; ffmpeg writes version 0), built by hand. */
function moov(options: { handler?: string; entry?: string; trex?: boolean } = {}): Uint8Array {
  const tkhd = box(
    "tkhd",
    u32(0x01000003, 0, 1, 0, 2, 7, 0), // version 1; created, modified (64-bit); track 7; reserved
    u32(0, 0, 0, 0, 0, 0), // duration (64-bit), reserved[2], layer/group, volume/reserved
    new Uint8Array(36), // matrix
    u32(1920 << 16, (1080 << 16) + 0x8000), // 16.16: 1920 x 1080.5
  );
  const mdhd = box("mdhd", u32(0x01000000, 0, 0, 0, 0, 90000, 0, 0, 0));
  const hdlr = box("hdlr", u32(0, 0), ascii(options.handler ?? "vide"), u32(0, 0, 0), ascii("\0"));
  const avcC = box("avcC", new Uint8Array([1, 0x64, 0x00, 0x1f, 0xff]));
  const entry = box(options.entry ?? "avc1", new Uint8Array(78), avcC);
  const stbl = box("stbl", box("stsd", u32(0, 1), entry));
  const trak = box("trak", tkhd, box("mdia", mdhd, hdlr, box("minf", stbl)));
  const mvex = box("mvex", box("trex", u32(0, 7, 1, 3000, 0, 0x01010000)));
  return options.trex === false ? box("moov", trak) : box("moov", trak, mvex);
}

Deno.test("fmp4 init: version-1 tkhd and mdhd, avcC codec string, trex defaults", () => {
  const parsed = parseMoov(moov());
  assertEquals(parsed.info, {
    timescale: 90000,
    width: 1920,
    height: 1080,
    codec: "avc1.64001f",
    trackId: 7,
  });
  assertEquals([...parsed.defaults], [[7, { sampleDuration: 3000, sampleFlags: 0x01010000 }]]);
  assertEquals(parseMoov(moov({ trex: false })).defaults.size, 0);
});

Deno.test("fmp4 init: another codec is named by its sample entry; no video track is an error", () => {
  assertEquals(parseMoov(moov({ entry: "hvc1" })).info.codec, "hvc1");
  assertEquals(parseMoov(moov({ entry: "avc3" })).info.codec, "avc3.64001f");
  assertThrows(() => parseMoov(moov({ handler: "soun" })), Fmp4Error, "no video track");
});

Deno.test("fmp4 init: ffmpeg's moov has a trex for its one track", async () => {
  const input = await ffmpegOutput();
  const found = boxesIn(input, 0, input.length).find((b) => b.type === "moov")!;
  const parsed = parseMoov(input.subarray(found.start, found.end));
  assertEquals([...parsed.defaults.keys()], [parsed.info.trackId]);
});
