/**
 * The upload's Header and Finish requests, built from what the spool keeps and encoded with
 * protobuf-es from the generated code (src/proto/, `deno task gen:proto`). Chunks are encoded
 * around their data instead (chunk_message.ts), so that the data is not copied.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { UploadRequestSchema } from "../proto/agenthelper/screenrecorder/v1/screen_recorder_pb.ts";
import type { SealedInfo, SpoolMeta } from "../spool/records.ts";
import { hexToBytes } from "../util/hex.ts";

/** UploadRequest{header}: the file and where it belongs. */
export function encodeHeader(fileName: string, meta: SpoolMeta): Uint8Array {
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

/** UploadRequest{finish}: the whole file's size and SHA-256, and what the agent counted. */
export function encodeFinish(sealed: SealedInfo): Uint8Array {
  return toBinary(
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
}
