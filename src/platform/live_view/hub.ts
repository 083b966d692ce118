/**
 * The live view's fan-out in the reference AgentServer: every live stream (a helper's userID
 * and the streamId of its startStream) goes from the helper's `streamBlob`s to any number of
 * viewers' sockets, framed as framing.ts says. No I/O of its own: sockets come in through
 * {@link ViewerSocket}, time through the clock.
 *
 * - A stream exists from the moment startStream is sent (`open`) until it ends: stopStream
 *   was answered, startStream failed, the helper's registration ended, or AgentServer stops.
 *   Blobs of a stream that does not exist are refused (counted), so a stopped stream's
 *   stragglers reach nobody.
 * - Each blob must be one whole init segment or one whole fragment (src/live/blob.ts sends
 *   them so). Every stream has its own fMP4 reader (src/fmp4): an init starts a new reader and
 *   gives the codec, picture size and timescale; a fragment must come out of it as exactly one
 *   fragment, which says whether it starts at a keyframe and where it sits on the timeline.
 *   Anything else is refused (counted, logged by the caller) and the reader starts again from
 *   the stream's init, so one bad blob costs one blob.
 * - Late joiners get the last init and then the fragments since the most recent keyframe,
 *   which the stream keeps (and only those: a keyframe empties the buffer). The buffer is
 *   capped (`maxBufferBytes`, `maxBufferFragments`): past a cap it is dropped and late
 *   joiners wait for the next keyframe instead.
 * - A new init (the helper restarted its encoder) resets the stream for everyone: each viewer
 *   gets it (text + binary, so its page starts a new SourceBuffer) and then waits for a
 *   keyframe.
 * - A slow viewer never holds up the others: a fragment is only written to a viewer whose
 *   socket has at most `viewerHighWaterBytes` unsent; otherwise the viewer skips fragments up
 *   to the next keyframe it has room for. A viewer still above the mark after
 *   `slowViewerTimeoutMs` of skipping is closed (4008). So a viewer holds at most the mark
 *   plus one fragment (and inits) in its socket, whatever the stream does.
 */
import type { Clock } from "../../clock/clock.ts";
import { createFragmentReader, type InitInfo } from "../../fmp4/mod.ts";
import {
  CLOSE_VIEWER_TOO_SLOW,
  type ControlMessage,
  encodeFrame,
  type EndReason,
  FRAME_FRAGMENT,
  FRAME_INIT,
} from "./framing.ts";
import { type Stream, streamStatus, type Viewer } from "./stream_state.ts";
import type {
  BlobOutcome,
  LiveHubOptions,
  LiveStreamRequest,
  LiveStreamStatus,
  StreamBlobData,
  ViewerSocket,
} from "./types.ts";

const OPEN = 1;
/** A blob is at most a wss3 message (32 MiB of base64 by default): no box is larger. */
const MAX_BOX_BYTES = 32 * 1024 * 1024;

export class LiveViewError extends Error {
  override readonly name = "LiveViewError";
}

const keyOf = (userID: string, streamId: string) => JSON.stringify([userID, streamId]);

function startsWithBox(bytes: Uint8Array, type: string): boolean {
  if (bytes.length < 8) return false;
  return String.fromCharCode(bytes[4]!, bytes[5]!, bytes[6]!, bytes[7]!) === type;
}

export class LiveHub {
  readonly #clock: Clock;
  readonly #streams = new Map<string, Stream>();
  readonly #maxStreams: number;
  readonly #maxViewers: number;
  readonly #maxBufferBytes: number;
  readonly #maxBufferFragments: number;
  readonly #highWater: number;
  readonly #slowTimeoutMs: number;
  #viewerIds = 0;
  /** Blobs for streams that were never opened or have ended. */
  unknownBlobs = 0;

  constructor(clock: Clock, options: LiveHubOptions = {}) {
    this.#clock = clock;
    this.#maxStreams = options.maxStreams ?? 64;
    this.#maxViewers = options.maxViewersPerStream ?? 16;
    this.#maxBufferBytes = options.maxBufferBytes ?? 8 * 1024 * 1024;
    this.#maxBufferFragments = options.maxBufferFragments ?? 300;
    this.#highWater = options.viewerHighWaterBytes ?? 512 * 1024;
    this.#slowTimeoutMs = options.slowViewerTimeoutMs ?? 10_000;
  }

