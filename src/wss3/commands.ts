/**
 * AgentServer's commands (DESIGN.md §2) and who answers each. Every command gets its
 * `result…` with the request's `transaction`: from its handler when one is registered, else an
 * explicit `error` saying the command is not available in this build, so AgentServer never
 * waits on a command that was dropped. A handler that throws is answered with `error` too.
 * `closeRegistration` is the registration's own business and never reaches this table.
 */
import {
  CATALOG,
  errorReplyTo,
  type InboundMessage,
  ProtocolWriteError,
  type WrittenEnvelope,
} from "../protocol/catalog.ts";

export type Wss3Command = Exclude<InboundMessage<"wss3">, { action: "closeRegistration" }>;
export type CommandName = Wss3Command["action"];

export type CommandHandler<N extends CommandName> = (
  message: Extract<Wss3Command, { action: N }>,
) => Promise<WrittenEnvelope>;

export type CommandHandlers = { readonly [N in CommandName]?: CommandHandler<N> };

/** Why a command with no handler is refused: later issues fill the table in. */
export const NOT_AVAILABLE = "notAvailable";

/** Every command AgentServer may send, with the name of its reply. */
export const COMMANDS: readonly { readonly name: CommandName; readonly reply: string }[] = CATALOG
  .filter((e) => e.channel === "wss3" && e.to === "helper" && e.name !== "closeRegistration")
  .map((e) => ({ name: e.name as CommandName, reply: e.reply ?? "error" }));

export interface CommandDispatchDeps {
  readonly handlers: CommandHandlers;
  /** Makes an error text safe to send (tokens out). */
  readonly redact: (text: string) => string;
  readonly onError?: (action: CommandName, error: unknown) => void;
}

export type CommandDispatch = (message: Wss3Command) => Promise<WrittenEnvelope>;

export function createCommandDispatch(deps: CommandDispatchDeps): CommandDispatch {
  return async (message) => {
    const handler = deps.handlers[message.action] as
      | ((m: Wss3Command) => Promise<WrittenEnvelope>)
      | undefined;
    if (!handler) {
      return errorReplyTo(
        "wss3",
        message,
        `${NOT_AVAILABLE}: ${message.action} is not available in this build of AgentHelper`,
      );
    }
    try {
      return await handler(message);
    } catch (e) {
      deps.onError?.(message.action, e);
      // A writer refusing our own reply is a bug; say so without the details.
      const why = e instanceof ProtocolWriteError
        ? "internal error building the reply"
        : deps.redact((e as Error).message ?? String(e));
      return errorReplyTo("wss3", message, `failed: ${why}`);
    }
  };
}
