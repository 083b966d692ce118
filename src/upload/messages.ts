/**
 * The upload's requests and responses on the wire (proto/agenthelper/screenrecorder/v1/
 * screen_recorder.proto), encoded and decoded by hand with wire.ts: the agent does not load
 * protobuf-es for them. Chunks are encoded around their data instead (chunk_message.ts). Each
 * encoded request has FRAME_HEADROOM free bytes before it, for the gRPC frame's header.
 */
import type { SealedInfo, SpoolMeta } from "../spool/records.ts";
import { hexToBytes } from "../util/hex.ts";
import { FRAME_HEADROOM } from "./link.ts";
import { readFields, WireWriter } from "./wire.ts";

/** UploadRequest{header}: the file and where it belongs, from what the spool keeps. */
export function encodeHeader(fileName: string, meta: SpoolMeta): Uint8Array {
  const h = meta.header;
  return new WireWriter(FRAME_HEADROOM).message(1, (w) => {
    w.string(1, fileName)
      .string(2, meta.target.tenantId)
      .string(3, meta.target.operatorId)
      .string(4, meta.target.sessionId)
      .string(5, h.segmentId)
      .string(6, h.interactionId ?? "");
    for (const id of h.workItemIds) w.string(7, id, true);
    w.message(8, (d) => {
      d.int(1, h.display)
        .string(2, h.monitor.name)
        .int(3, h.monitor.x)
        .int(4, h.monitor.y)
        .int(5, h.monitor.width)
        .int(6, h.monitor.height);
    })
      .int(9, h.part)
      .string(10, h.cause)
      .string(11, h.codec)
      .string(12, h.container)
      .string(13, h.encoder)
      .string(14, h.captureBackend)
      .int(15, h.frameRate)
      .int(16, Math.round(h.startedAt))
      .int(17, Math.round(h.offsetMs));
  }).finish();
}

/** UploadRequest{finish}: the whole file's size and SHA-256, and what the agent counted. */
export function encodeFinish(sealed: SealedInfo): Uint8Array {
  return new WireWriter(FRAME_HEADROOM).message(3, (w) => {
    w.int(1, sealed.bytes)
      .bytes(2, hexToBytes(sealed.sha256))
      .int(3, sealed.frames ?? 0)
      .int(4, Math.max(0, Math.round(sealed.durationMs ?? 0)))
      .int(5, Math.round(sealed.endedAt ?? 0))
      .string(
        6,
        sealed.aborted ?? (sealed.interrupted ? "the agent stopped before the part's end" : ""),
      );
  }).finish();
}

/** An UploadResponse: an Ack's committed offset, or Finished (anything else: unknown). */
export type UploadReply =
  | { readonly kind: "ack"; readonly committedOffset: number }
  | { readonly kind: "finished" }
  | { readonly kind: "unknown" };

export function decodeResponse(bytes: Uint8Array): UploadReply {
  let reply: UploadReply = { kind: "unknown" };
  // The last oneof member on the wire wins, as in protobuf.
  for (const f of readFields(bytes)) {
    if (f.type !== 2) continue;
    if (f.field === 1) {
      let committedOffset = 0;
      for (const a of readFields(f.bytes)) {
        if (a.field === 1 && a.type === 0) committedOffset = Number(a.value);
      }
      reply = { kind: "ack", committedOffset };
    } else if (f.field === 2) reply = { kind: "finished" };
  }
  return reply;
}
