/**
 * AgentServer's recording commands (DESIGN.md §2) turned into the recorder's commands, and
 * its outcome into the `result…` reply with the request's transaction.
 */
import { buildMessage, type WrittenEnvelope } from "../protocol/catalog.ts";
import type { CommandKind } from "../recording/machine.ts";
import type { CommandInput, Recorder } from "../recording/recorder.ts";
import type { PartHeader } from "../recording/sink.ts";
import type { CommandHandlers, Wss3Command } from "../wss3/commands.ts";

/** `newRecBatch` for a part the ScreenRecorder will receive, or that could not be stored. */
export function newRecBatch(header: PartHeader, error?: string): WrittenEnvelope {
  const ids = {
    fileName: header.fileName,
    segmentId: header.segmentId,
    display: header.display,
    part: header.part,
  };
  return buildMessage(
    "wss3",
    "newRecBatch",
    error === undefined
      ? { result: "success", ...ids }
      : { result: "error", ...ids, resultDesc: error.slice(0, 1000) },
  );
}

type ReplyName =
  | "resultStartScreenRecord"
  | "resultRestartScreenRecord"
  | "resultPauseScreenRecord"
  | "resultResumeScreenRecord"
  | "resultStopScreenRecord";

async function run(
  recorder: Recorder,
  kind: CommandKind,
  input: CommandInput,
  reply: ReplyName,
  transaction: string | undefined,
): Promise<WrittenEnvelope> {
  const outcome = await recorder.command(kind, input);
  return buildMessage(
    "wss3",
    reply,
    outcome.error === undefined
      ? { result: "success" }
      : { result: "error", resultDesc: outcome.error.slice(0, 1000) },
    transaction,
  );
}

type Of<N extends Wss3Command["action"]> = Extract<Wss3Command, { action: N }>;

function segmentOf(data: Of<"startScreenRecord" | "restartScreenRecord">["data"]) {
  return {
    segmentId: data.segmentId,
    ...(data.interactionId !== undefined ? { interactionId: data.interactionId } : {}),
    workItemIds: data.workItemIds ?? [],
  };
}

export function recordingHandlers(recorder: Recorder): CommandHandlers {
  return {
    startScreenRecord: (m) =>
      run(
        recorder,
        "start",
        {
          segment: segmentOf(m.data),
          ...(m.data.displays ? { displays: m.data.displays } : {}),
          ...(m.data.params ? { params: m.data.params } : {}),
        },
        "resultStartScreenRecord",
        m.transaction,
      ),
    restartScreenRecord: (m) =>
      run(
        recorder,
        "restart",
        { segment: segmentOf(m.data), ...(m.data.params ? { params: m.data.params } : {}) },
        "resultRestartScreenRecord",
        m.transaction,
      ),
    pauseScreenRecord: (m) =>
      run(recorder, "pause", pauseInput(m.data), "resultPauseScreenRecord", m.transaction),
    resumeScreenRecord: (m) =>
      run(recorder, "resume", pauseInput(m.data), "resultResumeScreenRecord", m.transaction),
    stopScreenRecord: (m) =>
      run(
        recorder,
        "stop",
        m.data?.segmentId !== undefined ? { segmentId: m.data.segmentId } : {},
        "resultStopScreenRecord",
        m.transaction,
      ),
  };
}

function pauseInput(data: Of<"pauseScreenRecord">["data"]): CommandInput {
  return {
    ...(data?.segmentId !== undefined ? { segmentId: data.segmentId } : {}),
    ...(data?.reason !== undefined ? { reason: data.reason } : {}),
  };
}
