/**
 * AgentServer's live-view commands (PROTOCOL.md §4) turned into the live views' calls, and
 * their outcome into `resultStartStream` / `resultStopStream` with the request's transaction.
 */
import type { LiveViews } from "../live/live_views.ts";
import { buildMessage } from "../protocol/catalog.ts";
import type { CommandHandlers } from "../wss3/commands.ts";

export function liveHandlers(live: LiveViews): CommandHandlers {
  const reply = (
    name: "resultStartStream" | "resultStopStream",
    outcome: { readonly error?: string },
    transaction: string | undefined,
  ) =>
    buildMessage(
      "wss3",
      name,
      outcome.error === undefined
        ? { result: "success" }
        : { result: "error", resultDesc: outcome.error.slice(0, 1000) },
      transaction,
    );
  return {
    startStream: async (m) => reply("resultStartStream", await live.start(m.data), m.transaction),
    stopStream: async (m) =>
      reply("resultStopStream", await live.stop(m.data.streamId), m.transaction),
  };
}
