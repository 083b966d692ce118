/** The hub's state of one stream and its viewers (hub.ts), and how it is reported. */
import type { FragmentReader, InitInfo } from "../../fmp4/mod.ts";
import type { LiveStreamRequest, LiveStreamStatus, ViewerSocket } from "./types.ts";

export interface Viewer {
  readonly id: number;
  readonly socket: ViewerSocket;
  readonly connectedAt: number;
  needKeyframe: boolean;
  behindSince: number | undefined;
  sent: number;
  skipped: number;
}

export interface Stream {
  readonly userID: string;
  readonly streamId: string;
  request: LiveStreamRequest;
  readonly openedAt: number;
  reader?: FragmentReader;
  init?: { readonly bytes: Uint8Array; readonly frame: Uint8Array<ArrayBuffer>; info: InitInfo };
  buffer: Uint8Array<ArrayBuffer>[];
  bufferBytes: number;
  /** The buffer starts at a keyframe and holds everything since. */
  bufferValid: boolean;
  readonly viewers: Set<Viewer>;
  blobs: number;
  bytes: number;
  inits: number;
  rejected: number;
  lastSeq?: number;
  lastBlobAt?: number;
  lastKeyframeAt?: number;
}

/** What `liveStreams()` shows of a stream at `now`. */
export function streamStatus(s: Stream, now: number): LiveStreamStatus {
  const info = s.init?.info;
  const { frameRate, maxHeight } = s.request;
  return {
    userID: s.userID,
    streamId: s.streamId,
    display: s.request.display,
    ...(frameRate === undefined ? {} : { frameRate }),
    ...(maxHeight === undefined ? {} : { maxHeight }),
    openedAt: s.openedAt,
    state: info === undefined ? "waiting" : "live",
    ...(info === undefined ? {} : { codec: info.codec, width: info.width, height: info.height }),
    viewers: s.viewers.size,
    viewerDetails: [...s.viewers].map((v) => ({
      id: v.id,
      connectedAt: v.connectedAt,
      sentFrames: v.sent,
      skippedFragments: v.skipped,
      bufferedAmount: v.socket.bufferedAmount,
      waitingForKeyframe: v.needKeyframe,
    })),
    blobs: s.blobs,
    bytes: s.bytes,
    inits: s.inits,
    rejected: s.rejected,
    ...(s.lastSeq === undefined ? {} : { lastSeq: s.lastSeq }),
    ...(s.lastBlobAt === undefined ? {} : { lastBlobAgeMs: now - s.lastBlobAt }),
    ...(s.lastKeyframeAt === undefined ? {} : { lastKeyframeAgeMs: now - s.lastKeyframeAt }),
    bufferedFragments: s.buffer.length,
    bufferedBytes: s.bufferBytes,
  };
}
