/**
 * The reference ScreenRecorder's page for supervisors (plain browser JavaScript, served as it is
 * by page.ts): search `/api/recordings`, list the results by segment, and play a segment with
 * one <video> per monitor on one shared timeline.
 *
 * The timeline. Each recording is one part of one monitor (display). A part's `offsetMs` is its
 * place after that monitor's first frame in the segment; monitors are lined up with each other
 * by the wall clock of their first frames (`startedAtUnixMs - offsetMs`), and the segment starts
 * at the earliest. A part lasts its `summary.durationMs` (frames / frame rate, or the time of
 * its last upload, while it has no summary). Between two parts of a monitor (a pause, an
 * encoder restart) the monitor shows a blank screen.
 *
 * Playback. One master clock (play / pause, seek bar) drives every monitor: every 100 ms each
 * monitor loads the part under the clock, is sought back to the clock when it drifts by more
 * than 0.25 s, and plays slightly faster or slower to catch up with a smaller drift. While a
 * monitor waits for data (up to 5 s), the clock holds, so that the others do not run away from
 * it. Videos play from their file over plain HTTP (range requests), as the agent writes them:
 * fragmented MP4, H.264 without B-frames.
 *
 * Every text from the listing reaches the page as a text node or a property, never as markup.
 */

const TOLERANCE_S = 0.25;
const TICK_MS = 100;
const MAX_HOLD_MS = 5000;

const form = document.getElementById("search");
const statusLine = document.getElementById("status");
const results = document.getElementById("results");
const playerSection = document.getElementById("player");
const playerTitle = document.getElementById("player-title");
const playButton = document.getElementById("play");
const seekBar = document.getElementById("seek");
const clockText = document.getElementById("clock");
const wallText = document.getElementById("wall");
const monitorsBox = document.getElementById("monitors");

// ---- small helpers ----

/** A new element; `props` are set as properties (`dataset` is merged), children as text. */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else node[key] = value;
  }
  node.append(...children);
  return node;
}

function showStatus(text, isError = false) {
  statusLine.textContent = text;
  statusLine.classList.toggle("error", isError);
}

const pad = (n) => String(n).padStart(2, "0");

function formatDuration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor(s / 60) % 60;
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

const formatTime = (unixMs) => new Date(unixMs).toLocaleString();

/** A datetime-local value as Unix ms (the end of its second or minute for `to`), or null. */
function inputToUnixMs(value, isEnd) {
  const ms = new Date(value).getTime();
  if (Number.isNaN(ms)) return null;
  if (!isEnd) return ms;
  return ms + (value.length <= 16 ? 59_999 : 999);
}

