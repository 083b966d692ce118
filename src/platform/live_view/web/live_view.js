/**
 * The supervisor's live view (plain browser JavaScript, served as it is by page.ts): one
 * operator's monitor, live, from the reference AgentServer's viewer socket
 * `/live/<user>/<stream>` (framing.ts describes the frames), played with Media Source
 * Extensions.
 *
 * - Every init frame starts a new MediaSource with a SourceBuffer of the type the "init"
 *   message before it names (`video/mp4; codecs="avc1…"`): a new encoder run restarts its
 *   timeline, so the old buffer is thrown away rather than spliced.
 * - Fragments are appended in order ("segments" mode: they keep their own media times), one at
 *   a time, and media older than KEEP_S behind the playhead is removed.
 * - Near the live edge: when the playhead is more than BEHIND_S behind the buffered end it
 *   jumps to EDGE_S before it, and more than CATCH_UP_S behind it plays 10 % faster; when it
 *   stands in a hole (fragments AgentServer skipped for a slow link, or the start) it jumps
 *   to the next buffered range (near the end of the last one: a late joiner starts live).
 * - Latency: how long ago the frame on screen reached AgentServer. Each fragment's frame
 *   header holds its media time and its arrival on AgentServer's clock; the "init" message
 *   holds AgentServer's clock at sending, which aligns the two clocks (off by that message's
 *   one-way delay). What came before AgentServer (capture, encoding, the helper's queue and
 *   wss3) cannot be seen: streamBlob carries no capture time.
 *
 * Text from the address or the server reaches the page as text nodes only. The `key` in the
 * address is dropped from it at once (the server has set a cookie for the socket).
 */

const BEHIND_S = 1;
const EDGE_S = 0.3;
const CATCH_UP_S = 0.5;
const KEEP_S = 10;
const TICK_MS = 250;
const MAX_QUEUE = 300;

const REASONS = {
  stopped: "stopped",
  startFailed: "the helper could not start it",
  helperDisconnected: "the operator's helper disconnected",
  helperReconnected: "the operator's helper reconnected",
  serverStopping: "AgentServer is stopping",
  tooSlow: "this browser could not keep up",
};

const params = new URLSearchParams(location.search);
const user = params.get("user") ?? "";
const stream = params.get("stream") ?? "";
if (params.has("key")) {
  params.delete("key");
  history.replaceState(null, "", `${location.pathname}?${params}`);
}

const byId = (id) => document.getElementById(id);
const video = byId("video");
const statusLine = byId("status");
const out = {
  latency: byId("latency"),
  behind: byId("behind"),
  picture: byId("picture"),
  frames: byId("frames"),
  resets: byId("resets"),
  holes: byId("holes"),
};

/** The current MediaSource: { source, buffer, queue: [{bytes, keyframe}] }. */
let media = null;
/** The last "init" message, describing the init frame that follows it. */
let described = null;
/** AgentServer's clock minus this browser's, ms. */
let clockOffset = 0;
/** Recent fragments: media start and end (s), arrival on AgentServer (ms). */
const recent = [];
let frames = 0;
let inits = 0;
let holes = 0;
let ended = false;

function setState(state, text) {
  document.body.dataset.state = state;
  statusLine.textContent = text;
}

function count(name, value) {
  out[name].textContent = String(value);
  document.body.dataset[name] = String(value);
}

function connect() {
  if (user === "" || stream === "") {
    setState("error", "The address needs user= and stream=.");
    return;
  }
  byId("who").textContent = `${user} · ${stream}`;
  document.title = `Live view: ${user} · ${stream}`;
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const path = `/live/${encodeURIComponent(user)}/${encodeURIComponent(stream)}`;
  const socket = new WebSocket(`${scheme}//${location.host}${path}`);
  socket.binaryType = "arraybuffer";
  socket.onmessage = (event) => {
    if (typeof event.data === "string") onControl(event.data);
    else onFrame(event.data);
  };
  socket.onclose = (event) => {
    document.body.dataset.closeCode = String(event.code);
    if (!ended) setState("error", `The connection closed (${event.code}).`);
  };
}

function onControl(text) {
  let message;
  try {
    message = JSON.parse(text);
  } catch {
    return;
  }
  if (message.type === "init") {
    described = message;
    clockOffset = message.serverTime - Date.now();
  } else if (message.type === "waiting") {
    setState("waiting", "Waiting for the operator's screen…");
  } else if (message.type === "end") {
    ended = true;
    const reason = Object.hasOwn(REASONS, message.reason) ? REASONS[message.reason] : "unknown";
    setState("ended", `The live view ended: ${reason}.`);
    finish();
  }
}

