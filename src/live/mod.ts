/**
 * Live view of one monitor for a supervisor (issue 8): the pure, tested groundwork. Nothing
 * here runs a process or touches a socket yet.
 *
 * The path: `startStream` → a second ffmpeg for the (stream, monitor), beside the recording's,
 * with `buildLiveArgs` (live_args.ts: why per-frame fragments, the latency budget) → its stdout
 * through `createFragmentReader` (src/fmp4: init, then fragments that say whether they start
 * at a keyframe) → a `FragmentQueue` (fragment_queue.ts: the drop policy) → `take()` while the
 * link has room → `encodeStreamBlob` (blob.ts: one blob per init or fragment, the size cap) →
 * wss3 → AgentServer, which fans out to supervisors' browsers (MSE).
 *
 * Left to wire:
 * 1. The shell: startStream / stopStream handlers in the command table (src/wss3/commands.ts
 *    answers notAvailable today). Find the display in the recorder's monitor list with the
 *    backend the recording uses now (after any DXGI → GDI fallback); build the args
 *    (CapturePlanInvalid → resultStartStream error); run ffmpeg under the encoder supervisor
 *    (src/encoder/supervisor.ts: restart with backoff, -progress stall watchdog, "q" to stop);
 *    each run's init goes to `queue.setInit`. Decide one encoder per streamId or one shared per
 *    (display, frameRate, maxHeight), and cap concurrent streams (each costs an encoder's CPU).
 * 2. Sending, through the registration and only while it is active, never through `notify()`:
 *    its outbox keeps messages across a reconnect (stale video, up to 1000 × 1 MiB). It needs a
 *    registration method taking text (encodeStreamBlob's, not an object to stringify again)
 *    that returns false when not active, and the socket's bufferedAmount, which
 *    src/wss3/ws_connector.ts does not expose yet: call `take()` only while that is low (say
 *    under 256 kB), after each push and when the socket drains, so the queue, not the socket's
 *    buffer, absorbs a slow link and the drop policy applies. Queue options: maxBytes
 *    DEFAULT_QUEUE_MAX_BYTES, maxFragments = frameRate (1 s), maxFragmentBytes =
 *    maxPayloadBytes(streamId, the agent's WSS3_MAX_MESSAGE_BYTES).
 * 3. Registration loss, closeRegistration, agentCloseConnect, agent stop: stop every live view
 *    (AgentServer starts them again); a reconnect within the recovery window does not resume
 *    them. Should one ever survive a reconnect, `queue.newConsumer()` starts the new link.
 * 4. Metrics: `queue.stats()` per stream as agent_helper_live_* (streams, fragments and bytes
 *    sent, dropped, dropped oversize, queued bytes) on /metrics, and the streams on /status.
 * 5. Windows: a ddagrab live view is one more Desktop Duplication session (four per user
 *    session, DDA_SESSION_LIMIT in src/capture/choose.ts): count it in that budget, or capture
 *    the live view with gdigrab.
 * 6. The reference AgentServer: route streamBlob by streamId to supervisors' sockets, keep the
 *    last init for a supervisor who joins and start them at a keyframe, which needs either a
 *    `keyframe` field in streamBlob (a protocol change) or reading the moof with src/fmp4. The
 *    supervisor page: MSE SourceBuffer of `video/mp4; codecs="<InitInfo.codec>"`, blobs
 *    appended in seq order; on a new init (a new encoder run, its timeline restarts at 0) reset
 *    the SourceBuffer or use mode "sequence"; play near the buffered end and jump forward over
 *    the holes the queue's drops leave in the timeline.
 * 7. Config: LiveTuning (crf, maxBitrateKbps), the queue caps, the stream limit.
 */
export {
  base64,
  type BlobInput,
  DEFAULT_MAX_MESSAGE_BYTES,
  encodeStreamBlob,
  maxPayloadBytes,
  streamBlobMessage,
  streamBlobSize,
  StreamBlobTooLarge,
} from "./blob.ts";
export {
  createFragmentQueue,
  DEFAULT_QUEUE_MAX_BYTES,
  type FragmentQueue,
  type FragmentQueueOptions,
  type FragmentQueueStats,
  type LiveFragment,
  type QueueItem,
} from "./fragment_queue.ts";
export {
  buildLiveArgs,
  buildLivePlan,
  DEFAULT_LIVE_FRAME_RATE,
  DEFAULT_LIVE_MAX_HEIGHT,
  LIVE_CRF,
  LIVE_KEYFRAME_INTERVAL_SEC,
  LIVE_MAX_BITRATE_KBPS,
  liveMaxFrameBytes,
  type LiveRequest,
  type LiveSource,
  type LiveTuning,
} from "./live_args.ts";
