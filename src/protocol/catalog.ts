/**
 * Every message of every channel in one table, and the two doors through it: `parseInbound`
 * (text from a socket → a typed message or a typed refusal) and `buildMessage` /
 * `encodeMessage` (typed data → the clean wire form, checked by the strict writer).
 */
import type { z } from "zod";
import { type Channel, CHANNELS, type Party } from "./define.ts";
import {
  ACCEPTED_VERSIONS,
  ACTION_NAME,
  MAX_RESULT_DESC_LENGTH,
  MAX_TRANSACTION_LENGTH,
  message,
} from "./envelope.ts";
import { PLATFORM_MESSAGES } from "./platform.ts";
import { describeIssues, kindOf } from "./reason.ts";
import { WS2_MESSAGES } from "./ws2.ts";
import { WSS3_MESSAGES } from "./wss3.ts";

export type { Channel, Direction, Party } from "./define.ts";
export { CHANNELS, PARTIES } from "./define.ts";

export const CATALOG = [...WS2_MESSAGES, ...WSS3_MESSAGES, ...PLATFORM_MESSAGES] as const;

export type CatalogEntry = (typeof CATALOG)[number];
export type MessageName<C extends Channel = Channel> = Extract<
  CatalogEntry,
  { channel: C }
>["name"];
export type EntryOf<C extends Channel, N extends string> = Extract<
  CatalogEntry,
  { channel: C; name: N }
>;

type ReaderOutput<E> = E extends { reader: infer S extends z.ZodType } ? z.output<S> : never;
type WriterInputData<E> = E extends { writer: infer S extends z.ZodType }
  ? z.input<S> extends { data: infer D } ? D : never
  : never;
type WriterOutput<E> = E extends { writer: infer S extends z.ZodType } ? z.output<S> : never;

/** A message as its receiver reads it (clean form, defects repaired). */
export type ReadMessage<C extends Channel, N extends string> = ReaderOutput<EntryOf<C, N>>;
/** A message as its sender writes it. */
export type WrittenMessage<C extends Channel, N extends string> = WriterOutput<
  EntryOf<C, N>
>;
/** The `data` a sender passes to {@link buildMessage}. */
export type WriteData<C extends Channel, N extends string> = WriterInputData<EntryOf<C, N>>;
/** Every message `receiver` can get on `channel`, discriminated by `action`. */
export type InboundMessage<C extends Channel, R extends Party = "helper"> = ReaderOutput<
  Extract<CatalogEntry, { channel: C; to: R }>
>;

export const FAILURE_KINDS = [
  "invalidJson",
  "invalidEnvelope",
  "unknownAction",
  "invalidData",
] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export interface ParseFailure {
  readonly ok: false;
  readonly kind: FailureKind;
  /** Which field, what was expected; never a value from the message. */
  readonly reason: string;
  /** The request's transaction, when it could be read, for the reply. */
  readonly transaction?: string;
  /** The action as received, only when it has the shape of a name (safe to echo). */
  readonly action?: string;
}

export interface ParseSuccess<M> {
  readonly ok: true;
  readonly message: M;
  readonly entry: CatalogEntry;
  /** The alias the peer used (a source misspelling), when it did not use the name. */
  readonly alias?: string;
}

export type ParseResult<M> = ParseSuccess<M> | ParseFailure;

/** The entry `name` (or one of its aliases) names on `channel`, sent to `receiver`. */
export function findEntry(
  channel: Channel,
  action: string,
  receiver: Party = "helper",
): CatalogEntry | undefined {
  return CATALOG.find((e) =>
    e.channel === channel && e.to === receiver &&
    (e.name === action || e.aliases.includes(action))
  );
}

function entryNamed(channel: Channel, name: string): CatalogEntry {
  const entry = CATALOG.find((e) => e.channel === channel && e.name === name);
  if (!entry) throw new Error(`no message ${name} on ${channel}`);
  return entry;
}

