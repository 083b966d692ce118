/**
 * Every message the reference AgentServer receives or sends, in order, with what the catalog
 * made of it (the parsed message or the refusal) and the raw text, for tests and the console.
 * Raw texts stay in memory; the console shows them with tokens masked (see {@link maskTokens}).
 */
import type { Clock } from "../../clock/clock.ts";
import type { FailureKind } from "../../protocol/catalog.ts";
import { Waitable } from "./waitable.ts";

export type LoggedChannel = "wss3" | "platform";

/** Any message in envelope form (what was parsed on the way in, or built on the way out). */
export interface AnyMessage {
  readonly action: string;
  readonly version?: string;
  readonly transaction?: string | undefined;
  readonly data?: unknown;
}

export interface RecordedMessage {
  readonly seq: number;
  readonly at: number;
  readonly channel: LoggedChannel;
  /** `in`: received by AgentServer; `out`: sent by it. */
  readonly direction: "in" | "out";
  /** The operator the connection belongs to, when known. */
  readonly userID: string | undefined;
  /** The connection's number (unique per server across channels). */
  readonly connectionId: number;
  /** The action, when the message was parsed or built. */
  readonly action?: string;
  /** The parsed (inbound) or built (outbound) message; absent when refused or sent raw. */
  readonly message?: AnyMessage;
  /** Why an inbound message was refused. */
  readonly refused?: { readonly kind: FailureKind; readonly reason: string };
  /**
   * The text as it went over the wire; for a streamBlob, the message with `payloadChars` (the
   * base64's length) in place of its payload, and a refused one's first 256 characters.
   */
  readonly raw: string;
}

export type NewRecord = Omit<RecordedMessage, "seq" | "at">;

export class MessageLog {
  readonly #clock: Clock;
  readonly records: Waitable<RecordedMessage>;
  #seq = 0;

  constructor(clock: Clock, max = 10_000) {
    this.#clock = clock;
    this.records = new Waitable<RecordedMessage>(max);
  }

  add(record: NewRecord): RecordedMessage {
    const full: RecordedMessage = { seq: ++this.#seq, at: this.#clock.now(), ...record };
    this.records.push(full);
    return full;
  }

  /**
   * Records a text received on `channel` from connection `conn`: the parsed message, or the
   * refusal (kind, reason and the action when it was readable).
   */
  addInbound(
    channel: LoggedChannel,
    conn: { readonly id: number; readonly userID: string | undefined },
    text: string,
    parsed:
      | { readonly ok: true; readonly message: AnyMessage }
      | {
        readonly ok: false;
        readonly kind: FailureKind;
        readonly reason: string;
        readonly action?: string;
      },
  ): RecordedMessage {
    const base = {
      channel,
      direction: "in",
      userID: conn.userID,
      connectionId: conn.id,
      raw: text,
    } as const;
    return parsed.ok
      ? this.add({ ...base, action: parsed.message.action, message: parsed.message })
      : this.add({
        ...base,
        ...(parsed.action === undefined ? {} : { action: parsed.action }),
        refused: { kind: parsed.kind, reason: parsed.reason },
      });
  }

  /** Sequence number of the last record (0 before any): wait for records after it. */
  get lastSeq(): number {
    return this.#seq;
  }
}

const JWT_SHAPE = /[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g;

/** `text` with anything shaped like a JWT replaced by `[REDACTED]`. */
export function maskTokens(text: string): string {
  return text.replace(JWT_SHAPE, "[REDACTED]");
}

/** A record fit for the console: raw text and message with tokens masked. */
export function maskRecord(record: RecordedMessage): RecordedMessage {
  const masked: RecordedMessage = { ...record, raw: maskTokens(record.raw) };
  if (record.message === undefined) return masked;
  return { ...masked, message: JSON.parse(maskTokens(JSON.stringify(record.message))) };
}
