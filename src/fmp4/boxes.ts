/**
 * Reading ISO BMFF boxes that are already whole in memory: a box's header, its children, and
 * bounded field reads. Every read is checked against the box it belongs to, so a lying size
 * inside a moov or moof becomes an Fmp4Error rather than a read of a neighbour's bytes.
 */
import { Fmp4Error } from "./errors.ts";

/** A box located in some buffer: `body` is where its payload starts, `end` is one past it. */
export interface Box {
  readonly type: string;
  readonly start: number;
  readonly body: number;
  readonly end: number;
}

/** Four bytes as a type name; latin1 so every byte maps to one character. */
export function fourcc(data: Uint8Array, at: number): string {
  return String.fromCharCode(
    data[at] ?? 0,
    data[at + 1] ?? 0,
    data[at + 2] ?? 0,
    data[at + 3] ?? 0,
  );
}

/**
 * The box starting at `at`, which must end by `limit`. size 1 means a 64-bit size follows;
 * size 0 ("to the end of the file") is refused, since a stream has no known end.
 */
export function boxAt(data: Uint8Array, at: number, limit: number): Box {
  if (limit - at < 8) throw new Fmp4Error(`${limit - at} stray bytes where a box header should be`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const type = fourcc(data, at + 4);
  let size = view.getUint32(at);
  let body = at + 8;
  if (size === 1) {
    if (limit - at < 16) throw new Fmp4Error(`box '${type}' is cut inside its 64-bit size`);
    size = bigSize(view.getBigUint64(at + 8), type);
    body = at + 16;
  } else if (size === 0) {
    throw new Fmp4Error(`box '${type}' has size 0 (up to the end of the file), not supported`);
  }
  if (size < body - at) {
    throw new Fmp4Error(`box '${type}' has size ${size}, smaller than its own header`);
  }
  if (size > limit - at) {
    throw new Fmp4Error(`box '${type}' has size ${size} but only ${limit - at} bytes contain it`);
  }
  return { type, start: at, body, end: at + size };
}

/** A 64-bit size as a number; anything past 2^53 is far beyond any limit we accept anyway. */
export function bigSize(size: bigint, type: string): number {
  if (size > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Fmp4Error(`box '${type}' claims ${size} bytes`);
  }
  return Number(size);
}

/** The boxes laid end to end from `from` to `to` (a container's payload, or a whole buffer). */
export function boxesIn(data: Uint8Array, from: number, to: number): Box[] {
  const found: Box[] = [];
  for (let at = from; at < to;) {
    const box = boxAt(data, at, to);
    found.push(box);
    at = box.end;
  }
  return found;
}

/** The children of a plain container box (moov, trak, moof, traf, ...). */
export function childrenOf(data: Uint8Array, parent: Box): Box[] {
  return boxesIn(data, parent.body, parent.end);
}

/** The first child of `parent` with this type, or undefined. */
export function childOf(data: Uint8Array, parent: Box, type: string): Box | undefined {
  return childrenOf(data, parent).find((b) => b.type === type);
}

/** Like childOf, but a missing child is malformed input. */
export function requireChild(data: Uint8Array, parent: Box, type: string): Box {
  const child = childOf(data, parent, type);
  if (!child) throw new Fmp4Error(`'${parent.type}' has no '${type}'`);
  return child;
}

/** Reads big-endian fields from a box's payload in order, never past the box's end. */
export class Fields {
  readonly #view: DataView;
  readonly #box: Box;
  #at: number;

  constructor(data: Uint8Array, box: Box, at: number = box.body) {
    this.#view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.#box = box;
    this.#at = at;
  }

  /** Where the next field starts, as an offset into the buffer. */
  get offset(): number {
    return this.#at;
  }

  skip(bytes: number): this {
    this.#take(bytes);
    return this;
  }

  u8(): number {
    return this.#view.getUint8(this.#take(1));
  }

  u32(): number {
    return this.#view.getUint32(this.#take(4));
  }

  /** A 64-bit value as a number; media times stay far below 2^53 (2^53 ticks at 90 kHz is
   * over 3,000 years), so a larger one means garbage. */
  u64(): number {
    const value = this.#view.getBigUint64(this.#take(8));
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new Fmp4Error(`'${this.#box.type}' holds a 64-bit value too large to use: ${value}`);
    }
    return Number(value);
  }

  /** A full box's version and flags, the first four bytes of its payload. */
  versionAndFlags(): { version: number; flags: number } {
    const word = this.u32();
    return { version: word >>> 24, flags: word & 0xffffff };
  }

  #take(bytes: number): number {
    const at = this.#at;
    if (at + bytes > this.#box.end) throw new Fmp4Error(`'${this.#box.type}' is too short`);
    this.#at += bytes;
    return at;
  }
}