/** The entry of message `name` on `channel` (by its name, not an alias). */
export function getEntry<C extends Channel, N extends MessageName<C>>(
  channel: C,
  name: N,
): EntryOf<C, N> {
  return entryNamed(channel, name) as EntryOf<C, N>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

type Failed = Omit<ParseFailure, "ok" | "kind" | "reason">;

function fail(kind: FailureKind, reason: string, known: Failed): ParseFailure {
  return { ok: false, kind, reason, ...known };
}

const TRANSACTION_REASON = `transaction: expected a string of at most ${MAX_TRANSACTION_LENGTH} ` +
  "characters";

/**
 * Checks a value already decoded from JSON. See {@link parseInbound}; this is the door for a
 * caller that decoded the text itself.
 */
export function readInbound<C extends Channel, R extends Party = "helper">(
  channel: C,
  value: unknown,
  receiver: R = "helper" as R,
): ParseResult<InboundMessage<C, R>> {
  if (!isRecord(value)) {
    return fail("invalidEnvelope", `expected a JSON object, found ${kindOf(value)}`, {});
  }
  // The transaction first, so that every later refusal can carry it. `null` reads as absent:
  // some serializers write absent fields so.
  const known = echoableFields(value);
  const tx = value.transaction;
  const action = value.action;

  if (tx !== undefined && tx !== null && known.transaction === undefined) {
    return fail("invalidEnvelope", TRANSACTION_REASON, known);
  }
  if (typeof action !== "string" || action === "") {
    const found = action === undefined ? "missing" : `found ${kindOf(action)}`;
    return fail("invalidEnvelope", `action: expected a message name, ${found}`, known);
  }
  const version = value.version;
  if (typeof version !== "string" || !(ACCEPTED_VERSIONS as readonly string[]).includes(version)) {
    const found = version === undefined
      ? "missing"
      : typeof version === "string"
      ? "found another version"
      : `found ${kindOf(version)}`;
    return fail("invalidEnvelope", `version: expected "1.0", ${found}`, known);
  }
  if (value.data !== undefined && value.data !== null && !isRecord(value.data)) {
    return fail("invalidEnvelope", `data: expected an object, found ${kindOf(value.data)}`, known);
  }

  const entry = known.action === undefined ? undefined : findEntry(channel, action, receiver);
  if (!entry) {
    return fail("unknownAction", unknownActionReason(channel, known.action, receiver), known);
  }

  const input: Record<string, unknown> = { ...value };
  if (input.data === null) delete input.data;
  if (input.transaction === null) delete input.transaction;
  const parsed = entry.reader.safeParse(input);
  if (!parsed.success) {
    return fail("invalidData", describeIssues(parsed.error.issues, input), known);
  }
  const ok: ParseSuccess<InboundMessage<C, R>> = {
    ok: true,
    message: parsed.data as InboundMessage<C, R>,
    entry,
  };
  return action === entry.name ? ok : { ...ok, alias: action };
}

function unknownActionReason(channel: Channel, action: string | undefined, receiver: Party) {
  if (action === undefined) return "action: not a known message name";
  const other = CATALOG.find((e) => e.channel === channel && e.name === action);
  if (other) return `action: ${action} is sent by ${other.from} to ${other.to}, not to ${receiver}`;
  const names = CATALOG.filter((e) => e.channel === channel && e.to === receiver)
    .map((e) => e.name);
  return names.length === 0
    ? `action: ${receiver} receives no messages on ${channel}`
    : `action: unknown action ${action} on ${channel} (expected one of ${names.join(", ")})`;
}

/**
 * Reads one text frame received on `channel` by `receiver` (the helper unless told). Never
 * throws: any input gives either the typed message (defects of the source repaired, unknown
 * fields dropped) or a refusal saying what to fix.
 */
export function parseInbound<C extends Channel, R extends Party = "helper">(
  channel: C,
  text: string,
  receiver: R = "helper" as R,
): ParseResult<InboundMessage<C, R>> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // The engine's message quotes the text near the error: it may hold a token.
    return fail("invalidJson", "the message is not valid JSON", {});
  }
  return readInbound(channel, value, receiver);
}

/** Thrown by the writers: the helper tried to send something its own schema refuses (a bug). */
export class ProtocolWriteError extends Error {
  override readonly name = "ProtocolWriteError";
}

/** Any written message, when the name is only known at run time. */
export type WrittenEnvelope = {
  readonly action: string;
  readonly version: "1.0";
  readonly transaction?: string | undefined;
  readonly data: unknown;
};

function write(entry: CatalogEntry, data: unknown, transaction: string | undefined): unknown {
  const parsed = entry.writer.safeParse(message(entry.name, data, transaction));
  if (!parsed.success) {
    const reason = describeIssues(parsed.error.issues, message(entry.name, data, transaction));
    throw new ProtocolWriteError(`${entry.channel} ${entry.name}: ${reason}`);
  }
  return parsed.data;
}

/**
 * The message `name` of `channel` with `data`, in the clean written form and checked by its
 * strict writer; throws {@link ProtocolWriteError} if the writer refuses it. Keys come out in
 * the schema's order (the source's fields first).
 */
