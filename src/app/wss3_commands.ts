/**
 * The agent's answers to AgentServer (wss3): the command table (DESIGN.md §2) with the handlers
 * this build has. Commands without a handler yet (recording: issue 5, live view: issue 8) are
 * answered `error` by the registry (`wss3/commands.ts`).
 */
import type { Logger } from "@logtape/logtape";
import type { Logging } from "../log/setup.ts";
import type { Redactor } from "../log/redact.ts";
import { buildMessage } from "../protocol/catalog.ts";
import type { DisplayLister } from "../workstation/displays.ts";
import { type CommandDispatch, createCommandDispatch } from "../wss3/commands.ts";

export interface AgentCommandDeps {
  readonly logging: Logging;
  readonly redactor: Redactor;
  readonly log: Logger;
  readonly displays: DisplayLister;
}

export function createAgentCommands(deps: AgentCommandDeps): CommandDispatch {
  return createCommandDispatch({
    redact: (text) => deps.redactor.text(text),
    onError: (action, error) => deps.log.error("wss3: {action} failed: {error}", { action, error }),
    handlers: {
      setLogLevel: (message) => {
        deps.logging.setLevel(message.data.logLevel);
        return Promise.resolve(
          buildMessage("wss3", "resultSetLogLevel", { result: "success" }, message.transaction),
        );
      },
      getDisplayInfo: async (message) => {
        const displays = await deps.displays.list();
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
