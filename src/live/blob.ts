/**
 * The live view's bytes on wss3: `streamBlob` messages (PROTOCOL.md §4, schema in
 * src/protocol/wss3.ts), built through the catalog's strict writer like every message the
 * helper sends.
 *
 * - One blob carries one whole init segment (`init: true`) or one whole fragment, never a part
 *   of one. AgentServer can then fan blobs out without parsing MP4: a supervisor who joins
 *   late gets the init blob and then blobs from a keyframe on, and a browser appends each
 *   blob to its MSE SourceBuffer as it comes.
 * - `seq` is 0-based and +1 per blob sent to this consumer (fragment_queue.ts numbers them),
 *   so a gap on the receiving side means loss on the way. Fragments the helper dropped for a
 *   slow link are never numbered: the stream simply goes on at a keyframe, whose decode time
 *   shows the jump.
 * - A message must fit the wss3 message cap: the helper's own is 1 MiB
 *   (WSS3_MAX_MESSAGE_BYTES in src/app/agent.ts, the size it accepts), and a platform built
 *   alike would refuse more, so {@link DEFAULT_MAX_MESSAGE_BYTES} is the same value; the shell
 *   should pass the agent's constant. Base64 makes 3 bytes 4 characters, so about 786 kB of
 *   fMP4 fit ({@link maxPayloadBytes}). A fragment that would not fit is refused
 *   ({@link StreamBlobTooLarge}), not split: the message has no field to mark a continuation,
 *   and parts would break the one-blob-one-fragment rule above. It does not happen with the
 *   live encoder (its VBV buffer bounds a frame to 375 kB, live_args.ts); should a deployment
 *   raise the cap, the queue is given maxPayloadBytes() as its `maxFragmentBytes`, drops such a
 *   fragment (counted, as `droppedOversize`) and resumes at the next keyframe that fits.
 * - base64 in one native pass (Uint8Array.prototype.toBase64, no intermediate string);
 *   where a runtime lacks it, btoa over 24 kB chunks, never a string of the whole binary.
 */
import { buildMessage, encodeMessage, type WrittenMessage } from "../protocol/catalog.ts";

/** The agent's wss3 message cap (src/app/agent.ts WSS3_MAX_MESSAGE_BYTES). */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

/** What one streamBlob carries. */
export interface BlobInput {
  readonly streamId: string;
  /** 0-based, +1 per blob sent. */
  readonly seq: number;
  /** The fMP4 init segment (ftyp+moov) rather than a fragment. */
  readonly init: boolean;
  readonly bytes: Uint8Array;
}

/** A blob would exceed the message cap: a bug or a misconfigured encoder, never retried. */
export class StreamBlobTooLarge extends Error {
  override readonly name = "StreamBlobTooLarge";
  readonly retryable = false;
  constructor(readonly messageBytes: number, readonly maxMessageBytes: number) {
    super(`a streamBlob of ${messageBytes} bytes exceeds the ${maxMessageBytes}-byte message cap`);
  }
}

/** Bytes per btoa call in the fallback: a multiple of 3, so the pieces join without padding. */
const CHUNK_BYTES = 24 * 1024;

/** base64 (RFC 4648, padded) of `bytes`. */
export function base64(bytes: Uint8Array): string {
  return typeof bytes.toBase64 === "function" ? bytes.toBase64() : chunkedBase64(bytes);
}

/** base64 through btoa, `chunkBytes` (a positive multiple of 3) at a time. */
export function chunkedBase64(bytes: Uint8Array, chunkBytes: number = CHUNK_BYTES): string {
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes <= 0 || chunkBytes % 3 !== 0) {
    throw new RangeError(`chunkBytes must be a positive multiple of 3, got ${chunkBytes}`);
  }
  const parts: string[] = [];
  for (let at = 0; at < bytes.length; at += chunkBytes) {
    const chunk = bytes.subarray(at, at + chunkBytes);
    parts.push(btoa(String.fromCharCode(...chunk)));
  }
  return parts.join("");
}

/** Characters of padded base64 for `n` bytes. */
export function base64Length(n: number): number {
  return 4 * Math.ceil(n / 3);
}

type BlobData = Omit<BlobInput, "bytes">;

function blobData(blob: BlobData, payload: string) {
  return {
    payload,
    streamId: blob.streamId,
    seq: blob.seq,
    ...(blob.init ? { init: true } : {}),
  };
}

/** The JSON text's size in bytes for a blob of `byteLength` bytes (ASCII: characters = bytes). */
export function streamBlobSize(blob: BlobData, byteLength: number): number {
  const envelope = encodeMessage("wss3", "streamBlob", blobData(blob, ""));
  return envelope.length + base64Length(byteLength);
}

/**
 * The most fMP4 bytes one blob of `streamId` can carry within `maxMessageBytes`, whatever its
 * seq (up to 2^53) and init flag: the queue's `maxFragmentBytes`.
 */
export function maxPayloadBytes(
  streamId: string,
  maxMessageBytes: number = DEFAULT_MAX_MESSAGE_BYTES,
): number {
  const worst = streamBlobSize({ streamId, seq: Number.MAX_SAFE_INTEGER, init: true }, 0);
  return Math.max(0, Math.floor((maxMessageBytes - worst) / 4) * 3);
}

/** The streamBlob message, checked by the catalog's writer (throws ProtocolWriteError). */
export function streamBlobMessage(blob: BlobInput): WrittenMessage<"wss3", "streamBlob"> {
  return buildMessage("wss3", "streamBlob", blobData(blob, base64(blob.bytes)));
}

/**
 * The streamBlob as the text to send. Throws {@link StreamBlobTooLarge} when it would exceed
 * `maxMessageBytes` (checked before any encoding), ProtocolWriteError when the writer refuses
 * the data (a streamId or seq out of the schema).
 */
export function encodeStreamBlob(
  blob: BlobInput,
  maxMessageBytes: number = DEFAULT_MAX_MESSAGE_BYTES,
): string {
  const size = streamBlobSize(blob, blob.bytes.length);
  if (size > maxMessageBytes) throw new StreamBlobTooLarge(size, maxMessageBytes);
  // The writer checks the envelope, streamId, seq and init on the message with an empty payload;
  // the bytes' base64 goes in afterwards. It is base64 by construction, and the writer's regex
  // over it cost more CPU than everything else the agent does for a live view (~0.3 ms per blob,
  // docs/benchmarks.md, "Live view"). `"payload":""` is found once: no other key is named so,
  // and inside a JSON string value its quotes would be escaped.
  const envelope = encodeMessage("wss3", "streamBlob", blobData(blob, ""));
  const at = envelope.indexOf(EMPTY_PAYLOAD) + EMPTY_PAYLOAD.length - 1;
  return envelope.slice(0, at) + base64(blob.bytes) + envelope.slice(at);
}

const EMPTY_PAYLOAD = '"payload":""';