  /** A stream is asked for (startStream sent); an open one keeps its bytes and viewers. */
  open(userID: string, request: LiveStreamRequest): void {
    const existing = this.#streams.get(keyOf(userID, request.streamId));
    if (existing !== undefined) {
      existing.request = request;
      return;
    }
    if (this.#streams.size >= this.#maxStreams) {
      throw new LiveViewError(`${this.#maxStreams} live streams are open already`);
    }
    this.#streams.set(keyOf(userID, request.streamId), {
      userID,
      streamId: request.streamId,
      request,
      openedAt: this.#clock.now(),
      buffer: [],
      bufferBytes: 0,
      bufferValid: false,
      viewers: new Set(),
      blobs: 0,
      bytes: 0,
      inits: 0,
      rejected: 0,
    });
  }

  has(userID: string, streamId: string): boolean {
    return this.#streams.has(keyOf(userID, streamId));
  }

  /** Whether the stream exists and has room for one more viewer. */
  canJoin(userID: string, streamId: string): boolean {
    const stream = this.#streams.get(keyOf(userID, streamId));
    return stream !== undefined && stream.viewers.size < this.#maxViewers;
  }

  /** Takes one streamBlob of `userID`'s helper. */
  blob(userID: string, data: StreamBlobData): BlobOutcome {
    if (data.streamId === undefined) {
      this.unknownBlobs++;
      return { ok: false, reason: "a streamBlob without a streamId" };
    }
    const stream = this.#streams.get(keyOf(userID, data.streamId));
    if (stream === undefined) {
      this.unknownBlobs++;
      return { ok: false, reason: `no live stream ${data.streamId} of this helper` };
    }
    let bytes: Uint8Array;
    try {
      bytes = Uint8Array.fromBase64(data.payload);
    } catch {
      return this.#reject(stream, "the payload is not base64");
    }
    if (bytes.length === 0) return this.#reject(stream, "an empty payload");
    const isInit = data.init === true || startsWithBox(bytes, "ftyp") ||
      startsWithBox(bytes, "moov");
    return isInit
      ? this.#takeInit(stream, bytes, data.seq)
      : this.#takeFragment(stream, bytes, data.seq);
  }

  /**
   * Ends one stream: its viewers are told why and closed (1000; 1001 when AgentServer stops).
   * False when it was not open.
   */
  end(userID: string, streamId: string, reason: EndReason): boolean {
    const key = keyOf(userID, streamId);
    const stream = this.#streams.get(key);
    if (stream === undefined) return false;
    this.#streams.delete(key);
    const code = reason === "serverStopping" ? 1001 : 1000;
    for (const viewer of stream.viewers) this.#closeViewer(viewer, reason, code);
    stream.viewers.clear();
    return true;
  }

  /** Ends every stream of `userID`; returns how many. */
  endUser(userID: string, reason: EndReason): number {
    const ids = [...this.#streams.values()].filter((s) => s.userID === userID);
    for (const s of ids) this.end(s.userID, s.streamId, reason);
    return ids.length;
  }

  endAll(reason: EndReason): void {
    for (const s of [...this.#streams.values()]) this.end(s.userID, s.streamId, reason);
  }

  /**
   * Adds a viewer whose socket is open: it gets the init and the fragments since the last
   * keyframe at once, or `waiting`. Undefined (nothing sent) when the stream does not exist
   * or is full.
   */
  join(userID: string, streamId: string, socket: ViewerSocket): number | undefined {
    const stream = this.#streams.get(keyOf(userID, streamId));
    if (stream === undefined || stream.viewers.size >= this.#maxViewers) return undefined;
    const viewer: Viewer = {
      id: ++this.#viewerIds,
      socket,
      connectedAt: this.#clock.now(),
      needKeyframe: true,
      behindSince: undefined,
      sent: 0,
      skipped: 0,
    };
    stream.viewers.add(viewer);
    if (stream.init === undefined) {
      this.#sendText(viewer, { type: "waiting" });
      return viewer.id;
    }
    this.#sendInit(stream, viewer);
    if (stream.bufferValid && stream.buffer.length > 0) {
      for (const frame of stream.buffer) this.#send(viewer, frame);
      viewer.needKeyframe = false;
    }
    return viewer.id;
  }

  /** The viewer's socket closed. */
  leave(userID: string, streamId: string, viewerId: number): void {
    const stream = this.#streams.get(keyOf(userID, streamId));
    if (stream === undefined) return;
    for (const viewer of stream.viewers) {
      if (viewer.id === viewerId) stream.viewers.delete(viewer);
    }
  }

  status(): LiveStreamStatus[] {
    const now = this.#clock.now();
    return [...this.#streams.values()].map((s) => streamStatus(s, now));
  }

  #reject(stream: Stream, reason: string): BlobOutcome {
    stream.rejected++;
    return { ok: false, reason };
  }

  #took(stream: Stream, bytes: Uint8Array, seq: number | undefined, now: number): void {
    stream.blobs++;
    stream.bytes += bytes.length;
    stream.lastBlobAt = now;
    if (seq !== undefined) stream.lastSeq = seq;
  }

  #takeInit(stream: Stream, bytes: Uint8Array, seq: number | undefined): BlobOutcome {
    const reader = createFragmentReader({ maxBoxBytes: MAX_BOX_BYTES });
    let info: InitInfo | undefined;
    try {
      const events = reader.push(bytes);
      const first = events[0];
      if (events.length === 1 && first?.kind === "init") info = first.info;
    } catch (e) {
      return this.#reject(stream, `the init segment does not read: ${(e as Error).message}`);
    }
    if (info === undefined) return this.#reject(stream, "not one whole init segment");
    const now = this.#clock.now();
    this.#took(stream, bytes, seq, now);
    stream.reader = reader;
    const frame = encodeFrame(
      { kind: FRAME_INIT, keyframe: false, seq, arrival: now, mediaStart: 0, mediaDuration: 0 },
      bytes,
    );
    stream.init = { bytes, frame, info };
    stream.inits++;
    stream.buffer = [];
    stream.bufferBytes = 0;
    stream.bufferValid = false;
    for (const viewer of stream.viewers) {
      this.#sendInit(stream, viewer);
      viewer.needKeyframe = true;
      viewer.behindSince = undefined;
    }
    return { ok: true, kind: "init", keyframe: false };
  }

  #takeFragment(stream: Stream, bytes: Uint8Array, seq: number | undefined): BlobOutcome {
    const init = stream.init;
    if (stream.reader === undefined || init === undefined) {
      return this.#reject(stream, "a fragment before any init segment");
    }
    let event;
    try {
      const events = stream.reader.push(bytes);
      if (events.length === 1 && events[0]?.kind === "fragment") event = events[0];
    } catch (e) {
      this.#restartReader(stream, init.bytes);
      return this.#reject(stream, `the fragment does not read: ${(e as Error).message}`);
    }
    if (event === undefined) {
      this.#restartReader(stream, init.bytes);
      return this.#reject(stream, "not one whole fragment");
    }
    const now = this.#clock.now();
    this.#took(stream, bytes, seq, now);
    const timescale = init.info.timescale;
    const frame = encodeFrame({
      kind: FRAME_FRAGMENT,
      keyframe: event.keyframe,
      seq,
      arrival: now,
      mediaStart: event.decodeTime / timescale,
      mediaDuration: event.duration / timescale,
    }, bytes);
    if (event.keyframe) {
      stream.buffer = [frame];
      stream.bufferBytes = frame.length;
      stream.bufferValid = true;
      stream.lastKeyframeAt = now;
    } else if (stream.bufferValid) {
      if (
        stream.buffer.length >= this.#maxBufferFragments ||
        stream.bufferBytes + frame.length > this.#maxBufferBytes
      ) {
        stream.buffer = [];
        stream.bufferBytes = 0;
        stream.bufferValid = false;
      } else {
        stream.buffer.push(frame);
        stream.bufferBytes += frame.length;
      }
    }
    for (const viewer of [...stream.viewers]) this.#deliver(stream, viewer, frame, event.keyframe);
    return { ok: true, kind: "fragment", keyframe: event.keyframe };
  }

  /** A reader that failed, or holds part of a fragment, is replaced by one past the init. */
  #restartReader(stream: Stream, initBytes: Uint8Array): void {
    const reader = createFragmentReader({ maxBoxBytes: MAX_BOX_BYTES });
    reader.push(initBytes);
    stream.reader = reader;
  }

  #deliver(stream: Stream, viewer: Viewer, frame: Uint8Array<ArrayBuffer>, keyframe: boolean) {
    if (viewer.socket.readyState !== OPEN) return;
    const now = this.#clock.now();
    if (viewer.socket.bufferedAmount > this.#highWater) {
      viewer.skipped++;
      viewer.needKeyframe = true;
      viewer.behindSince ??= now;
      if (now - viewer.behindSince > this.#slowTimeoutMs) {
        stream.viewers.delete(viewer);
        this.#closeViewer(viewer, "tooSlow", CLOSE_VIEWER_TOO_SLOW);
      }
      return;
    }
    if (viewer.needKeyframe && !keyframe) {
      viewer.skipped++;
      return;
    }
    this.#send(viewer, frame);
    viewer.needKeyframe = false;
    viewer.behindSince = undefined;
  }

  #sendInit(stream: Stream, viewer: Viewer): void {
    const init = stream.init;
    if (init === undefined) return;
    const { codec, width, height, timescale } = init.info;
    this.#sendText(viewer, {
      type: "init",
      codec,
      width,
      height,
      timescale,
      serverTime: this.#clock.now(),
    });
    this.#send(viewer, init.frame);
  }

  #send(viewer: Viewer, data: string | Uint8Array<ArrayBuffer>): void {
    if (viewer.socket.readyState !== OPEN) return;
    try {
      viewer.socket.send(data);
      if (typeof data !== "string") viewer.sent++;
    } catch {
      // The socket is closing; its close event removes the viewer.
    }
  }

  #sendText(viewer: Viewer, message: ControlMessage): void {
    this.#send(viewer, JSON.stringify(message));
  }

  #closeViewer(viewer: Viewer, reason: EndReason, code: number): void {
    this.#sendText(viewer, { type: "end", reason });
    try {
      if (viewer.socket.readyState === OPEN) viewer.socket.close(code, reason);
    } catch {
      // already closing
    }
  }
}
