import { fromBinary } from "@bufbuild/protobuf";
import { UploadRequestSchema } from "../proto/agenthelper/screenrecorder/v1/screen_recorder_pb.ts";
import { assertEquals, assertThrows } from "../testing/assert.ts";
import { CHUNK_HEADROOM, encodeChunkInPlace } from "./chunk_message.ts";

/** `length` bytes of data after CHUNK_HEADROOM bytes of room that must not be read. */
function withRoom(length: number): Uint8Array {
  const buffer = new Uint8Array(CHUNK_HEADROOM + length).fill(0xee);
  const data = buffer.subarray(CHUNK_HEADROOM);
  for (let i = 0; i < length; i++) data[i] = (i * 31 + 7) & 0xff;
  return data;
}

Deno.test("chunk message: protobuf decodes the in-place encoding as the Chunk it stands for", () => {
  const cases: [number, number, number][] = [
    [0, 0, 0],
    [1, 127, 128],
    [300, 2 ** 31, 1_780_000_000_000],
    [256 * 1024, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    [1024 * 1024, 5 * 2 ** 30, 1],
  ];
  for (const [length, offset, captureTime] of cases) {
    const data = withRoom(length);
    const expected = data.slice();
    const encoded = encodeChunkInPlace(data, offset, captureTime);
    // It ends with the data, in the same memory, and starts within the room before it.
    assertEquals(encoded.buffer, data.buffer);
    assertEquals(encoded.byteOffset + encoded.length, data.byteOffset + data.length);
    const request = fromBinary(UploadRequestSchema, encoded);
    assertEquals(request.kind.case, "chunk");
    if (request.kind.case !== "chunk") continue;
    assertEquals(request.kind.value.offset, BigInt(offset));
    assertEquals(request.kind.value.captureTimeUnixMs, BigInt(captureTime));
    assertEquals([...request.kind.value.data], [...expected]);
  }
});

Deno.test("chunk message: refuses data without room before it, and values protobuf cannot hold", () => {
  assertThrows(() => encodeChunkInPlace(new Uint8Array(10), 0, 0), RangeError);
  assertThrows(() => encodeChunkInPlace(withRoom(1), -1, 0), RangeError);
  assertThrows(() => encodeChunkInPlace(withRoom(1), 0, 1.5), RangeError);
  assertThrows(() => encodeChunkInPlace(withRoom(1), 2 ** 53, 0), RangeError);
});
