import { fromBinary } from "@bufbuild/protobuf";
import { UploadRequestSchema } from "../proto/agenthelper/screenrecorder/v1/screen_recorder_pb.ts";
import type { SealedInfo } from "../spool/records.ts";
import { samplePartHeader } from "../testing/part_header.ts";
import { assertEquals } from "../testing/assert.ts";
import { toHex } from "../util/hex.ts";
import { encodeFinish, encodeHeader } from "./requests.ts";

const target = { recorder: "", tenantId: "t1", operatorId: "op ü", sessionId: "s" };

Deno.test("upload requests: the Header carries the part's header and its target", () => {
  const base = samplePartHeader("a.d1.p2.mp4");
  const header = {
    ...base,
    display: 1,
    part: 2,
    interactionId: "call-7",
    workItemIds: ["", "w2", "wi ✓"],
    // A monitor left of and above the primary one: negative int32s.
    monitor: { name: "DP-1", x: -1920, y: -1, width: 1920, height: 1080 },
    startedAt: 1_780_000_000_123.4,
    offsetMs: 65_432.6,
  };
  const request = fromBinary(UploadRequestSchema, encodeHeader("a.d1.p2.mp4", { header, target }));
  assertEquals(request.kind.case, "header");
  if (request.kind.case !== "header") return;
  const h = request.kind.value;
  assertEquals(
    [h.fileName, h.tenantId, h.operatorId, h.sessionId, h.segmentId, h.interactionId],
    ["a.d1.p2.mp4", "t1", "op ü", "s", header.segmentId, "call-7"],
  );
  assertEquals(h.workItemIds, ["", "w2", "wi ✓"]);
  assertEquals(
    [h.display?.index, h.display?.name, h.display?.x, h.display?.y, h.display?.width],
    [1, "DP-1", -1920, -1, 1920],
  );
  assertEquals([h.part, h.cause, h.codec, h.frameRate], [
    2,
    base.cause,
    base.codec,
    base.frameRate,
  ]);
  assertEquals([h.startedAtUnixMs, h.offsetMs], [1_780_000_000_123n, 65_433n]);
});

Deno.test("upload requests: the Finish carries the size, SHA-256 and what the agent counted", () => {
  const sha256 = "ab".repeat(32);
  const cases: [SealedInfo, string][] = [
    [
      { bytes: 5 * 2 ** 30 + 3, sha256, frames: 9000, durationMs: 1_800_000.4, endedAt: 1.78e12 },
      "",
    ],
    [{ bytes: 0, sha256, interrupted: true }, "the agent stopped before the part's end"],
    [{ bytes: 10, sha256, aborted: "the spool is full", frames: 1 }, "the spool is full"],
  ];
  for (const [sealed, reason] of cases) {
    const request = fromBinary(UploadRequestSchema, encodeFinish(sealed));
    assertEquals(request.kind.case, "finish");
    if (request.kind.case !== "finish") continue;
    const f = request.kind.value;
    assertEquals(f.totalSize, BigInt(sealed.bytes));
    assertEquals(toHex(f.sha256), sha256);
    assertEquals(f.frames, BigInt(sealed.frames ?? 0));
    assertEquals(f.durationMs, BigInt(Math.round(sealed.durationMs ?? 0)));
    assertEquals(f.endedAtUnixMs, BigInt(sealed.endedAt ?? 0));
    assertEquals(f.incompleteReason, reason);
  }
});
