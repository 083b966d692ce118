/**
 * AgentServer's recording commands (DESIGN.md §2) turned into the recorder's commands, and
 * its outcome into the `result…` reply with the request's transaction.
 */
import { buildMessage, type WrittenEnvelope } from "../protocol/catalog.ts";
import type { CommandKind } from "../recording/machine.ts";
import type { CommandInput, Recorder } from "../recording/recorder.ts";
import type { PartHeader } from "../recording/sink.ts";
import type { RecorderAddressCheck } from "../upload/recorder_address.ts";
import type { CommandHandlers, Wss3Command } from "../wss3/commands.ts";

/** Where recordings go: a command's `params.screenServer` is checked, then used. */
export interface ScreenServerChoice {
  checkAddress(address: string): RecorderAddressCheck;
  setScreenServer(address: string): void;
}

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
  screenServer?: { readonly choice: ScreenServerChoice; readonly address: string | undefined },
): Promise<WrittenEnvelope> {
  const address = screenServer?.address;
  if (screenServer && address !== undefined) {
    // Refused before anything records: a command must not send the screen elsewhere.
    const check = screenServer.choice.checkAddress(address);
    if (!check.ok) {
      return buildMessage("wss3", reply, {
        result: "error",
        resultDesc: `screenServerNotAllowed: ${check.reason}`,
      }, transaction);
    }
    // Before the command runs: the parts it opens must already go there. A command that is
    // then refused (out of order) still leaves the address set, as the next one would set it.
    screenServer.choice.setScreenServer(address);
  }
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

export function recordingHandlers(
  recorder: Recorder,
  choice: ScreenServerChoice,
): CommandHandlers {
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
        { choice, address: m.data.params?.screenServer },
      ),
    restartScreenRecord: (m) =>
      run(
        recorder,
        "restart",
        { segment: segmentOf(m.data), ...(m.data.params ? { params: m.data.params } : {}) },
        "resultRestartScreenRecord",
        m.transaction,
        { choice, address: m.data.params?.screenServer },
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
