/**
 * Channel wss3: the helper ↔ the operator's AgentServer (PROTOCOL.md §4, DESIGN.md §2). The
 * commands' data are this project's design: the chapters that defined them are lost.
 */
import { z } from "zod";
import { both, defineErrorReply, defineMessage, defineResult, type Mode, obj } from "./define.ts";
import { outcomeReader, outcomeWriter, resultDescSchema, resultReader } from "./envelope.ts";
import {
  address,
  displayIndex,
  displayInfoList,
  displayList,
  displayQualityList,
  fileSafeId,
  frameRate,
  keyframeIntervalSec,
  maxHeight,
  opaqueId,
  shortText,
  versionAgentHelper,
} from "./fields.ts";
import { defineSetLogLevel, defineSetLogLevelResult } from "./set_log_level.ts";

const toHelper = { channel: "wss3", from: "agentServer", to: "helper" } as const;
const fromHelper = { channel: "wss3", from: "helper", to: "agentServer" } as const;

/** Recording parameters, possibly per call; absent keys keep the config's `capture` values. */
function recordParams(mode: Mode) {
  return obj(mode, {
    frameRate: frameRate.optional(),
    quality: displayQualityList(mode).optional(),
    keyframeIntervalSec: keyframeIntervalSec.optional(),
    screenServer: address.optional()
      .meta({ description: "ScreenRecorder address, if not given earlier (agentOpenConnect)." }),
  });
}

const segmentId = fileSafeId.meta({ description: "Formed by AgentServer; names the segment." });
const streamId = fileSafeId.meta({ description: "Formed by AgentServer; names the live view." });
const workItemIds = z.array(opaqueId).max(256);

export const startScreenRecord = defineMessage({
  ...toHelper,
  name: "startScreenRecord",
  reply: "resultStartScreenRecord",
  summary: "Begins a recording segment on every selected monitor.",
  data: both((mode) =>
    obj(mode, {
      segmentId,
      interactionId: opaqueId.optional(),
      workItemIds: workItemIds.optional(),
      displays: displayList.optional()
        .meta({ description: "Display indexes to record; absent: all displays." }),
      params: recordParams(mode).optional(),
    })
  ),
});

export const restartScreenRecord = defineMessage({
  ...toHelper,
  name: "restartScreenRecord",
  reply: "resultRestartScreenRecord",
  summary: "Closes the current segment and opens the next one at a keyframe, without losing a " +
    "frame (a work item joined).",
  data: both((mode) =>
    obj(mode, {
      segmentId: segmentId.meta({ description: "The new segment's id." }),
      interactionId: opaqueId.optional(),
      workItemIds: workItemIds.optional(),
      params: recordParams(mode).optional(),
    })
  ),
});

export const stopScreenRecord = defineMessage({
  ...toHelper,
  name: "stopScreenRecord",
  reply: "resultStopScreenRecord",
  summary: "Finalizes the segment; after-call work is recorded until this arrives.",
  dataPresence: "optional",
  data: both((mode) => obj(mode, { segmentId: segmentId.optional() })),
});

const pauseData = both((mode) =>
  obj(mode, { segmentId: segmentId.optional(), reason: shortText.optional() })
);

export const pauseScreenRecord = defineMessage({
  ...toHelper,
  name: "pauseScreenRecord",
  reply: "resultPauseScreenRecord",
  summary: "No frames are captured until resumed (privacy, PCI); the gap is marked in the " +
    "stream metadata.",
  dataPresence: "optional",
  data: pauseData,
});

export const resumeScreenRecord = defineMessage({
  ...toHelper,
  name: "resumeScreenRecord",
  reply: "resultResumeScreenRecord",
  summary: "Resumes capture after pauseScreenRecord.",
  dataPresence: "optional",
  data: pauseData,
});

export const startStream = defineMessage({
  ...toHelper,
  name: "startStream",
  reply: "resultStartStream",
  summary: "Starts a live view of one monitor for a supervisor; bytes go out as streamBlob.",
  data: both((mode) =>
    obj(mode, {
      streamId,
      display: displayIndex,
      frameRate: frameRate.optional(),
      maxHeight: maxHeight.optional(),
    })
  ),
});

export const stopStream = defineMessage({
  ...toHelper,
  name: "stopStream",
  reply: "resultStopStream",
  summary: "Stops a live view; `display` is accepted for symmetry with startStream and ignored.",
  data: both((mode) => obj(mode, { streamId, display: displayIndex.optional() })),
});

export const setLogLevel = defineSetLogLevel("wss3", "agentServer");

export const getDisplayInfo = defineMessage({
  ...toHelper,
  name: "getDisplayInfo",
  reply: "resultGetDisplayInfo",
  summary: "Asks for the monitors' geometry.",
  dataPresence: "optional",
  data: both((mode) => obj(mode, {})),
});

export const closeRegistration = defineMessage({
  ...toHelper,
  name: "closeRegistration",
  summary: "AgentServer ends the registration: the helper stops everything, disconnects and " +
    "stops retrying. No reply.",
  dataPresence: "optional",
  data: both((mode) => obj(mode, { reason: shortText.optional() })),
});

function capabilities(mode: Mode) {
  return obj(mode, {
    encoders: z.array(shortText).max(32)
      .meta({ description: 'Usable H.264 encoders, best first, e.g. "h264_nvenc", "libx264".' }),
    captureBackends: z.array(shortText).max(16)
      .meta({ description: 'Usable capture back ends, e.g. "ddagrab", "gdigrab", "x11grab".' }),
    maxFrameRate: frameRate,
  });
}

