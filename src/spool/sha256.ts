/**
 * Incremental SHA-256 (FIPS 180-4) whose running state can be saved and restored.
 *
 * The spool hashes a part as it is written and uploads it in pieces, deleting what the server
 * has acknowledged. After a crash it must still finish the part's SHA-256, although the bytes
 * already uploaded are gone: so the hash state is checkpointed with the upload position and
 * restored from there. node:crypto's Hash and WebCrypto cannot export their state, hence this
 * pure-JS implementation.
 *
 * Speed: words are kept in Int32 arithmetic (`| 0`, `>>>`), one 64-word message schedule is
 * reused for every block, and whole blocks are compressed straight from the caller's array;
 * only a partial trailing block is copied, into a 64-byte pending buffer.
 */
import { toHex } from "../util/hex.ts";

/** The round constants: first 32 bits of the fractional parts of the cube roots of the primes. */
// deno-fmt-ignore
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** The initial hash value: first 32 bits of the fractional parts of the square roots. */
const H0 = [
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
];

const BLOCK = 64;
/** Saved-state layout: version, 8 hash words, u64 length, pending bytes, 4-byte check. */
const STATE_VERSION = 1;
const STATE_FIXED = 1 + 32 + 8;
const STATE_CHECK = 4;
const TWO_32 = 0x1_0000_0000;

/**
 * One schedule for every instance: compression never yields, so no two calls can interleave,
 * and a module-wide array spares each hasher (the spool may hold many) its own 256 bytes.
 */
const W = new Int32Array(64);

/**
 * Compresses the whole blocks `data[pos, end)` into `state`. One call covers a range of blocks
 * so that the working words stay in locals from one block to the next.
 *
 * The rounds are unrolled by eight with the roles of the eight words rotating through the
 * names (round r's "a" is round r+1's "b", …), so a round writes two variables instead of
 * shifting all eight: about 15% faster in V8 than the textbook loop. Helper functions for the
 * sigmas measured 20% slower (not inlined), so the expressions are written out.
 */
