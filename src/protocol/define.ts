/**
 * How a message is declared: its name, channel, sender and receiver, and two zod schemas over
 * the whole envelope — a tolerant *reader* for whoever receives it and a strict *writer* for
 * whoever sends it. Both exist for every message because this repository also holds the other
 * side of each channel (the reference AgentServer and JsSDK).
 */
import { z } from "zod";
import {
  actionNameSchema,
  type EmptyShape,
  MAX_RESULT_DESC_LENGTH,
  type OutcomeReader,
  outcomeReader,
  type OutcomeWriter,
  outcomeWriter,
  resultDescSchema,
  resultReader,
  transactionSchema,
  versionReader,
  versionWriter,
} from "./envelope.ts";

export const CHANNELS = ["ws2", "wss3", "platform"] as const;
/** ws2: JsSDK ↔ helper on 127.0.0.1; wss3: helper ↔ AgentServer; platform: JsSDK ↔ AgentServer. */
export type Channel = (typeof CHANNELS)[number];

export const PARTIES = ["jsSdk", "helper", "agentServer"] as const;
export type Party = (typeof PARTIES)[number];

/** From the helper's point of view; `platform` when the helper is neither end. */
export type Direction = "toHelper" | "fromHelper" | "platform";

/** Readers drop unknown fields and accept the source's defects; writers refuse anything extra. */
export type Mode = "read" | "write";

/** An object schema in either mode: same fields, same output. */
export type ObjectSchema<S extends z.ZodRawShape> =
  | z.ZodObject<S, z.core.$strip>
  | z.ZodObject<S, z.core.$strict>;

export function obj<S extends z.ZodRawShape>(mode: Mode, shape: S): ObjectSchema<S> {
  return mode === "read" ? z.object(shape) : z.strictObject(shape);
}

/** Builds a data schema once per mode, for messages whose fields read and write alike. */
export function both<T>(make: (mode: Mode) => T): { read: T; write: T } {
  return { read: make("read"), write: make("write") };
}

export interface MessageSpec<
  N extends string,
  C extends Channel,
  F extends Party,
  T extends Party,
  RD extends z.ZodType,
  WD extends z.ZodType,
> {
  readonly name: N;
  readonly channel: C;
  readonly from: F;
  readonly to: T;
  /** One sentence for the schema's description and the schemas/README.md table. */
  readonly summary: string;
  /** Other action names read as this one (the source's misspellings); never written. */
  readonly aliases?: readonly string[];
  /** The message that answers this request, on the same channel. */
  readonly reply?: string;
  /** `optional`: a reader takes a missing `data` as `{}`; writers always write `data`. */
  readonly dataPresence?: "required" | "optional";
  readonly data: { readonly read: RD; readonly write: WD };
}

function makeReader<N extends string, RD extends z.ZodType>(
  name: N,
  aliases: readonly string[],
  data: RD,
  optional: boolean,
) {
  const names = [name, ...aliases] as [N, ...string[]];
  return z.object({
    action: z.enum(names).transform((): N => name),
    version: versionReader,
    transaction: transactionSchema.optional(),
    // A reader given no data parses `{}`, so the data schema's own defaults still apply. The
    // cast keeps the output type; only the (unused) static input type loses the optionality.
    data: optional ? data.prefault({} as z.input<RD>) as unknown as RD : data,
  });
}

function makeWriter<N extends string, WD extends z.ZodType>(name: N, data: WD) {
  return z.strictObject({
    action: z.literal(name),
    version: versionWriter,
    transaction: transactionSchema.optional(),
    data,
  });
}

/** The whole-message reader: tolerant envelope, the message's data reader. */
export type Reader<N extends string, RD extends z.ZodType> = ReturnType<typeof makeReader<N, RD>>;
/** The whole-message writer: strict envelope, the message's data writer. */
export type Writer<N extends string, WD extends z.ZodType> = ReturnType<typeof makeWriter<N, WD>>;

/** One row of the catalog. */
export interface MessageDef<
  N extends string,
  C extends Channel,
  F extends Party,
  T extends Party,
  RD extends z.ZodType,
  WD extends z.ZodType,
> {
  readonly name: N;
  readonly channel: C;
  readonly from: F;
  readonly to: T;
  readonly direction: Direction;
  readonly aliases: readonly string[];
  readonly summary: string;
  readonly reply: string | undefined;
  readonly dataPresence: "required" | "optional";
  readonly reader: Reader<N, RD>;
  readonly writer: Writer<N, WD>;
}

export function defineMessage<
  N extends string,
  C extends Channel,
  F extends Party,
  T extends Party,
  RD extends z.ZodType,
  WD extends z.ZodType,
>(spec: MessageSpec<N, C, F, T, RD, WD>): MessageDef<N, C, F, T, RD, WD> {
  const aliases = spec.aliases ?? [];
  const direction: Direction = spec.to === "helper"
    ? "toHelper"
    : spec.from === "helper"
    ? "fromHelper"
    : "platform";
  return {
    name: spec.name,
    channel: spec.channel,
    from: spec.from,
    to: spec.to,
    direction,
    aliases,
    summary: spec.summary,
    reply: spec.reply,
    dataPresence: spec.dataPresence ?? "required",
    reader: makeReader(spec.name, aliases, spec.data.read, spec.dataPresence === "optional"),
    writer: makeWriter(spec.name, spec.data.write),
  };
}

/** A reply that carries only the outcome of the request: `{result, resultDesc?}`. */
export function defineResult<
  N extends string,
  C extends Channel,
  F extends Party,
  T extends Party,
>(
  spec: { name: N; channel: C; from: F; to: T; summary: string },
): MessageDef<N, C, F, T, OutcomeReader<EmptyShape>, OutcomeWriter<EmptyShape>> {
  const empty: EmptyShape = {};
  return defineMessage({
    ...spec,
    data: { read: outcomeReader(empty), write: outcomeWriter(empty) },
  });
}

const errorReader = z.object({
  result: resultReader,
  resultDesc: z.string().max(MAX_RESULT_DESC_LENGTH),
  inReplyTo: z.string().max(64).optional(),
});

const errorWriter = z.strictObject({
  result: z.literal("error"),
  resultDesc: resultDescSchema,
  inReplyTo: actionNameSchema.optional()
    .meta({ description: "The action of the refused message, when it could be read." }),
});

/**
 * The answer to a message that could not be handled at all: not JSON, no usable envelope, an
 * unknown action. `resultDesc` is `<failure kind>: <reason>` (see catalog.ts), `inReplyTo` the
 * action received when it had the shape of a name.
 */
export function defineErrorReply<C extends Channel, T extends Party>(
  channel: C,
  to: T,
): MessageDef<"error", C, "helper", T, typeof errorReader, typeof errorWriter> {
  return defineMessage({
    name: "error",
    channel,
    from: "helper",
    to,
    summary: "Answers a message the helper could not accept: invalid JSON or envelope, or an " +
      "unknown action. A known request with invalid data is answered by its own result message.",
    data: { read: errorReader, write: errorWriter },
  });
}
