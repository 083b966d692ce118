/**
 * An `UploadRequest{chunk}` encoded around its data where the data already lies: the spool reads
 * a chunk into a buffer with {@link CHUNK_HEADROOM} free bytes in front of it, and the message's
 * few bytes of tags and lengths are written into that room. The data is therefore not copied
 * before grpc-js frames the message (grpc_link.ts): protobuf-es's `toBinary` would copy it twice
 * (the nested Chunk, then the request), and at ~80 MB/s those copies are garbage the agent's
 * memory feels (docs/benchmarks.md, "Upload"). The result is the same message protobuf decodes:
 * field order aside (capture time before data, so that the data can end the buffer), byte for
 * byte what `toBinary` writes. It carries no gRPC frame header: grpc-js writes its own.
 */

/** Bytes a chunk's buffer must have free before its data: this message's prefix, at most. */
export const CHUNK_HEADROOM = 48;

/** Bytes of `value` (≥ 0, < 2^53) as a protobuf varint. */
function varintSize(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    n++;
  }
  return n;
}

function writeVarint(out: Uint8Array, at: number, value: number): number {
  while (value >= 0x80) {
    out[at++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  out[at++] = value;
  return at;
}

/**
 * The encoded request: a view of `data`'s buffer that starts within its headroom and ends where
 * `data` ends. `data.byteOffset` must be at least {@link CHUNK_HEADROOM}; the bytes before it are
 * overwritten. `offset` and `captureTimeUnixMs` are whole numbers ≥ 0 (a spool offset, a wall
 * clock time).
 */
export function encodeChunkInPlace(
  data: Uint8Array,
  offset: number,
  captureTimeUnixMs: number,
): Uint8Array {
  if (data.byteOffset < CHUNK_HEADROOM) {
    throw new RangeError(`a chunk needs ${CHUNK_HEADROOM} bytes of headroom`);
  }
  for (const v of [offset, captureTimeUnixMs]) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`not a varint field: ${v}`);
  }
  // Chunk: 1 offset (varint), 3 capture_time_unix_ms (varint), 2 data (bytes).
  const chunkLength = 1 + varintSize(offset) + 1 + varintSize(captureTimeUnixMs) + 1 +
    varintSize(data.length) + data.length;
  // UploadRequest: 2 chunk (message).
  const prefix = 1 + varintSize(chunkLength) + (chunkLength - data.length);
  const out = new Uint8Array(data.buffer, data.byteOffset - prefix, prefix + data.length);
  let at = 0;
  out[at++] = (2 << 3) | 2;
  at = writeVarint(out, at, chunkLength);
  out[at++] = (1 << 3) | 0;
  at = writeVarint(out, at, offset);
  out[at++] = (3 << 3) | 0;
  at = writeVarint(out, at, captureTimeUnixMs);
  out[at++] = (2 << 3) | 2;
  at = writeVarint(out, at, data.length);
  if (at !== prefix) throw new Error(`chunk prefix: wrote ${at} bytes, planned ${prefix}`);
  return out;
}
