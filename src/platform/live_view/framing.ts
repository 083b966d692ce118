/**
 * What the reference AgentServer sends a live view's viewer (a supervisor's browser) over the
 * viewer WebSocket `/live/<userID>/<streamId>`. The viewer sends nothing.
 *
 * Binary frames carry the video, decoded (the helper's base64 is undone once, on arrival), one
 * frame per streamBlob, behind a fixed header (big-endian):
 *
 *   offset size
 *    0     u8   version, 1
 *    1     u8   kind: 1 = init segment (ftyp+moov), 2 = fragment (moof+mdat)
 *    2     u8   flags: bit 0 = the fragment starts with a keyframe
 *    3     u8   header length in bytes (32): the payload starts there
 *    4     u32  the helper's streamBlob seq (low 32 bits; 0xffffffff when it sent none)
 *    8     f64  when the blob reached AgentServer, Unix ms (AgentServer's clock)
 *   16     f64  the fragment's media start, seconds (tfdt / timescale; 0 for an init)
 *   24     f64  the fragment's media duration, seconds (0 for an init)
 *   32     …    the fMP4 bytes, appended to the MSE SourceBuffer as they are
 *
 * Text frames are JSON control messages ({@link ControlMessage}):
 *   {"type":"init", codec, width, height, timescale, serverTime} just before every init frame:
 *     the codec string for `video/mp4; codecs="…"` and AgentServer's clock now, Unix ms;
 *   {"type":"waiting"} the stream has been asked for but no init has come yet;
 *   {"type":"end", reason} the stream is over; the server closes the socket (1000) next.
 *
 * Order: a viewer gets an init (text + binary) before any fragment, and its first fragment
 * after every init is a keyframe. An init frame always means "start over": a new encoder run,
 * whose timeline starts again. Fragments a viewer could not take (a slow link) are skipped up
 * to the next keyframe, which leaves a hole in the media timeline the page jumps over.
 */

export const FRAME_VERSION = 1;
export const FRAME_HEADER_BYTES = 32;
export const FRAME_INIT = 1;
export const FRAME_FRAGMENT = 2;
export const FLAG_KEYFRAME = 1;
/** seq when the helper's blob had none (the source's own streamBlob form). */
export const NO_SEQ = 0xffffffff;

/** Close code for a viewer that could not keep up (RFC 6455 private range). */
export const CLOSE_VIEWER_TOO_SLOW = 4008;

/** Why a stream ended, as told to its viewers. */
export type EndReason =
  | "stopped" // stopStream was sent (stopLiveView, the console)
  | "startFailed" // startStream failed or was refused
  | "helperDisconnected" // the helper's wss3 registration ended
  | "helperReconnected" // a new wss3 connection replaced the one that carried the stream
  | "serverStopping" // AgentServer is shutting down
  | "tooSlow"; // this viewer could not keep up (its own end only)

export type ControlMessage =
  | {
    readonly type: "init";
    readonly codec: string;
    readonly width: number;
    readonly height: number;
    readonly timescale: number;
    readonly serverTime: number;
  }
  | { readonly type: "waiting" }
  | { readonly type: "end"; readonly reason: EndReason };

export interface FrameHeader {
  readonly kind: typeof FRAME_INIT | typeof FRAME_FRAGMENT;
  readonly keyframe: boolean;
  /** The helper's seq, or undefined. */
  readonly seq: number | undefined;
  /** Unix ms on AgentServer's clock. */
  readonly arrival: number;
  readonly mediaStart: number;
  readonly mediaDuration: number;
}

/** One binary frame: the header and then `payload`, in one fresh buffer. */
export function encodeFrame(header: FrameHeader, payload: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, FRAME_VERSION);
  view.setUint8(1, header.kind);
  view.setUint8(2, header.keyframe ? FLAG_KEYFRAME : 0);
  view.setUint8(3, FRAME_HEADER_BYTES);
  const seq = header.seq;
  view.setUint32(4, seq === undefined ? NO_SEQ : seq % 0x1_0000_0000);
  view.setFloat64(8, header.arrival);
  view.setFloat64(16, header.mediaStart);
  view.setFloat64(24, header.mediaDuration);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** Reads a frame (what the page does in JavaScript); throws RangeError on a malformed one. */
export function decodeFrame(frame: Uint8Array): { header: FrameHeader; payload: Uint8Array } {
  if (frame.length < 4) throw new RangeError(`a frame of ${frame.length} bytes`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const version = view.getUint8(0);
  if (version !== FRAME_VERSION) throw new RangeError(`frame version ${version}`);
  const kind = view.getUint8(1);
  if (kind !== FRAME_INIT && kind !== FRAME_FRAGMENT) throw new RangeError(`frame kind ${kind}`);
  const length = view.getUint8(3);
  if (length < FRAME_HEADER_BYTES || frame.length < length) {
    throw new RangeError(`header length ${length} in a frame of ${frame.length} bytes`);
  }
  const seq = view.getUint32(4);
  return {
    header: {
      kind,
      keyframe: (view.getUint8(2) & FLAG_KEYFRAME) !== 0,
      seq: seq === NO_SEQ ? undefined : seq,
      arrival: view.getFloat64(8),
      mediaStart: view.getFloat64(16),
      mediaDuration: view.getFloat64(24),
    },
    payload: frame.subarray(length),
  };
}