export function buildMessage<C extends Channel, N extends MessageName<C>>(
  channel: C,
  name: N,
  data: WriteData<C, N>,
  transaction?: string | undefined,
): WrittenMessage<C, N> {
  return write(entryNamed(channel, name), data, transaction) as WrittenMessage<C, N>;
}

/** {@link buildMessage} as the JSON text to send. */
export function encodeMessage<C extends Channel, N extends MessageName<C>>(
  channel: C,
  name: N,
  data: WriteData<C, N>,
  transaction?: string | undefined,
): string {
  return JSON.stringify(write(entryNamed(channel, name), data, transaction));
}

/** `text` cut to what resultDesc may hold. */
function clipResultDesc(text: string): string {
  return text.length > MAX_RESULT_DESC_LENGTH
    ? `${text.slice(0, MAX_RESULT_DESC_LENGTH - 1)}…`
    : text;
}

/** `<kind>: <reason>`, cut to what resultDesc may hold. */
export function failureDescription(failure: ParseFailure): string {
  return clipResultDesc(`${failure.kind}: ${failure.reason}`);
}

/** The envelope fields of a received value that are safe to echo in a reply. */
export interface EchoableFields {
  /** When it is a string of at most MAX_TRANSACTION_LENGTH characters. */
  transaction?: string;
  /** When it has the shape of a message name. */
  action?: string;
}

/** Reads {@link EchoableFields} from anything decoded from JSON; never throws. */
export function echoableFields(value: unknown): EchoableFields {
  const known: EchoableFields = {};
  if (!isRecord(value)) return known;
  const tx = value.transaction;
  if (typeof tx === "string" && tx.length <= MAX_TRANSACTION_LENGTH) known.transaction = tx;
  const action = value.action;
  if (typeof action === "string" && ACTION_NAME.test(action)) known.action = action;
  return known;
}

/**
 * The helper's `error` answer to `request` on ws2 or wss3: a known request with a reply of its
 * own (e.g. startScreenRecord) gets that reply with result "error", so the requester's pending
 * transaction completes; anything else gets `error` (naming the action when it was readable).
 * `resultDesc` is cut to what the field may hold.
 */
export function errorReplyTo(
  channel: "ws2" | "wss3",
  request: { readonly action?: string | undefined; readonly transaction?: string | undefined },
  resultDesc: string,
): WrittenEnvelope {
  const desc = clipResultDesc(resultDesc);
  const entry = request.action === undefined ? undefined : findEntry(channel, request.action);
  const reply = entry?.reply === undefined
    ? undefined
    : CATALOG.find((e) => e.channel === channel && e.name === entry.reply);
  if (reply) {
    return write(
      reply,
      { result: "error", resultDesc: desc },
      request.transaction,
    ) as WrittenEnvelope;
  }
  const data = request.action === undefined
    ? { result: "error" as const, resultDesc: desc }
    : { result: "error" as const, resultDesc: desc, inReplyTo: request.action };
  return buildMessage(channel, "error", data, request.transaction);
}

/** What the helper answers a refused message with on ws2 or wss3 (see {@link errorReplyTo}). */
export function failureReply(channel: "ws2" | "wss3", failure: ParseFailure): WrittenEnvelope {
  return errorReplyTo(channel, failure, failureDescription(failure));
}

/** Sanity of the table itself, for the tests and for a start-up assertion. */
export function catalogProblems(): string[] {
  const problems: string[] = [];
  for (const channel of CHANNELS) {
    const entries = CATALOG.filter((e) => e.channel === channel);
    const seen = new Set<string>();
    for (const e of entries) {
      if (seen.has(e.name)) problems.push(`${channel}: ${e.name} defined twice`);
      seen.add(e.name);
      if (e.reply !== undefined) {
        const reply = entries.find((r) => r.name === e.reply);
        if (!reply) problems.push(`${channel}: ${e.name} answered by missing ${e.reply}`);
        else if (reply.from !== e.to || reply.to !== e.from) {
          problems.push(`${channel}: ${e.reply} does not go back from ${e.to} to ${e.from}`);
        }
      }
    }
    // An alias must not shadow another message the same receiver can get.
    for (const e of entries) {
      for (const alias of e.aliases) {
        const clash = entries.find((o) => o !== e && o.to === e.to && o.name === alias);
        if (clash) problems.push(`${channel}: alias ${alias} of ${e.name} shadows a message`);
      }
    }
  }
  return problems;
}