export const agentHelperInfo = defineMessage({
  ...fromHelper,
  name: "agentHelperInfo",
  summary: "Facts about the workstation, sent right after connecting.",
  data: {
    // The source's six fields are all optional; a peer's message is read with everything
    // optional so the source's own example reads.
    read: z.object({
      computerName: shortText.optional(),
      realComputerName: shortText.optional(),
      realComputerIP: shortText.optional(),
      osLogin: shortText.optional(),
      osDomain: shortText.optional(),
      versionAgentHelper: shortText.optional(),
      osVersion: shortText.optional(),
      displays: displayInfoList("read").optional(),
      capabilities: capabilities("read").optional(),
      tenantId: shortText.optional(),
      sessionId: shortText.optional(),
    }),
    write: z.strictObject({
      computerName: shortText.optional()
        .meta({ description: "The name the OS reports (a VDI's name on a virtual workplace)." }),
      realComputerName: shortText.optional()
        .meta({ description: "The physical workstation's name, when known (VDI)." }),
      realComputerIP: shortText.optional(),
      osLogin: shortText.optional(),
      osDomain: shortText.optional(),
      versionAgentHelper,
      osVersion: shortText.min(1),
      displays: displayInfoList("write"),
      capabilities: capabilities("write"),
      tenantId: opaqueId.optional(),
      sessionId: opaqueId.optional(),
    }),
  },
});

const fileName = z.string().min(1).max(1024)
  .meta({ description: "The object name the ScreenRecorder receives the file under." });
const part = z.number().int().min(0).max(1_000_000)
  .meta({ description: "0-based number of the file within (segmentId, display)." });

export const newRecBatch = defineMessage({
  ...fromHelper,
  name: "newRecBatch",
  summary: "Announces every recording file the ScreenRecorder will receive.",
  data: {
    read: z.object({
      result: resultReader,
      fileName: z.string().max(1024),
      resultDesc: z.string().max(1024).optional(),
      segmentId: z.string().max(128).optional(),
      display: displayIndex.optional(),
      part: part.optional(),
    }),
    // The source's fields first (result, fileName), then what the upload needs.
    write: z.discriminatedUnion("result", [
      z.strictObject({
        result: z.literal("success"),
        fileName,
        segmentId,
        display: displayIndex,
        part,
      }),
      z.strictObject({
        result: z.literal("error"),
        fileName,
        segmentId,
        display: displayIndex,
        part,
        resultDesc: resultDescSchema,
      }),
    ]),
  },
});

const result = <N extends string>(name: N, summary: string) =>
  defineResult({ ...fromHelper, name, summary });

export const resultStartScreenRecord = result(
  "resultStartScreenRecord",
  "Whether recording started (answers startScreenRecord).",
);
export const resultStopScreenRecord = result(
  "resultStopScreenRecord",
  "Whether recording stopped (answers stopScreenRecord).",
);
export const resultRestartScreenRecord = result(
  "resultRestartScreenRecord",
  "Whether the new segment began (answers restartScreenRecord).",
);
export const resultPauseScreenRecord = result(
  "resultPauseScreenRecord",
  "Whether capture paused (answers pauseScreenRecord).",
);
export const resultResumeScreenRecord = result(
  "resultResumeScreenRecord",
  "Whether capture resumed (answers resumeScreenRecord).",
);
export const resultStartStream = result(
  "resultStartStream",
  "Whether the live view started (answers startStream).",
);
export const resultStopStream = result(
  "resultStopStream",
  "Whether the live view stopped (answers stopStream).",
);
export const resultSetLogLevel = defineSetLogLevelResult("wss3", "agentServer");

export const resultGetDisplayInfo = defineMessage({
  ...fromHelper,
  name: "resultGetDisplayInfo",
  summary: "The monitors' geometry (answers getDisplayInfo).",
  data: {
    read: outcomeReader({ displays: displayInfoList("read") }),
    write: outcomeWriter({ displays: displayInfoList("write") }),
  },
});

/** Encoded bytes are base64; 16 MiB of text is far above one fMP4 fragment of a live view. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const streamBlob = defineMessage({
  ...fromHelper,
  name: "streamBlob",
  summary: "Live-view bytes for a supervisor: fragmented MP4, base64; the init segment first.",
  data: {
    // The source's streamBlob has only `payload` (a placeholder text, not base64): read it.
    read: z.object({
      payload: z.string(),
      streamId: z.string().max(128).optional(),
      seq: z.number().int().min(0).optional(),
      init: z.boolean().optional(),
    }),
    write: z.strictObject({
      payload: z.string().max(16 * 1024 * 1024).regex(BASE64, "base64 text")
        .meta({ contentEncoding: "base64", description: "The bytes, base64 (RFC 4648)." }),
      streamId,
      seq: z.number().int().min(0)
        .meta({ description: "0-based, +1 per blob of this stream; a gap means loss." }),
      init: z.boolean().optional()
        .meta({ description: "True when payload is the fMP4 init segment (ftyp+moov)." }),
    }),
  },
});

export const wss3Error = defineErrorReply("wss3", "agentServer");

export const WSS3_MESSAGES = [
  startScreenRecord,
  restartScreenRecord,
  stopScreenRecord,
  pauseScreenRecord,
  resumeScreenRecord,
  startStream,
  stopStream,
  setLogLevel,
  getDisplayInfo,
  closeRegistration,
  agentHelperInfo,
  newRecBatch,
  resultStartScreenRecord,
  resultStopScreenRecord,
  resultRestartScreenRecord,
  resultPauseScreenRecord,
  resultResumeScreenRecord,
  resultStartStream,
  resultStopStream,
  resultSetLogLevel,
  resultGetDisplayInfo,
  streamBlob,
  wss3Error,
] as const;
