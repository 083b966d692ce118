/**
 * The envelope every WebSocket message shares (PROTOCOL.md §2):
 * `{ action, version, transaction?, data }`, and the `result` / `resultDesc` pair of replies.
 *
 * Readers are tolerant of the source specification's known defects (PROTOCOL.md §7) so that a
 * real platform built from it interoperates; writers emit only the clean form. The tolerant
 * pieces live here so every message reads them the same way.
 */
import { z } from "zod";

/** The version every message is written with. */
export const PROTOCOL_VERSION = "1.0";
export type ProtocolVersion = typeof PROTOCOL_VERSION;

/** `"v1.0"` is what the source's own `agentHelperInfo` example sends; both mean 1.0. */
export const ACCEPTED_VERSIONS = ["1.0", "v1.0"] as const;

/** Long enough for a UUID with a prefix, short enough that echoing it back costs nothing. */
export const MAX_TRANSACTION_LENGTH = 128;

/** Room for a reason code and a short human explanation, never a dump. */
export const MAX_RESULT_DESC_LENGTH = 1024;

export const versionReader = z.enum(ACCEPTED_VERSIONS)
  .transform((): ProtocolVersion => PROTOCOL_VERSION)
  .meta({ description: 'Protocol version: "1.0" (also read: "v1.0").' });

export const versionWriter = z.literal(PROTOCOL_VERSION)
  .meta({ description: "Protocol version." });

export const transactionSchema = z.string()
  .max(MAX_TRANSACTION_LENGTH, `a string of at most ${MAX_TRANSACTION_LENGTH} characters`)
  .meta({
    description: "Set by the requester; a reply carries the transaction of the request it answers.",
  });

/**
 * What an action name may look like. Only names of this shape are ever echoed (in `inReplyTo`
 * or a reason), so a hostile message cannot get arbitrary text — a token — reflected.
 */
export const ACTION_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
export const actionNameSchema = z.string().regex(ACTION_NAME, "a message name (letters, digits)");

export const RESULTS = ["success", "error"] as const;
export type Result = (typeof RESULTS)[number];

/** `newRecBatch`'s table in the source lists `succes`; read it as `success`. */
export const resultReader = z.enum(["success", "succes", "error"])
  .transform((r): Result => r === "error" ? "error" : "success")
  .meta({ description: 'success | error (also read: "succes").' });

export const resultDescSchema = z.string()
  .min(1, "a non-empty reason")
  .max(MAX_RESULT_DESC_LENGTH, `a reason of at most ${MAX_RESULT_DESC_LENGTH} characters`)
  .meta({ description: "Why the request failed; present only when result is error." });

/**
 * The outcome of a request as the helper writes it. `resultDesc` is typed `never` on success
 * and required on error, so the compiler catches both mistakes the spec warns about.
 */
export type Success<S extends object = Record<never, never>> =
  & { readonly result: "success"; readonly resultDesc?: never }
  & S;
export interface Failure {
  readonly result: "error";
  readonly resultDesc: string;
}
export type Outcome<S extends object = Record<never, never>> = Success<S> | Failure;

export function success(): Success;
export function success<S extends object>(fields: S): Success<S>;
export function success<S extends object>(fields?: S): Success<S> {
  return { result: "success", ...fields } as Success<S>;
}

export function failure(resultDesc: string): Failure {
  return { result: "error", resultDesc };
}

/** An outgoing message in the clean form: version "1.0", transaction only when there is one. */
export type Envelope<A extends string, D> = {
  readonly action: A;
  readonly version: ProtocolVersion;
  readonly transaction?: string;
  readonly data: D;
};

export function message<A extends string, D>(
  action: A,
  data: D,
  transaction?: string | undefined,
): Envelope<A, D> {
  // exactOptionalPropertyTypes: an absent transaction is no key at all, never `undefined`.
  return transaction === undefined
    ? { action, version: PROTOCOL_VERSION, data }
    : { action, version: PROTOCOL_VERSION, transaction, data };
}

/** A reply to a request: `data` must be a success or a failure, see {@link Outcome}. */
export function resultReply<A extends `result${string}`, D extends Outcome<object>>(
  action: A,
  outcome: D,
  transaction?: string | undefined,
): Envelope<A, D> {
  return message(action, outcome, transaction);
}

function makeOutcomeWriter<S extends z.ZodRawShape>(successShape: S) {
  return z.discriminatedUnion("result", [
    z.strictObject({ result: z.literal("success"), ...successShape }),
    z.strictObject({ result: z.literal("error"), resultDesc: resultDescSchema }),
  ]);
}

function makeOutcomeReader<S extends z.ZodRawShape>(successShape: S) {
  return z.object({
    result: resultReader,
    resultDesc: z.string().max(MAX_RESULT_DESC_LENGTH).optional(),
  }).extend(z.object(successShape).partial().shape);
}

/** A reply with nothing but its outcome. */
export type EmptyShape = Record<never, never>;
export type OutcomeWriter<S extends z.ZodRawShape> = ReturnType<typeof makeOutcomeWriter<S>>;
export type OutcomeReader<S extends z.ZodRawShape> = ReturnType<typeof makeOutcomeReader<S>>;

/**
 * The zod form of {@link Outcome} for writing: a discriminated union, strict, so a success that
 * carries `resultDesc` or an error without one is refused. `successShape` adds the fields only
 * a success carries (e.g. `displays`).
 */
export function outcomeWriter<S extends z.ZodRawShape>(successShape: S): OutcomeWriter<S> {
  return makeOutcomeWriter(successShape);
}

/**
 * The zod form of an outcome for reading what a peer wrote: not discriminated (the source's
 * schemas require only `result`), `succes` read as `success`, success-only fields optional,
 * unknown fields dropped.
 */
export function outcomeReader<S extends z.ZodRawShape>(successShape: S): OutcomeReader<S> {
  return makeOutcomeReader(successShape);
}
