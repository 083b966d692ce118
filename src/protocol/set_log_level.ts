/**
 * `setLogLevel` and its result exist on ws2 (from the web page) and wss3 (from AgentServer) with
 * the same data (DESIGN.md §2); one definition serves both channels.
 */
import { z } from "zod";
import { defineMessage, defineResult, type MessageDef, type Party } from "./define.ts";
import type { EmptyShape, OutcomeReader, OutcomeWriter } from "./envelope.ts";
import { logLevelReader, logLevelWriter } from "./fields.ts";

const reader = z.object({ logLevel: logLevelReader });
const writer = z.strictObject({ logLevel: logLevelWriter });

type LogChannel = "ws2" | "wss3";

export function defineSetLogLevel<C extends LogChannel, F extends Party>(
  channel: C,
  from: F,
): MessageDef<"setLogLevel", C, F, "helper", typeof reader, typeof writer> {
  return defineMessage({
    channel,
    from,
    to: "helper",
    name: "setLogLevel",
    reply: "resultSetLogLevel",
    summary: "Changes the helper's log level.",
    data: { read: reader, write: writer },
  });
}

export function defineSetLogLevelResult<C extends LogChannel, T extends Party>(
  channel: C,
  to: T,
): MessageDef<
  "resultSetLogLevel",
  C,
  "helper",
  T,
  OutcomeReader<EmptyShape>,
  OutcomeWriter<EmptyShape>
> {
  return defineResult({
    channel,
    from: "helper",
    to,
    name: "resultSetLogLevel",
    summary: "Whether the log level was changed (answers setLogLevel).",
  });
}