function compress(state: Int32Array, data: Uint8Array, pos: number, end: number): void {
  const w = W;
  const k = K;
  // Big-endian words; DataView.getInt32 measured a little faster than assembling bytes.
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let h0 = state[0]!, h1 = state[1]!, h2 = state[2]!, h3 = state[3]!;
  let h4 = state[4]!, h5 = state[5]!, h6 = state[6]!, h7 = state[7]!;
  for (; pos < end; pos += BLOCK) {
    for (let i = 0; i < 16; i++) w[i] = view.getInt32(pos + i * 4);
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15]!;
      const y = w[i - 2]!;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (s1 + w[i - 7]! + s0 + w[i - 16]!) | 0;
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7, t = 0;
    for (let i = 0; i < 64; i += 8) {
      t = (h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) +
        (g ^ (e & (f ^ g))) + k[i]! + w[i]!) | 0;
      d = (d + t) | 0;
      h = (t + (((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) +
        ((a & b) ^ (c & (a ^ b)))) | 0;
      t = (g + (((d >>> 6) | (d << 26)) ^ ((d >>> 11) | (d << 21)) ^ ((d >>> 25) | (d << 7))) +
        (f ^ (d & (e ^ f))) + k[i + 1]! + w[i + 1]!) | 0;
      c = (c + t) | 0;
      g = (t + (((h >>> 2) | (h << 30)) ^ ((h >>> 13) | (h << 19)) ^ ((h >>> 22) | (h << 10))) +
        ((h & a) ^ (b & (h ^ a)))) | 0;
      t = (f + (((c >>> 6) | (c << 26)) ^ ((c >>> 11) | (c << 21)) ^ ((c >>> 25) | (c << 7))) +
        (e ^ (c & (d ^ e))) + k[i + 2]! + w[i + 2]!) | 0;
      b = (b + t) | 0;
      f = (t + (((g >>> 2) | (g << 30)) ^ ((g >>> 13) | (g << 19)) ^ ((g >>> 22) | (g << 10))) +
        ((g & h) ^ (a & (g ^ h)))) | 0;
      t = (e + (((b >>> 6) | (b << 26)) ^ ((b >>> 11) | (b << 21)) ^ ((b >>> 25) | (b << 7))) +
        (d ^ (b & (c ^ d))) + k[i + 3]! + w[i + 3]!) | 0;
      a = (a + t) | 0;
      e = (t + (((f >>> 2) | (f << 30)) ^ ((f >>> 13) | (f << 19)) ^ ((f >>> 22) | (f << 10))) +
        ((f & g) ^ (h & (f ^ g)))) | 0;
      t = (d + (((a >>> 6) | (a << 26)) ^ ((a >>> 11) | (a << 21)) ^ ((a >>> 25) | (a << 7))) +
        (c ^ (a & (b ^ c))) + k[i + 4]! + w[i + 4]!) | 0;
      h = (h + t) | 0;
      d = (t + (((e >>> 2) | (e << 30)) ^ ((e >>> 13) | (e << 19)) ^ ((e >>> 22) | (e << 10))) +
        ((e & f) ^ (g & (e ^ f)))) | 0;
      t = (c + (((h >>> 6) | (h << 26)) ^ ((h >>> 11) | (h << 21)) ^ ((h >>> 25) | (h << 7))) +
        (b ^ (h & (a ^ b))) + k[i + 5]! + w[i + 5]!) | 0;
      g = (g + t) | 0;
      c = (t + (((d >>> 2) | (d << 30)) ^ ((d >>> 13) | (d << 19)) ^ ((d >>> 22) | (d << 10))) +
        ((d & e) ^ (f & (d ^ e)))) | 0;
      t = (b + (((g >>> 6) | (g << 26)) ^ ((g >>> 11) | (g << 21)) ^ ((g >>> 25) | (g << 7))) +
        (a ^ (g & (h ^ a))) + k[i + 6]! + w[i + 6]!) | 0;
      f = (f + t) | 0;
      b = (t + (((c >>> 2) | (c << 30)) ^ ((c >>> 13) | (c << 19)) ^ ((c >>> 22) | (c << 10))) +
        ((c & d) ^ (e & (c ^ d)))) | 0;
      t = (a + (((f >>> 6) | (f << 26)) ^ ((f >>> 11) | (f << 21)) ^ ((f >>> 25) | (f << 7))) +
        (h ^ (f & (g ^ h))) + k[i + 7]! + w[i + 7]!) | 0;
      e = (e + t) | 0;
      a = (t + (((b >>> 2) | (b << 30)) ^ ((b >>> 13) | (b << 19)) ^ ((b >>> 22) | (b << 10))) +
        ((b & c) ^ (d & (b ^ c)))) | 0;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
    h5 = (h5 + f) | 0;
    h6 = (h6 + g) | 0;
    h7 = (h7 + h) | 0;
  }
  state[0] = h0;
  state[1] = h1;
  state[2] = h2;
  state[3] = h3;
  state[4] = h4;
  state[5] = h5;
  state[6] = h6;
  state[7] = h7;
}

function writeU32(out: Uint8Array, at: number, v: number): void {
  out[at] = v >>> 24;
  out[at + 1] = v >>> 16;
  out[at + 2] = v >>> 8;
  out[at + 3] = v;
}

function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>>
    0;
}

/** Incremental SHA-256 with a serializable state; see the module comment for why. */
export class Sha256 {
  readonly #h = new Int32Array(H0);
  readonly #pending = new Uint8Array(BLOCK);
  #pendingLength = 0;
  /**
   * Bytes hashed so far. A double, not a 32-bit count: parts can exceed 4 GiB, and a double is
   * exact up to 2^53 bytes, far beyond any file.
   */
  #length = 0;

  /** Bytes hashed so far. */
  get length(): number {
    return this.#length;
  }

