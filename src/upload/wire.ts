/**
 * The protobuf wire format, as much of it as the upload's messages need (proto/…/
 * screen_recorder.proto): varints, length-delimited fields, nested messages. The agent encodes
 * its three requests and decodes the two responses with this instead of protobuf-es, whose
 * runtime and generated descriptors cost it ~2–3 MB of memory for five small messages
 * (docs/benchmarks.md); the tests check every message against protobuf-es byte for byte.
 */

const utf8 = new TextEncoder();

/** Builds one message; `finish()` returns it after `room` free bytes (for a frame header). */
export class WireWriter {
  #buf: Uint8Array;
  readonly #start: number;
  #at: number;

  constructor(room: number, initial = 256) {
    this.#buf = new Uint8Array(Math.max(initial, room + 16));
    this.#start = room;
    this.#at = room;
  }

  #reserve(n: number): void {
    if (this.#at + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#at + n));
    next.set(this.#buf.subarray(0, this.#at));
    this.#buf = next;
  }

  /** A varint of a whole number in [−2^63, 2^64) (negatives as 64-bit two's complement). */
  varint(value: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(value));
    this.#reserve(10);
    while (v >= 0x80n) {
      this.#buf[this.#at++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.#buf[this.#at++] = Number(v);
    return this;
  }

  #tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  /** A varint field (uint32/64, int32/64: negatives as 10 bytes), left out when 0 (proto3). */
  int(field: number, value: number): this {
    if (!Number.isSafeInteger(value)) throw new RangeError(`field ${field}: ${value}`);
    if (value === 0) return this;
    this.#tag(field, 0);
    return this.varint(value);
  }

  /** Left out when empty (proto3), unless it is an element of a repeated field. */
  bytes(field: number, value: Uint8Array, repeated = false): this {
    if (value.length === 0 && !repeated) return this;
    this.#tag(field, 2);
    this.varint(value.length);
    this.#reserve(value.length);
    this.#buf.set(value, this.#at);
    this.#at += value.length;
    return this;
  }

  string(field: number, value: string, repeated = false): this {
    return this.bytes(field, utf8.encode(value), repeated);
  }

  /** A nested message field (written even when empty: it is set). */
  message(field: number, write: (w: WireWriter) => void): this {
    const inner = new WireWriter(0, 64);
    write(inner);
    const body = inner.finish();
    this.#tag(field, 2);
    this.varint(body.length);
    this.#reserve(body.length);
    this.#buf.set(body, this.#at);
    this.#at += body.length;
    return this;
  }

  /** The message, after the room asked for at construction (free for the caller). */
  finish(): Uint8Array {
    return this.#buf.subarray(this.#start, this.#at);
  }
}

/** One field read by {@link readFields}: a varint's value, or a length-delimited field's bytes. */
export type WireField =
  | { readonly field: number; readonly type: 0; readonly value: bigint }
  | { readonly field: number; readonly type: 2; readonly bytes: Uint8Array };

/** The fields of a message, in order; fixed-width fields are skipped, others are an error. */
export function readFields(bytes: Uint8Array): WireField[] {
  const out: WireField[] = [];
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (at >= bytes.length) throw new Error("protobuf: truncated varint");
      const b = bytes[at++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
    }
    throw new Error("protobuf: varint too long");
  };
  while (at < bytes.length) {
    const key = varint();
    const field = Number(key >> 3n);
    const type = Number(key & 7n);
    if (type === 0) out.push({ field, type, value: varint() });
    else if (type === 2) {
      const length = Number(varint());
      if (at + length > bytes.length) throw new Error("protobuf: truncated field");
      out.push({ field, type, bytes: bytes.subarray(at, at + length) });
      at += length;
    } else if (type === 1) at += 8;
    else if (type === 5) at += 4;
    else throw new Error(`protobuf: wire type ${type} not supported`);
    if (at > bytes.length) throw new Error("protobuf: truncated field");
  }
  return out;
}
