import { create, toBinary } from "@bufbuild/protobuf";
import {
  UploadRequestSchema,
  UploadResponseSchema,
} from "../proto/agenthelper/screenrecorder/v1/screen_recorder_pb.ts";
import type { SealedInfo, SpoolMeta } from "../spool/records.ts";
import { samplePartHeader } from "../testing/part_header.ts";
import { assertEquals, assertThrows } from "../testing/assert.ts";
import { hexToBytes } from "../util/hex.ts";
import { FRAME_HEADROOM } from "./link.ts";
import { decodeResponse, encodeFinish, encodeHeader } from "./messages.ts";
import { readFields } from "./wire.ts";

const target = { recorder: "", tenantId: "t1", operatorId: "op ü", sessionId: "s" };

/** What protobuf-es makes of the same header (the agent built it this way before). */
function reference(fileName: string, meta: SpoolMeta): Uint8Array {
  const h = meta.header;
  return toBinary(
    UploadRequestSchema,
    create(UploadRequestSchema, {
      kind: {
        case: "header",
        value: {
          fileName,
          tenantId: meta.target.tenantId,
          operatorId: meta.target.operatorId,
          sessionId: meta.target.sessionId,
          segmentId: h.segmentId,
          interactionId: h.interactionId ?? "",
          workItemIds: [...h.workItemIds],
          display: {
            index: h.display,
            name: h.monitor.name,
            x: h.monitor.x,
            y: h.monitor.y,
            width: h.monitor.width,
            height: h.monitor.height,
          },
          part: h.part,
          cause: h.cause,
          codec: h.codec,
          container: h.container,
          encoder: h.encoder,
          captureBackend: h.captureBackend,
          frameRate: h.frameRate,
          startedAtUnixMs: BigInt(Math.round(h.startedAt)),
          offsetMs: BigInt(Math.round(h.offsetMs)),
        },
      },
    }),
  );
}

Deno.test("upload messages: the Header is byte for byte what protobuf-es encodes", () => {
  const base = samplePartHeader("a.d1.p2.mp4");
  const headers = [
    base,
    // A monitor left of and above the primary one: negative int32s.
    {
      ...base,
      display: 1,
      part: 2,
      interactionId: "call-7",
      workItemIds: ["", "w2", "wi ✓"],
      monitor: { name: "DP-1", x: -1920, y: -1, width: 1920, height: 1080 },
      startedAt: 1_780_000_000_123.4,
      offsetMs: 65_432.6,
    },
    { ...base, workItemIds: [], startedAt: 0, frameRate: 0 },
  ];
  for (const header of headers) {
    const meta = { header, target };
    const encoded = encodeHeader(header.fileName, meta);
    assertEquals([...encoded], [...reference(header.fileName, meta)]);
    assertEquals(encoded.byteOffset >= FRAME_HEADROOM, true);
  }
});

Deno.test("upload messages: the Finish is byte for byte what protobuf-es encodes", () => {
  const sha256 = "ab".repeat(32);
  const cases: SealedInfo[] = [
    { bytes: 5 * 2 ** 30 + 3, sha256, frames: 9000, durationMs: 1_800_000.4, endedAt: 1.78e12 },
    { bytes: 0, sha256, interrupted: true },
    { bytes: 10, sha256, aborted: "the spool is full", frames: 1 },
  ];
  for (const sealed of cases) {
    const expected = toBinary(
      UploadRequestSchema,
      create(UploadRequestSchema, {
        kind: {
          case: "finish",
          value: {
            totalSize: BigInt(sealed.bytes),
            sha256: hexToBytes(sealed.sha256),
            frames: BigInt(sealed.frames ?? 0),
            durationMs: BigInt(Math.max(0, Math.round(sealed.durationMs ?? 0))),
            endedAtUnixMs: BigInt(Math.round(sealed.endedAt ?? 0)),
            incompleteReason: sealed.aborted ??
              (sealed.interrupted ? "the agent stopped before the part's end" : ""),
          },
        },
      }),
    );
    const encoded = encodeFinish(sealed);
    assertEquals([...encoded], [...expected]);
    assertEquals(encoded.byteOffset >= FRAME_HEADROOM, true);
  }
});

Deno.test("upload messages: responses decode as protobuf-es encodes them", () => {
  const encode = (kind: Parameters<typeof create<typeof UploadResponseSchema>>[1]) =>
    toBinary(UploadResponseSchema, create(UploadResponseSchema, kind));
  assertEquals(decodeResponse(encode({ kind: { case: "ack", value: {} } })), {
    kind: "ack",
    committedOffset: 0,
  });
  assertEquals(
    decodeResponse(encode({ kind: { case: "ack", value: { committedOffset: 5n * 2n ** 30n } } })),
    { kind: "ack", committedOffset: 5 * 2 ** 30 },
  );
  assertEquals(
    decodeResponse(
      encode({
        kind: { case: "finished", value: { totalSize: 7n, sha256: new Uint8Array(32) } },
      }),
    ),
    { kind: "finished" },
  );
  assertEquals(decodeResponse(new Uint8Array(0)), { kind: "unknown" });
  // Unknown fields of every wire type are skipped.
  const unknown = new Uint8Array([
    ...[0x28, 0x96, 0x01], // 5: varint
    ...[0x31, 1, 2, 3, 4, 5, 6, 7, 8], // 6: 64-bit
    ...[0x3d, 1, 2, 3, 4], // 7: 32-bit
    ...encode({ kind: { case: "ack", value: { committedOffset: 300n } } }),
  ]);
  assertEquals(decodeResponse(unknown), { kind: "ack", committedOffset: 300 });
  assertThrows(() => readFields(new Uint8Array([0x0a, 5, 1])), Error, "truncated");
  assertThrows(() => readFields(new Uint8Array([0x08, 0x80])), Error, "truncated");
});