  /** Adds `bytes` to the message. The caller may reuse `bytes` as soon as this returns. */
  update(bytes: Uint8Array): this {
    const n = bytes.length;
    if (this.#length + n > Number.MAX_SAFE_INTEGER) {
      throw new RangeError("sha256: message longer than 2^53 - 1 bytes");
    }
    let pos = 0;
    if (this.#pendingLength > 0) {
      const take = Math.min(BLOCK - this.#pendingLength, n);
      this.#pending.set(bytes.subarray(0, take), this.#pendingLength);
      this.#pendingLength += take;
      pos = take;
      if (this.#pendingLength < BLOCK) {
        this.#length += n;
        return this;
      }
      compress(this.#h, this.#pending, 0, BLOCK);
      this.#pendingLength = 0;
    }
    const rest = n - pos;
    const whole = pos + (rest - (rest % BLOCK));
    if (whole > pos) compress(this.#h, bytes, pos, whole);
    if (whole < n) {
      this.#pending.set(bytes.subarray(whole), 0);
      this.#pendingLength = n - whole;
    }
    this.#length += n;
    return this;
  }

  /**
   * The 32-byte digest of everything hashed so far. Pads a copy of the state, so hashing may
   * go on afterwards (a running digest at each checkpoint costs one or two blocks).
   */
  digest(): Uint8Array {
    const h = new Int32Array(this.#h);
    const tail = new Uint8Array(2 * BLOCK);
    tail.set(this.#pending.subarray(0, this.#pendingLength));
    tail[this.#pendingLength] = 0x80;
    // The padded tail is one block, or two when the pending bytes leave no room for the
    // 0x80 marker and the 8-byte length.
    const size = this.#pendingLength < BLOCK - 8 ? BLOCK : 2 * BLOCK;
    // The length in bits as a big-endian u64, split without exceeding 2^53 in any product.
    const bitsHigh = Math.floor(this.#length / 0x2000_0000);
    const bitsLow = (this.#length % 0x2000_0000) * 8;
    writeU32(tail, size - 8, bitsHigh);
    writeU32(tail, size - 4, bitsLow);
    compress(h, tail, 0, size);
    const out = new Uint8Array(32);
    for (let i = 0; i < 8; i++) writeU32(out, i * 4, h[i]!);
    return out;
  }

  /** The digest as 64 lowercase hex digits. */
  hex(): string {
    return toHex(this.digest());
  }

  /**
   * The running state, at most 108 bytes: version (1), hash words (32, big-endian), length
   * (u64 big-endian), the pending bytes of the unfinished block (length mod 64 of them), and
   * the first 4 bytes of the SHA-256 of all that. The check turns a torn or corrupted
   * checkpoint into an error at restore instead of a silently wrong digest for the part.
   */
  save(): Uint8Array {
    const body = new Uint8Array(STATE_FIXED + this.#pendingLength);
    body[0] = STATE_VERSION;
    for (let i = 0; i < 8; i++) writeU32(body, 1 + i * 4, this.#h[i]!);
    writeU32(body, 33, Math.floor(this.#length / TWO_32));
    writeU32(body, 37, this.#length % TWO_32);
    body.set(this.#pending.subarray(0, this.#pendingLength), STATE_FIXED);
    const out = new Uint8Array(body.length + STATE_CHECK);
    out.set(body);
    out.set(new Sha256().update(body).digest().subarray(0, STATE_CHECK), body.length);
    return out;
  }

  /** A hasher continuing from a {@link save}d state; throws an Error if `state` is malformed. */
  static restore(state: Uint8Array): Sha256 {
    const bad = (why: string): Error => new Error(`sha256: cannot restore state: ${why}`);
    if (!(state instanceof Uint8Array)) throw bad("not a Uint8Array");
    if (state.length < STATE_FIXED + STATE_CHECK) {
      throw bad(`${state.length} bytes, at least ${STATE_FIXED + STATE_CHECK} expected`);
    }
    if (state[0] !== STATE_VERSION) throw bad(`unknown version ${state[0]}`);
    const high = readU32(state, 33);
    const length = high * TWO_32 + readU32(state, 37);
    if (high >= 0x20_0000) throw bad("length beyond 2^53 - 1 bytes");
    const pendingLength = length % BLOCK;
    const expected = STATE_FIXED + pendingLength + STATE_CHECK;
    if (state.length !== expected) {
      throw bad(`${state.length} bytes, ${expected} expected for a length of ${length}`);
    }
    const body = state.subarray(0, state.length - STATE_CHECK);
    const check = new Sha256().update(body).digest();
    for (let i = 0; i < STATE_CHECK; i++) {
      if (check[i] !== state[body.length + i]) throw bad("check bytes do not match (corrupted)");
    }
    const s = new Sha256();
    for (let i = 0; i < 8; i++) s.#h[i] = readU32(state, 1 + i * 4);
    s.#pending.set(state.subarray(STATE_FIXED, STATE_FIXED + pendingLength));
    s.#pendingLength = pendingLength;
    s.#length = length;
    return s;
  }
}
