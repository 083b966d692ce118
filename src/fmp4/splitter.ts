/**
 * Cuts a byte stream that arrives in arbitrary chunks (ffmpeg's stdout pipe) into whole
 * top-level boxes. It holds only the box being assembled: the header's bytes first, then a
 * buffer of exactly the size the header announces, which becomes the box handed out, so each
 * byte is copied once and the caller owns what it gets.
 */
import { bigSize, fourcc } from "./boxes.ts";
import { Fmp4Error } from "./errors.ts";

export interface WholeBox {
  readonly type: string;
  /** The whole box, header included; a fresh copy nobody else holds. */
  readonly bytes: Uint8Array;
}

export class BoxSplitter {
  readonly #maxBoxBytes: number;
  /** The header being read: 8 bytes, or 16 when size is 1 (a 64-bit size follows). */
  readonly #head = new Uint8Array(16);
  #headLength = 0;
  #box: { type: string; bytes: Uint8Array; filled: number } | null = null;
  /** Stream offset of the next byte, for error messages that say where. */
  #offset = 0;

  constructor(maxBoxBytes: number) {
    this.#maxBoxBytes = maxBoxBytes;
  }

  /** Bytes of an unfinished box held right now: 0 exactly when the stream is at a boundary. */
  get pendingBytes(): number {
    return this.#box ? this.#box.filled : this.#headLength;
  }

  /** The type of the unfinished box, once its header is read. */
  get pendingType(): string | undefined {
    return this.#box?.type;
  }

  /** Appends a chunk and returns the boxes it completed, in order. */
  push(chunk: Uint8Array): WholeBox[] {
    const done: WholeBox[] = [];
    let at = 0;
    for (;;) {
      const box = this.#box;
      if (box !== null && box.filled === box.bytes.length) {
        done.push({ type: box.type, bytes: box.bytes });
        this.#offset += box.bytes.length;
        this.#box = null;
        continue;
      }
      if (at === chunk.length) break;
      if (box === null) {
        at += this.#readHead(chunk, at);
      } else {
        const n = Math.min(chunk.length - at, box.bytes.length - box.filled);
        box.bytes.set(chunk.subarray(at, at + n), box.filled);
        box.filled += n;
        at += n;
      }
    }
    return done;
  }

  /**
   * Takes header bytes from the chunk; once the header is whole, starts the box (which may be
   * whole already: an empty `free` is just a header).
   */
  #readHead(chunk: Uint8Array, at: number): number {
    const want = this.#headLength < 8 ? 8 : 16;
    const n = Math.min(want - this.#headLength, chunk.length - at);
    this.#head.set(chunk.subarray(at, at + n), this.#headLength);
    this.#headLength += n;
    if (this.#headLength < want) return n;

    const view = new DataView(this.#head.buffer);
    const type = fourcc(this.#head, 4);
    const where = `at stream offset ${this.#offset}`;
    if (!/^[\x20-\x7e]{4}$/.test(type)) {
      throw new Fmp4Error(`no box type ${where} (bytes ${hex(this.#head.subarray(4, 8))})`);
    }
    const size32 = view.getUint32(0);
    if (size32 === 1 && want === 8) return n; // a 64-bit size follows: read 8 more bytes
    const size = size32 === 1 ? bigSize(view.getBigUint64(8), type) : size32;
    if (size === 0) {
      throw new Fmp4Error(`box '${type}' ${where} has size 0 (to the end), not supported`);
    }
    if (size < want) {
      throw new Fmp4Error(`box '${type}' ${where} has size ${size}, smaller than its header`);
    }
    if (size > this.#maxBoxBytes) {
      throw new Fmp4Error(
        `box '${type}' ${where} has ${size} bytes, more than the ${this.#maxBoxBytes} allowed`,
      );
    }
    const bytes = new Uint8Array(size);
    bytes.set(this.#head.subarray(0, want));
    this.#box = { type, bytes, filled: want };
    this.#headLength = 0;
    return n;
  }
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");
}