function onFrame(buffer) {
  if (buffer.byteLength < 32) return;
  const view = new DataView(buffer);
  const length = view.getUint8(3);
  if (view.getUint8(0) !== 1 || buffer.byteLength < length) return;
  const bytes = new Uint8Array(buffer, length);
  const kind = view.getUint8(1);
  if (kind === 1) {
    startMedia(described, bytes);
    return;
  }
  if (kind !== 2 || media === null) return;
  const keyframe = (view.getUint8(2) & 1) !== 0;
  const start = view.getFloat64(16);
  recent.push({ start, end: start + view.getFloat64(24), arrival: view.getFloat64(8) });
  if (recent.length > 300) recent.shift();
  media.queue.push({ bytes, keyframe });
  if (media.queue.length > MAX_QUEUE) dropToLastKeyframe(media.queue);
  count("frames", ++frames);
  pump();
}

/** The SourceBuffer fell far behind: keep only the queue's last keyframe and what follows. */
function dropToLastKeyframe(queue) {
  let at = queue.length - 1;
  while (at > 0 && !queue[at].keyframe) at--;
  if (at > 0) {
    queue.splice(0, at);
    count("holes", ++holes);
  }
}

function startMedia(info, initBytes) {
  if (info === null) {
    setState("error", "An init segment came without its description.");
    return;
  }
  const type = `video/mp4; codecs="${info.codec}"`;
  if (!globalThis.MediaSource || !MediaSource.isTypeSupported(type)) {
    setState("error", `This browser cannot play ${type}.`);
    return;
  }
  if (inits++ > 0) count("resets", inits - 1);
  const source = new MediaSource();
  const current = { source, buffer: null, queue: [{ bytes: initBytes, keyframe: false }] };
  media = current;
  recent.length = 0;
  const url = URL.createObjectURL(source);
  source.addEventListener("sourceopen", () => {
    URL.revokeObjectURL(url);
    if (media !== current) return;
    try {
      current.buffer = source.addSourceBuffer(type);
      current.buffer.mode = "segments";
    } catch (e) {
      setState("error", `The video cannot be played: ${e.message}`);
      return;
    }
    current.buffer.addEventListener("updateend", () => {
      if (media !== current) return;
      seekIntoBuffer();
      pump();
    });
    pump();
  }, { once: true });
  video.src = url;
  out.picture.textContent = `${info.width} × ${info.height}, ${info.codec}`;
  if (!ended) setState("starting", "Starting…");
}

function pump() {
  const m = media;
  if (m === null || m.buffer === null || m.buffer.updating || m.source.readyState !== "open") {
    return;
  }
  const ranges = m.buffer.buffered;
  if (ranges.length > 0 && video.currentTime - ranges.start(0) > 2 * KEEP_S) {
    m.buffer.remove(0, video.currentTime - KEEP_S);
    return;
  }
  const next = m.queue.shift();
  if (next === undefined) {
    if (ended) finish();
    return;
  }
  try {
    m.buffer.appendBuffer(next.bytes);
  } catch (e) {
    setState("error", `The video stopped: ${e.message}`);
  }
}

/** The stream is over: play what is buffered to its end, then stay on the last frame. */
function finish() {
  const m = media;
  if (m === null || m.buffer === null || m.buffer.updating || m.queue.length > 0) return;
  if (m.source.readyState === "open") {
    try {
      m.source.endOfStream();
    } catch {
      // already ended
    }
  }
}

/** Out of a hole: to the next buffered range when the playhead is in none (or at its end). */
function seekIntoBuffer() {
  const ranges = video.buffered;
  const t = video.currentTime;
  for (let i = 0; i < ranges.length; i++) {
    if (t >= ranges.start(i) && t < ranges.end(i) - 0.05) return;
    if (ranges.start(i) > t) {
      const last = i === ranges.length - 1;
      video.currentTime = last
        ? Math.max(ranges.start(i), ranges.end(i) - EDGE_S)
        : ranges.start(i);
      if (i > 0 || t > 0) count("holes", ++holes);
      return;
    }
  }
}

function tick() {
  if (media === null || media.buffer === null) return;
  const ranges = video.buffered;
  if (ranges.length === 0) return;
  seekIntoBuffer();
  const last = ranges.length - 1;
  const end = ranges.end(last);
  if (!ended && end - video.currentTime > BEHIND_S) {
    video.currentTime = Math.max(ranges.start(last), end - EDGE_S);
  }
  video.playbackRate = !ended && end - video.currentTime > CATCH_UP_S ? 1.1 : 1;
  if (video.paused && !ended) video.play().catch(() => {});
  const t = video.currentTime;
  out.behind.textContent = `${Math.max(0, end - t).toFixed(2)} s`;
  let shown = null;
  for (let i = recent.length - 1; i >= 0; i--) {
    if (recent[i].start <= t + 0.001) {
      shown = recent[i];
      break;
    }
  }
  if (shown !== null && t <= shown.end + 0.5 && !ended) {
    const ms = Math.round(Date.now() + clockOffset - shown.arrival);
    out.latency.textContent = `${ms} ms`;
    document.body.dataset.latencyMs = String(ms);
  }
}

video.addEventListener("playing", () => {
  if (!ended) setState("playing", "Live");
});
video.muted = true;
setInterval(tick, TICK_MS);
connect();
