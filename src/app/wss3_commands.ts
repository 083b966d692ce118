/**
 * The agent's answers to AgentServer (wss3): the command table (DESIGN.md §2) with the handlers
 * this build has: recording, live view, log level, displays.
 */
import type { Logger } from "@logtape/logtape";
import type { Logging } from "../log/setup.ts";
import type { Redactor } from "../log/redact.ts";
import { buildMessage } from "../protocol/catalog.ts";
import type { Recorder } from "../recording/recorder.ts";
import { type DisplayLister, toDisplayInfo } from "../workstation/displays.ts";
import { type CommandDispatch, createCommandDispatch } from "../wss3/commands.ts";
import type { LiveViews } from "../live/live_views.ts";
import { liveHandlers } from "./live_commands.ts";
import { recordingHandlers, type ScreenServerChoice } from "./recording_commands.ts";

export interface AgentCommandDeps {
  readonly logging: Logging;
  readonly redactor: Redactor;
  readonly log: Logger;
  readonly displays: DisplayLister;
  readonly recorder: Recorder;
  readonly screenServer: ScreenServerChoice;
  readonly live: LiveViews;
}

export function createAgentCommands(deps: AgentCommandDeps): CommandDispatch {
  return createCommandDispatch({
    redact: (text) => deps.redactor.text(text),
    onError: (action, error) => deps.log.error("wss3: {action} failed: {error}", { action, error }),
    handlers: {
      ...recordingHandlers(deps.recorder, deps.screenServer),
      ...liveHandlers(deps.live),
      setLogLevel: (message) => {
        deps.logging.setLevel(message.data.logLevel);
        return Promise.resolve(
          buildMessage("wss3", "resultSetLogLevel", { result: "success" }, message.transaction),
        );
      },
      getDisplayInfo: async (message) => {
        const displays = (await deps.displays.list()).map(toDisplayInfo);
        return buildMessage(
          "wss3",
          "resultGetDisplayInfo",
          { result: "success", displays },
          message.transaction,
        );
      },
    },
  });
}
