/** The upload's Header message, built from what the spool keeps about the file. */
import { create } from "@bufbuild/protobuf";
import {
  type Header,
  HeaderSchema,
} from "../proto/agenthelper/screenrecorder/v1/screen_recorder_pb.ts";
import type { SpoolMeta } from "../spool/records.ts";

export function headerMessage(fileName: string, meta: SpoolMeta): Header {
  const h = meta.header;
  return create(HeaderSchema, {
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
  });
}
