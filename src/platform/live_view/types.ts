/** The live view's shapes: what the hub takes, what it reports, and its caps (hub.ts). */

/** What the hub needs of a viewer's WebSocket (Deno's server-side WebSocket has it all). */
export interface ViewerSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string | Uint8Array<ArrayBuffer>): void;
  close(code?: number, reason?: string): void;
}

/** streamBlob's data as the catalog reads it. */
export interface StreamBlobData {
  readonly payload: string;
  readonly streamId?: string | undefined;
  readonly seq?: number | undefined;
  readonly init?: boolean | undefined;
}

/** What startStream asked for. */
export interface LiveStreamRequest {
  readonly streamId: string;
  readonly display: number;
  readonly frameRate?: number;
  readonly maxHeight?: number;
}

export type BlobOutcome =
  | { readonly ok: true; readonly kind: "init" | "fragment"; readonly keyframe: boolean }
  | { readonly ok: false; readonly reason: string };

export interface LiveHubOptions {
  /** Streams open at once (default 64); `open` throws past it. */
  readonly maxStreams?: number;
  /** Viewers per stream (default 16). */
  readonly maxViewersPerStream?: number;
  /** Bytes kept for late joiners: the fragments since the last keyframe (default 8 MiB). */
  readonly maxBufferBytes?: number;
  /** Fragments kept for late joiners (default 300: 10 s at 30 fps). */
  readonly maxBufferFragments?: number;
  /** Unsent bytes in a viewer's socket above which it skips to a keyframe (default 512 KiB). */
  readonly viewerHighWaterBytes?: number;
  /** A viewer above the mark for this long is closed, ms (default 10000). */
  readonly slowViewerTimeoutMs?: number;
}

export interface LiveViewerStatus {
  readonly id: number;
  readonly connectedAt: number;
  /** Frames written to its socket (inits included). */
  readonly sentFrames: number;
  /** Fragments it did not get (slow link, or waiting for a keyframe). */
  readonly skippedFragments: number;
  readonly bufferedAmount: number;
  readonly waitingForKeyframe: boolean;
}

export interface LiveStreamStatus {
  readonly userID: string;
  readonly streamId: string;
  readonly display: number;
  readonly frameRate?: number;
  readonly maxHeight?: number;
  readonly openedAt: number;
  /** `waiting` until the first init. */
  readonly state: "waiting" | "live";
  readonly codec?: string;
  readonly width?: number;
  readonly height?: number;
  readonly viewers: number;
  readonly viewerDetails: readonly LiveViewerStatus[];
  /** Blobs taken (inits and fragments) and their decoded bytes. */
  readonly blobs: number;
  readonly bytes: number;
  readonly inits: number;
  readonly rejected: number;
  readonly lastSeq?: number;
  readonly lastBlobAgeMs?: number;
  readonly lastKeyframeAgeMs?: number;
  /** What a late joiner gets after the init now. */
  readonly bufferedFragments: number;
  readonly bufferedBytes: number;
}