/** Unix ms as a datetime-local value (local time, seconds). */
function unixMsToInput(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// ---- the listing, by segment ----

async function fetchListing(query) {
  const res = await fetch(`/api/recordings?${query}`);
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(body?.error ?? `the listing failed: HTTP ${res.status}`);
  if (!Array.isArray(body)) throw new Error("the listing is not a list");
  return body;
}

/** How long a part lasts, ms (see the timeline above). */
function partDuration(rec) {
  const h = rec.header;
  const s = rec.summary;
  if (s && s.durationMs > 0) return s.durationMs;
  if (s && s.frames > 0 && h.frameRate > 0) return (s.frames * 1000) / h.frameRate;
  return Math.max(0, (rec.updatedAt ?? h.startedAtUnixMs) - h.startedAtUnixMs);
}

function segmentState(recs) {
  const failed = recs.filter((r) => r.failure);
  if (failed.length > 0) return { state: "failed", why: failed.map((r) => r.failure).join("; ") };
  if (recs.some((r) => !r.finished)) return { state: "uploading", why: "still being uploaded" };
  const cut = recs.filter((r) => r.summary?.incompleteReason);
  if (cut.length > 0) {
    return { state: "incomplete", why: cut.map((r) => r.summary.incompleteReason).join("; ") };
  }
  return { state: "complete", why: "every part is complete" };
}

/** One segment: its monitors, each with its parts placed on the segment's timeline. */
function buildSegment(recs) {
  const first = recs[0].header;
  const byDisplay = new Map();
  for (const rec of recs) {
    const index = rec.header.display?.index ?? -1;
    if (!byDisplay.has(index)) byDisplay.set(index, []);
    byDisplay.get(index).push(rec);
  }
  const originOf = (list) =>
    Math.min(...list.map((r) => r.header.startedAtUnixMs - r.header.offsetMs));
  const origin = Math.min(...[...byDisplay.values()].map(originOf));
  const monitors = [...byDisplay.entries()].sort((a, b) => a[0] - b[0]).map(([index, list]) => {
    const shift = originOf(list) - origin;
    const parts = list.map((rec) => {
      const startMs = shift + rec.header.offsetMs;
      return { rec, number: rec.header.part, startMs, endMs: startMs + partDuration(rec) };
    }).filter((p) => p.rec.committed > 0)
      .sort((a, b) => a.startMs - b.startMs || a.number - b.number);
    return { index, parts };
  });
  return {
    tenantId: first.tenantId,
    segmentId: first.segmentId,
    interactionId: first.interactionId,
    operatorId: first.operatorId,
    workItemIds: first.workItemIds,
    origin,
    durationMs: Math.max(0, ...monitors.flatMap((m) => m.parts.map((p) => p.endMs))),
    monitors,
    files: recs.length,
    size: recs.reduce((sum, r) => sum + (r.size ?? r.committed), 0),
    ...segmentState(recs),
  };
}

function groupSegments(listing) {
  const groups = new Map();
  for (const rec of listing) {
    const key = `${rec.header.tenantId}\u0000${rec.header.segmentId}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(rec);
  }
  return [...groups.values()].map(buildSegment);
}

function renderResults(segments) {
  const rows = segments.map((seg) => {
    const open = el("button", { type: "button", textContent: "Play" });
    open.addEventListener("click", () => void openSegment(seg));
    return el(
      "tr",
      { dataset: { segment: seg.segmentId } },
      el("td", {}, seg.segmentId),
      el("td", {}, seg.interactionId),
      el("td", {}, seg.operatorId),
      el("td", {}, formatTime(seg.origin)),
      el("td", { className: "num" }, formatDuration(seg.durationMs)),
      el("td", { className: "num" }, String(seg.monitors.length)),
      el("td", { className: "num" }, String(seg.files)),
      el("td", { className: "num" }, formatSize(seg.size)),
      el("td", { className: `state-${seg.state}`, title: seg.why }, seg.state),
      el("td", {}, open),
    );
  });
  results.tBodies[0].replaceChildren(...rows);
  results.hidden = rows.length === 0;
}

/** The form as a listing query; null (and a message) when a date is not valid. */
function formQuery() {
  const data = new FormData(form);
  const query = new URLSearchParams();
  for (const key of ["operator", "interaction", "segment"]) {
    const value = String(data.get(key) ?? "").trim();
    if (value) query.set(key, value);
  }
  for (const key of ["from", "to"]) {
    const value = String(data.get(key) ?? "");
    if (!value) continue;
    const ms = inputToUnixMs(value, key === "to");
    if (ms === null) {
      showStatus(`${key}: not a date`, true);
      return null;
    }
    query.set(key, String(ms));
  }
  return query;
}

async function search() {
  const query = formQuery();
  if (query === null) return;
  history.replaceState(null, "", query.size > 0 ? `?${query}` : location.pathname);
  showStatus("Searching…");
  try {
    const listing = await fetchListing(query);
    const segments = groupSegments(listing);
    renderResults(segments);
    showStatus(
      segments.length === 0
        ? "No recordings match."
        : `${listing.length} recording(s) in ${segments.length} segment(s).`,
    );
  } catch (e) {
    showStatus(e.message, true);
  }
}

/** Fills the form from the page's query (the same keys as the listing's). */
function restoreForm() {
  const query = new URLSearchParams(location.search);
  for (const key of ["operator", "interaction", "segment"]) {
    const value = query.get(key);
    if (value !== null) form.elements[key].value = value;
  }
  for (const key of ["from", "to"]) {
    const value = query.get(key);
    if (value !== null && /^-?\d+$/.test(value)) {
      form.elements[key].value = unixMsToInput(Number(value));
    }
  }
}

// ---- the player ----

/**
 * The master clock: a position on the segment's timeline, ms, running while `playing` and not
 * `held` (held while a monitor waits for data).
 */
const clock = { playing: false, held: false, baseMs: 0, atPerf: 0 };

function clockNow() {
  const running = clock.playing && !clock.held;
  return running ? clock.baseMs + (performance.now() - clock.atPerf) : clock.baseMs;
}

function clockSet(ms) {
  clock.baseMs = ms;
  clock.atPerf = performance.now();
}

/** Holds or releases the clock, keeping its position. */
function clockHold(held) {
  if (held === clock.held) return;
  clockSet(clockNow());
  clock.held = held;
}

/** What is open: the segment and one view per monitor. */
let current = null;
let timer = 0;
let dragging = false;

function mediaErrorText(error) {
  const what = ["", "aborted", "network error", "cannot decode", "format not supported"];
  return `cannot play: ${what[error?.code ?? 0] || "error"}${
    error?.message ? ` (${error.message})` : ""
  }`;
}

function createView(monitor) {
  const video = el("video", { muted: true, playsInline: true, preload: "auto" });
  const blank = el("div", { className: "blank" });
  const screen = el("div", { className: "screen" }, video, blank);
  const caption = el("figcaption");
  const figure = el(
    "figure",
    { dataset: { display: String(monitor.index), state: "blank" } },
    screen,
    caption,
  );
  const view = {
    monitor,
    video,
    blank,
    screen,
    caption,
    figure,
    part: undefined,
    error: null,
    lastSeek: null,
    waitingSince: null,
    atEnd: false,
  };
  video.addEventListener("error", () => {
    if (view.part) view.error = mediaErrorText(video.error);
  });
  video.addEventListener("canplay", tick);
  describe(view, monitor.parts[0] ?? null);
  return view;
}

/** The caption and the screen's shape for `part` (null: the monitor has nothing to show). */
function describe(view, part) {
  const parts = view.monitor.parts;
  const d = (part ?? parts[0])?.rec.header.display;
  const name = d ? `Display ${d.index}${d.name ? ` · ${d.name}` : ""}` : "Display ?";
  const size = d ? ` · ${d.width}×${d.height}` : "";
  const which = part
    ? ` · part ${part.number} (${parts.indexOf(part) + 1} of ${parts.length})`
    : "";
  const cut = part?.rec.summary?.incompleteReason;
  view.caption.textContent = `${name}${size}${which}${cut ? ` · incomplete: ${cut}` : ""}`;
  if (d && d.width > 0 && d.height > 0) view.screen.style.aspectRatio = `${d.width} / ${d.height}`;
}

function blankText(parts, t) {
  if (parts.length === 0) return "no video";
  if (t < parts[0].startMs) return "not recording yet";
  const next = parts.find((p) => p.startMs > t);
  if (!next) return "recording ended";
  const why = next.rec.header.cause === "resume" ? "recording paused" : "no recording";
  return `${why} until ${formatDuration(next.startMs)}`;
}

function setState(view, state, text = "") {
  view.figure.dataset.state = state;
  view.blank.textContent = text;
}

/**
 * Puts a monitor on the part under `t` and within the tolerance of it; true while it waits
 * for data it needs to play.
 */
function syncView(view, t, running) {
  const { video, monitor } = view;
  const part = monitor.parts.find((p) => t >= p.startMs && t < p.endMs) ?? null;
  if (part !== view.part) {
    view.part = part;
    view.error = null;
    view.lastSeek = null;
    describe(view, part);
    if (part) {
      video.src = part.rec.url;
      video.dataset.part = String(part.number);
      video.dataset.startMs = String(part.startMs);
    } else {
      video.pause();
      video.removeAttribute("src");
      video.load();
      delete video.dataset.part;
      delete video.dataset.startMs;
    }
  }
  if (!part) {
    setState(view, "blank", blankText(monitor.parts, t));
    return false;
  }
  if (view.error) {
    setState(view, "error", view.error);
    return false;
  }
  const local = (t - part.startMs) / 1000;
  const hasMetadata = video.readyState >= HTMLMediaElement.HAVE_METADATA;
  view.atEnd = video.ended ||
    (hasMetadata && Number.isFinite(video.duration) && local >= video.duration);
  if (hasMetadata && !video.seeking && !view.atEnd) {
    // Seek when far off (or, while paused, when not on the exact frame); nudge the rate when
    // a little off, so that monitors converge instead of each sitting at the tolerance's edge.
    // A seek may land off its target (a file whose first frame is late): no seek again until
    // the clock has moved on, or it would seek forever.
    const drift = video.currentTime - local;
    const tolerance = running ? TOLERANCE_S : 0.02;
    if (Math.abs(drift) > tolerance) {
      if (view.lastSeek === null || Math.abs(local - view.lastSeek) > tolerance) {
        view.lastSeek = local;
        video.currentTime = local;
      }
      video.playbackRate = 1;
    } else {
      video.playbackRate = Math.abs(drift) < 0.03 ? 1 : 1 - Math.max(-0.2, Math.min(0.2, drift));
    }
  }
  const waiting = !view.atEnd && (video.seeking ||
    video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA ||
    (video.readyState < HTMLMediaElement.HAVE_FUTURE_DATA &&
      video.networkState === HTMLMediaElement.NETWORK_LOADING));
  setState(view, waiting ? "loading" : "ready");
  // A monitor that gets no data for long stops holding the others (it catches up later).
  if (!waiting) view.waitingSince = null;
  else view.waitingSince ??= performance.now();
  return waiting && performance.now() - view.waitingSince < MAX_HOLD_MS;
}

function applyPlaying(view, run) {
  const { video } = view;
  const want = run && view.part && !view.error && !view.atEnd;
  if (want && video.paused) {
    video.play().catch((e) => {
      // A newer load or pause interrupts a pending play(): the next tick decides again.
      if (e.name !== "AbortError") view.error = `cannot play: ${e.message}`;
    });
  } else if (!want && !video.paused) {
    video.pause();
  }
}

function tick() {
  if (!current) return;
  const end = current.segment.durationMs;
  let t = clockNow();
  if (t >= end) {
    clock.playing = false;
    t = end;
    clockSet(t);
  }
  // At the very end, show the last frames rather than "recording ended".
  const at = Math.max(0, Math.min(t, end - 1));
  const stalled = current.views.map((v) => syncView(v, at, clock.playing)).some(Boolean);
  clockHold(stalled); // until every monitor can play
  for (const view of current.views) applyPlaying(view, clock.playing && !stalled);
  renderClock(t, stalled);
}

function renderClock(t, stalled) {
  const { segment } = current;
  playButton.textContent = clock.playing ? "Pause" : "Play";
  if (!dragging) seekBar.value = String(Math.round(t));
  clockText.textContent = `${formatDuration(t)} / ${formatDuration(segment.durationMs)}${
    clock.playing && stalled ? " · loading" : ""
  }`;
  wallText.textContent = formatTime(segment.origin + t);
  playerSection.dataset.playback = clock.playing ? (stalled ? "loading" : "playing") : "paused";
}

function closePlayer() {
  clearInterval(timer);
  for (const view of current?.views ?? []) {
    view.video.pause();
    view.video.removeAttribute("src");
    view.video.load();
  }
  current = null;
  monitorsBox.replaceChildren();
}

async function openSegment(listed) {
  // Time filters may have left some of the segment's parts out: fetch all of them.
  let segment = listed;
  try {
    const recs = (await fetchListing(new URLSearchParams({ segment: listed.segmentId })))
      .filter((r) => r.header.tenantId === listed.tenantId);
    if (recs.length > 0) segment = buildSegment(recs);
  } catch (e) {
    showStatus(`${e.message}; playing what the search found`, true);
  }
  closePlayer();
  for (const row of results.tBodies[0].rows) {
    row.classList.toggle("selected", row.dataset.segment === segment.segmentId);
  }
  const works = segment.workItemIds.length > 0
    ? ` · work items ${segment.workItemIds.join(", ")}`
    : "";
  playerTitle.textContent = `Segment ${segment.segmentId} · interaction ${segment.interactionId}` +
    ` · operator ${segment.operatorId}${works}`;
  const views = segment.monitors.map(createView);
  monitorsBox.replaceChildren(...views.map((v) => v.figure));
  current = { segment, views };
  clock.playing = false;
  clock.held = false;
  clockSet(0);
  seekBar.max = String(Math.round(segment.durationMs));
  playButton.disabled = segment.durationMs <= 0;
  playerSection.hidden = false;
  playerSection.dataset.segment = segment.segmentId;
  timer = setInterval(tick, TICK_MS);
  tick();
}

// ---- wiring ----

form.addEventListener("submit", (event) => {
  event.preventDefault();
  void search();
});

playButton.addEventListener("click", () => {
  if (!current) return;
  const t = clockNow();
  clock.playing = !clock.playing;
  clockSet(clock.playing && t >= current.segment.durationMs ? 0 : t);
  tick();
});

// While the seek bar is held, the clock does not move its thumb.
seekBar.addEventListener("pointerdown", () => (dragging = true));
for (const type of ["pointerup", "pointercancel"]) {
  document.addEventListener(type, () => (dragging = false));
}
seekBar.addEventListener("input", () => {
  clockSet(Number(seekBar.value));
  tick();
});

restoreForm();
void search();
