/**
 * Live view of one monitor for a supervisor (issue 8): the pure pieces, and the shell that
 * runs them (live_views.ts).
 *
 * The path: `startStream` → a low-latency encoding of the monitor (live_args.ts: why per-frame
 * fragments, the latency budget), in the recording's ffmpeg while the monitor is recorded
 * (capture/taps.ts), else in one of its own (`buildLiveArgs`) → its fMP4
 * through `createFragmentReader` (src/fmp4: init, then fragments that say whether they start
 * at a keyframe) → a `FragmentQueue` (fragment_queue.ts: the drop policy) → `take()` while the
 * link has room → `encodeStreamBlob` (blob.ts: one blob per init or fragment, the size cap) →
 * wss3 → AgentServer, which fans out to supervisors' browsers (MSE).
 *
 * Wired (live_views.ts, src/app/live_path.ts, src/app/live_commands.ts): one encoder per
 * streamId, at most four at once; the display and capture backend as the recording's planner
 * chooses them; sending through `registration.sendLive` one blob at a time; every view stopped
 * when the registration is not active or the agent stops; counters on /metrics, streams on
 * /status. What the notes below still ask for is marked "(open)".
 *
 * 1. (done) The shell: startStream / stopStream handlers in the command table. Find the
 *    display in the recorder's monitor list with the backend the recording uses now; build
 *    the args (CapturePlanInvalid → resultStartStream error); run ffmpeg under the encoder
 *    supervisor; each run's init goes to `queue.setInit`.
 * 2. (done) Sending through `registration.sendLive` (never `notify()`, whose outbox would
 *    replay stale video after a reconnect), and only while active. Backpressure: the next blob
 *    is taken only once `ws.send`'s callback says the last left for the socket, so the queue,
 *    not the socket's buffer, absorbs a slow link and the drop policy applies.
 * 3. (done) Registration loss, closeRegistration, agentCloseConnect, agent stop: every live view
 *    stops; AgentServer starts them again.
 * 4. (done, totals only) /metrics: agent_helper_live_streams, _sent_bytes_total,
 *    _dropped_fragments_total; per-stream queue stats on /status.
 * 5. (open) Windows: a live view of a monitor that is not recorded is one more Desktop
 *    Duplication session (four per user session, DDA_SESSION_LIMIT in src/capture/choose.ts):
 *    count it in that budget, or capture it with gdigrab. A view carried by the recording's
 *    encoder takes no session of its own, except for the moment of the hand-over.
 * 6. (open) The reference AgentServer: route streamBlob by streamId to supervisors' sockets, keep the
 *    last init for a supervisor who joins and start them at a keyframe, which needs either a
 *    `keyframe` field in streamBlob (a protocol change) or reading the moof with src/fmp4. The
 *    supervisor page: MSE SourceBuffer of `video/mp4; codecs="<InitInfo.codec>"`, blobs
 *    appended in seq order; on a new init (a new encoder run, its timeline restarts at 0) reset
 *    the SourceBuffer or use mode "sequence"; play near the buffered end and jump forward over
 *    the holes the queue's drops leave in the timeline.
 * 7. (open) Config: LiveTuning (crf, maxBitrateKbps), the queue caps, the stream limit.
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
