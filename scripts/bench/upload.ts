/**
 * The upload benchmark (issue 6): the agent's upload path draining a spool backlog to the
 * reference ScreenRecorder over loopback (real TLS, real gRPC), and the same backlog against a
 * stalled recorder. Targets: ≥ 50 MB/s for a 1 GB backlog; agent CPU per MB uploaded
 * (reported); agent RSS ≤ 100 MB with a 1 GB backlog and a stalled recorder.
 *
 *   node_modules/.bin/deno run --allow-all scripts/bench/upload.ts [--gb 1] [--parts 8] \
 *     [--stall-after 2] [--stall-seconds 25] [--no-stall] [--keep] [--uploader JSON] \
 *     [--diag-gc-ms N]
 *
 * The agent side runs as its own process (upload_agent.ts, `createUploadPath` exactly as the
 * agent builds it, with the agent's V8 flags); the recorder is `screen_recorder/main.ts` in its
 * own process. This process fills the spools (not timed), drives the child, reads its CPU and
 * memory from /proc and checks what the recorder stored. Arms, in one run:
 *
 * - **drain**: `--gb` GiB in `--parts` sealed parts, uploaded directly to the recorder, from
 *   the credential until `uploader.drained()`: MiB/s, the agent's CPU (% of one core, ms per
 *   MiB), its peak RSS; the recorder's CPU beside it. Every part must be listed finished with
 *   its size, and the spool directory must be empty afterwards.
 * - **stalled**: the same backlog (filled again) through a TCP proxy in this process; after
 *   `--stall-after` s of uploading the proxy holds every connection (a black hole: the
 *   recorder reads nothing more, acknowledges nothing) for `--stall-seconds` s. The agent's
 *   peak RSS and what the proxy holds; then the hold ends and the backlog drains through it.
 *
 * Prints Markdown for docs/benchmarks.md on stdout; progress on stderr. "MiB" is 2^20 bytes.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { v8FlagsArg } from "../../src/app/v8_flags.ts";
import { systemClock } from "../../src/clock/clock.ts";
import { createTokenAuthority, generateTokenSecret } from "../../src/platform/agent_server/jwt.ts";
import { makeTestPki } from "../../src/platform/pki/test_pki.ts";
import {
  type PlatformRecorder,
  startPlatformRecorder,
} from "../../src/platform/workplace/platform_recorder.ts";
import { startTcpProxy, type TcpProxy } from "../../src/testing/tcp_proxy.ts";
import { type Filled, fillSpool } from "./upload_fill.ts";
import {
  clockTicksPerSecond,
  cpuPercent,
  memoryPeaks,
  processTree,
  readMemory,
  sampleCpu,
} from "./proc_stats.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    gb: { type: "string", default: "1" },
    parts: { type: "string", default: "8" },
    "stall-after": { type: "string", default: "2" },
    "stall-seconds": { type: "string", default: "25" },
    "no-stall": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    /** UploaderOptions for the agent, as JSON; absent: the agent's defaults (what is measured). */
    uploader: { type: "string" },
    /**
     * Diagnostic, not the agent's configuration: the agent runs a full GC every N ms (adds
     * V8's --expose-gc), to tell memory still in use from garbage waiting for a collection.
     */
    "diag-gc-ms": { type: "string" },
  },
});
const MIB = 1024 * 1024;
const PARTS = Number(values.parts);
const APPEND_BYTES = MIB;
/** Whole 1 MiB appends per part, so that the parts add up to --gb GiB (rounded down). */
const APPENDS_PER_PART = Math.floor(Number(values.gb) * 1024 / PARTS);
const TOTAL_BYTES = APPENDS_PER_PART * APPEND_BYTES * PARTS;
const STALL_AFTER_S = Number(values["stall-after"]);
const STALL_S = Number(values["stall-seconds"]);
const OPERATOR = "bench-op";
const DRAIN_TIMEOUT_MS = 15 * 60_000;
/** How long after `drained()` the spool may still hold a finished file's directory. */
const SPOOL_GRACE_MS = 3000;
const AGENT_SCRIPT = new URL("./upload_agent.ts", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;

const encoder = new TextEncoder();
/** Progress on stderr; the Markdown result is this script's stdout. */
const progress = (line: string) => Deno.stderr.writeSync(encoder.encode(line + "\n"));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (bytes: number) => bytes / MIB;
const f1 = (n: number) => n.toFixed(1);
const f0 = (n: number) => n.toFixed(0);
const SPOOL_SHAPE = { parts: PARTS, appendsPerPart: APPENDS_PER_PART, operator: OPERATOR };

// ---------------------------------------------------------------------------------------------
// The agent-side child

interface AgentEvent {
  readonly event: "ready" | "status" | "drained" | "stopped";
  readonly ms?: number;
  readonly files?: number;
  readonly states?: Record<string, number>;
  readonly spoolBytes?: number;
  readonly rss?: number;
  readonly heapUsed?: number;
  readonly heapTotal?: number;
  readonly external?: number;
}

interface AgentChild {
  readonly pid: number;
  /** The next event of `kind` (events of other kinds stay queued; status lines go to `statuses`). */
  next(kind: AgentEvent["event"], timeoutMs: number): Promise<AgentEvent>;
  send(line: string): Promise<void>;
  /** Status lines seen so far. */
  readonly statuses: AgentEvent[];
  /** stderr log lines at warning or above. */
  readonly warnings: string[];
  /** Sends "stop", waits for the exit (SIGKILL after 10 s); how it went. */
  stop(): Promise<string>;
}

function startAgent(
  spoolDirectory: string,
  caFile: string,
  recorder: string,
  token: string,
): AgentChild {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      values["diag-gc-ms"] ? `${v8FlagsArg()},--expose-gc` : v8FlagsArg(),
      AGENT_SCRIPT,
      "--spool",
      spoolDirectory,
      "--ca",
      caFile,
      "--recorder",
      recorder,
      "--max-bytes",
      String(TOTAL_BYTES + 64 * MIB),
      ...(values.uploader ? ["--uploader", values.uploader] : []),
      ...(values["diag-gc-ms"] ? ["--gc-ms", values["diag-gc-ms"]] : []),
    ],
    cwd: ROOT,
    env: { BENCH_UPLOAD_TOKEN: token },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  const statuses: AgentEvent[] = [];
  const warnings: string[] = [];
  const queue: AgentEvent[] = [];
  let wake = null as (() => void) | null;
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    wake?.();
    return s;
  });
  void (async () => {
    let text = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      let at: number;
      while ((at = text.indexOf("\n")) >= 0) {
        const line = text.slice(0, at);
        text = text.slice(at + 1);
        let event: AgentEvent;
        try {
          event = JSON.parse(line) as AgentEvent;
        } catch {
          warnings.push(`stdout: ${line}`);
          continue;
        }
        if (event.event === "status") statuses.push(event);
        else queue.push(event);
        wake?.();
      }
    }
  })();
  void (async () => {
    let text = "";
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      let at: number;
      while ((at = text.indexOf("\n")) >= 0) {
        const line = text.slice(0, at);
        text = text.slice(at + 1);
        if (!/"level":"(warning|error|fatal)"/.test(line) && !line.startsWith("error")) continue;
        warnings.push(line);
      }
    }
    if (text.trim() !== "") warnings.push(text.trim());
  })();
  return {
    pid: child.pid,
    statuses,
    warnings,
    async next(kind, timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      while (true) {
        const i = queue.findIndex((e) => e.event === kind);
        if (i >= 0) return queue.splice(i, 1)[0]!;
        if (exited) throw new Error(`the agent exited before "${kind}": ${warnings.join("\n")}`);
        const left = deadline - performance.now();
        if (left <= 0) throw new Error(`no "${kind}" from the agent within ${timeoutMs} ms`);
        let timer: ReturnType<typeof setTimeout> | undefined;
        await new Promise<void>((r) => {
          wake = r;
          timer = setTimeout(r, left);
        });
        clearTimeout(timer);
        wake = null;
      }
    },
    send: (line) => writer.write(encoder.encode(line + "\n")),
    async stop() {
      if (exited) return "had exited";
      const t0 = performance.now();
      await writer.write(encoder.encode("stop\n")).catch(() => {});
      await writer.close().catch(() => {});
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }, 10_000);
      const code = await status;
      clearTimeout(timer);
      const stopped = queue.some((e) => e.event === "stopped");
      const ms = (performance.now() - t0).toFixed(0);
      return `${stopped ? "stop(0) returned" : "stop(0) did not return"}; ${
        killed ? `killed with SIGKILL after ${ms} ms` : `exited ${code.code} after ${ms} ms`
      }`;
    },
  };
}

/** The recorder's process (`screen_recorder/main.ts --store <storeDir>`, a child of this one). */
function recorderPid(recorder: PlatformRecorder): number {
  for (const pid of processTree(Deno.pid)) {
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${pid}/cmdline`);
      if (cmdline.includes("screen_recorder/main.ts") && cmdline.includes(recorder.storeDir)) {
        return pid;
      }
    } catch { /* gone */ }
  }
  throw new Error("the ScreenRecorder's process was not found");
}

function alive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * `promise`, unless the recorder's process (`pid`) exits first: then an error. The platform
 * recorder's process logs to /dev/null, so its disappearance is all this can tell.
 */
async function whileRecorderRuns<T>(pid: number, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setInterval> | undefined;
  const gone = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      if (!alive(pid)) {
        reject(new Error(`the ScreenRecorder's process (pid ${pid}) exited during the run`));
      }
    }, 250);
  });
  try {
    return await Promise.race([promise, gone]);
  } finally {
    clearInterval(timer);
  }
}

/** Every part listed finished with its size; the spool directory empty. */
async function verify(
  recorder: PlatformRecorder,
  filled: Filled,
  spoolDirectory: string,
): Promise<{ problems: string[]; notes: string[] }> {
  const problems: string[] = [];
  const notes: string[] = [];
  const listed = new Map((await recorder.list()).map((r) => [r.fileName, r]));
  let stored = 0;
  for (const name of filled.names) {
    const r = listed.get(name);
    if (!r) {
      problems.push(`${name}: not listed by the recorder`);
      continue;
    }
    if (!r.finished) problems.push(`${name}: not finished (${r.committed} committed)`);
    if (r.size !== filled.partBytes) problems.push(`${name}: ${r.size} bytes stored`);
    stored += r.size ?? 0;
  }
  if (stored !== filled.partBytes * filled.names.length) {
    problems.push(`${stored} bytes stored of ${filled.partBytes * filled.names.length}`);
  }
  // An entry is a directory; files beside them (names.log) are the spool's own. `drained()`
  // may resolve a moment before the last file's directory is deleted: allow a short grace.
  const t0 = performance.now();
  let left: string[] = [];
  while (true) {
    left = [];
    for await (const e of Deno.readDir(join(spoolDirectory, "upload"))) {
      if (e.isDirectory) left.push(e.name);
    }
    if (left.length === 0 || performance.now() - t0 > SPOOL_GRACE_MS) break;
    await sleep(10);
  }
  const waited = performance.now() - t0;
  if (left.length > 0) problems.push(`left in the spool: ${left.join(", ")}`);
  else if (waited > 0.5) {
    notes.push(`the spool was empty ${waited.toFixed(0)} ms after drained(), not at once`);
  }
  return { problems, notes };
}

// ---------------------------------------------------------------------------------------------
// The arms

interface DrainResult {
  readonly fill: Filled;
  /** How the agent's process ended after "stop". */
  readonly stopped: string;
  /** Whether the recorder's process outlived the agent's stop(0) (see docs/benchmarks.md). */
  readonly recorderAfterStop: "alive" | "died";
  readonly seconds: number;
  readonly cpu: number;
  readonly cpuMsPerMib: number;
  readonly recorderCpu: number;
  /** The agent's RSS / RssAnon once it has recovered the spool, before the credential. */
  readonly readyRss: number;
  readonly readyAnon: number;
  readonly peakRss: number;
  readonly peakAnon: number;
  readonly peakFile: number;
  readonly hwm: number;
  readonly maxHeap: number;
  readonly maxExternal: number;
  readonly problems: readonly string[];
  /** Things seen that are not failures. */
  readonly notes: readonly string[];
  readonly warnings: readonly string[];
}

async function drainArm(
  dir: string,
  recorder: PlatformRecorder,
  caFile: string,
  token: string,
  ticks: number,
): Promise<DrainResult> {
  const spoolDirectory = join(dir, "spool-drain");
  progress(`drain: filling ${mib(TOTAL_BYTES)} MiB`);
  const fill = await fillSpool(spoolDirectory, "drain", SPOOL_SHAPE);
  const agent = startAgent(spoolDirectory, caFile, recorder.address, token);
  try {
    const ready = await agent.next("ready", 60_000);
    if (ready.files !== PARTS) throw new Error(`the agent found ${ready.files} files`);
    const recPid = recorderPid(recorder);
    const atReady = readMemory(agent.pid);
    const memory = memoryPeaks(agent.pid);
    const cpu0 = sampleCpu(agent.pid, false);
    const rec0 = sampleCpu(recPid, false);
    progress("drain: go");
    await agent.send("go");
    const drained = await whileRecorderRuns(recPid, agent.next("drained", DRAIN_TIMEOUT_MS));
    const cpu1 = sampleCpu(agent.pid, false);
    const rec1 = sampleCpu(recPid, false);
    const peaks = memory.stop();
    const seconds = drained.ms! / 1000;
    const cpuSeconds = (cpu1.ticks - cpu0.ticks) / ticks;
    progress(`drain: ${seconds.toFixed(1)} s`);
    const { problems, notes } = await verify(recorder, fill, spoolDirectory);
    const stopped = await agent.stop();
    await sleep(1000);
    const recorderAfterStop = alive(recPid) ? "alive" : "died";
    return {
      fill,
      stopped,
      recorderAfterStop,
      seconds,
      cpu: cpuPercent(cpu0, cpu1, ticks),
      cpuMsPerMib: cpuSeconds * 1000 / mib(TOTAL_BYTES),
      recorderCpu: cpuPercent(rec0, rec1, ticks),
      readyRss: atReady?.rss ?? 0,
      readyAnon: atReady?.anonRss ?? 0,
      peakRss: peaks.rss,
      peakAnon: peaks.anon,
      peakFile: peaks.file,
      hwm: peaks.hwm,
      maxHeap: Math.max(0, ...agent.statuses.map((s) => s.heapUsed ?? 0)),
      maxExternal: Math.max(0, ...agent.statuses.map((s) => s.external ?? 0)),
      problems,
      notes,
      warnings: agent.warnings,
    };
  } finally {
    await agent.stop();
    await Deno.remove(spoolDirectory, { recursive: true }).catch(() => {});
  }
}

interface StallResult {
  readonly fill: Filled;
  readonly stopped: string;
  readonly recorderAfterStop: "alive" | "died";
  /** Spool bytes when the hold began (what the recorder had committed and trimmed: the rest). */
  readonly spoolAtHold: number;
  readonly peakRss: number;
  readonly peakAnon: number;
  readonly peakFile: number;
  readonly hwm: number;
  /** The largest RSS and RssAnon sampled during the hold alone. */
  readonly holdRss: number;
  readonly holdAnon: number;
  readonly rssAtEnd: number;
  readonly maxHeap: number;
  readonly maxExternal: number;
  readonly maxProxyBuffered: number;
  readonly connectionsAtHold: number;
  readonly acceptedDuringHold: number;
  readonly statesAtEnd: Record<string, number>;
  /** The agent every ~5 s of the hold (its own Deno.memoryUsage() and uploader states). */
  readonly timeline: readonly string[];
  readonly drainAfterRelease: number;
  readonly problems: readonly string[];
  /** Things seen that are not failures. */
  readonly notes: readonly string[];
  readonly warnings: readonly string[];
}

async function stallArm(
  dir: string,
  recorder: PlatformRecorder,
  caFile: string,
  token: string,
): Promise<StallResult> {
  const spoolDirectory = join(dir, "spool-stall");
  progress(`stalled: filling ${mib(TOTAL_BYTES)} MiB`);
  const fill = await fillSpool(spoolDirectory, "stall", SPOOL_SHAPE);
  let proxy: TcpProxy | null = null;
  let agent: AgentChild | null = null;
  try {
    proxy = await startTcpProxy({ target: { hostname: "127.0.0.1", port: recorder.grpcPort } });
    const recPid = recorderPid(recorder);
    agent = startAgent(spoolDirectory, caFile, `localhost:${proxy.port}`, token);
    await agent.next("ready", 60_000);
    const memory = memoryPeaks(agent.pid);
    await agent.send("go");
    await sleep(STALL_AFTER_S * 1000);
    proxy.hold();
    const spoolAtHold = agent.statuses.at(-1)?.spoolBytes ?? TOTAL_BYTES;
    const connectionsAtHold = proxy.connections;
    const acceptedAtHold = proxy.accepted;
    progress(`stalled: held after ${STALL_AFTER_S} s; ${STALL_S} s`);
    const during = memoryPeaks(agent.pid);
    let maxProxyBuffered = 0;
    const statusesBefore = agent.statuses.length;
    const t0 = performance.now();
    while (performance.now() - t0 < STALL_S * 1000) {
      maxProxyBuffered = Math.max(maxProxyBuffered, proxy.buffered);
      await sleep(100);
    }
    const hold = during.stop();
    const rssAtEnd = readMemory(agent.pid)?.rss ?? 0;
    const holdStatuses = agent.statuses.slice(statusesBefore);
    // Every ~5 s of the hold: the agent's RSS, ArrayBuffers outside the V8 heap, call states.
    const timeline: string[] = [];
    const holdStart = holdStatuses[0]?.ms ?? 0;
    for (const st of holdStatuses) {
      const at = (st.ms! - holdStart) / 1000;
      if (timeline.length > 0 && at < timeline.length * 5) continue;
      const states = Object.entries(st.states ?? {}).filter(([, n]) => n > 0)
        .map(([k, n]) => `${n} ${k}`).join(", ");
      timeline.push(
        `+${at.toFixed(0)} s: RSS ${f0(mib(st.rss ?? 0))} MiB, external ${
          f0(mib(st.external ?? 0))
        } MiB, ${states}`,
      );
    }
    const statesAtEnd = agent.statuses.at(-1)?.states ?? {};
    const acceptedDuringHold = proxy.accepted - acceptedAtHold;
    proxy.release();
    const released = performance.now();
    progress("stalled: released; draining");
    await whileRecorderRuns(recPid, agent.next("drained", DRAIN_TIMEOUT_MS));
    const drainAfterRelease = (performance.now() - released) / 1000;
    const peaks = memory.stop();
    const { problems, notes } = await verify(recorder, fill, spoolDirectory);
    const stopped = await agent.stop();
    await sleep(1000);
    const recorderAfterStop = alive(recPid) ? "alive" : "died";
    return {
      fill,
      stopped,
      recorderAfterStop,
      spoolAtHold,
      peakRss: peaks.rss,
      peakAnon: peaks.anon,
      peakFile: peaks.file,
      hwm: peaks.hwm,
      holdRss: hold.rss,
      holdAnon: hold.anon,
      rssAtEnd,
      maxHeap: Math.max(0, ...holdStatuses.map((s) => s.heapUsed ?? 0)),
      maxExternal: Math.max(0, ...holdStatuses.map((s) => s.external ?? 0)),
      maxProxyBuffered,
      connectionsAtHold,
      acceptedDuringHold,
      statesAtEnd,
      timeline,
      drainAfterRelease,
      problems,
      notes,
      warnings: agent.warnings,
    };
  } finally {
    await agent?.stop();
    await proxy?.close();
    await Deno.remove(spoolDirectory, { recursive: true }).catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------

const ticks = await clockTicksPerSecond();
const dir = await Deno.makeTempDir({ prefix: "bench-upload-" });
const pki = await makeTestPki({ hosts: ["localhost", "127.0.0.1"] });
const tokenSecret = generateTokenSecret();
const token = await createTokenAuthority({ clock: systemClock }, {
  secret: tokenSecret,
  ttlSec: 86_400,
})
  .issue(OPERATOR);
const caFile = join(dir, "ca.pem");
await Deno.writeTextFile(caFile, pki.caPem);
/**
 * A recorder of its own for each arm: the reference recorder's process has been seen to die
 * when an agent closes its gRPC channel (docs/benchmarks.md), which must not spoil the next arm.
 */
const withRecorder = async <T>(name: string, arm: (r: PlatformRecorder) => Promise<T>) => {
  await Deno.mkdir(join(dir, name));
  const recorder = await startPlatformRecorder({
    dir: join(dir, name),
    pki,
    tokenSecret,
    mode: "process",
  });
  try {
    return await arm(recorder);
  } finally {
    await recorder.stop();
  }
};
let drain: DrainResult;
let stall: StallResult | null = null;
try {
  drain = await withRecorder("recorder-drain", (r) => drainArm(dir, r, caFile, token, ticks));
  if (!values["no-stall"]) {
    stall = await withRecorder("recorder-stall", (r) => stallArm(dir, r, caFile, token));
  }
} finally {
  if (values.keep) progress(`kept ${dir}`);
  else await Deno.remove(dir, { recursive: true });
}

const mibps = mib(TOTAL_BYTES) / drain.seconds;
const out: string[] = [
  `Uploader options: ${values.uploader ?? "the agent's defaults"}.` +
  (values["diag-gc-ms"]
    ? ` Diagnostic: a full GC in the agent every ${values["diag-gc-ms"]} ms.`
    : ""),
  `Backlog ${f0(mib(TOTAL_BYTES))} MiB in ${PARTS} sealed parts of ${
    f0(mib(drain.fill.partBytes))
  } MiB ` +
  `(1 MiB appends); filling the spool took ${f1(drain.fill.seconds)} s (not timed).`,
  "",
  "| drain (direct, TLS gRPC over loopback) | |",
  "| --- | --- |",
  `| time, credential → drained | ${f1(drain.seconds)} s |`,
  `| throughput | ${f1(mibps)} MiB/s (${f1(TOTAL_BYTES / 1e6 / drain.seconds)} MB/s) |`,
  `| agent CPU, % of one core | ${f1(drain.cpu)} |`,
  `| agent CPU per MiB uploaded | ${f1(drain.cpuMsPerMib)} ms |`,
  `| recorder CPU, % of one core (same machine) | ${f1(drain.recorderCpu)} |`,
  `| agent RSS / RssAnon before the credential (spool recovered) | ${f0(mib(drain.readyRss))} / ${
    f0(mib(drain.readyAnon))
  } MiB |`,
  `| agent peak RSS (VmHWM) / largest RssAnon / largest RssFile | ${f0(mib(drain.hwm))} / ${
    f0(mib(drain.peakAnon))
  } / ${f0(mib(drain.peakFile))} MiB (VmHWM ${f1(drain.hwm / 1e6)} MB) |`,
  `| agent V8 heap used / external, largest | ${f0(mib(drain.maxHeap))} / ${
    f0(mib(drain.maxExternal))
  } MiB |`,
  `| agent's exit after stop(0); the recorder then | ${drain.stopped}; ${drain.recorderAfterStop} |`,
  `| check | ${
    drain.problems.length === 0
      ? "all parts finished with their sizes; spool empty"
      : drain.problems.join("; ")
  } |`,
];
if (stall) {
  out.push(
    "",
    `| stalled (proxy held after ${STALL_AFTER_S} s, for ${STALL_S} s) | |`,
    "| --- | --- |",
    `| spool when the hold began | ${f0(mib(stall.spoolAtHold))} MiB |`,
    `| agent peak RSS (VmHWM, whole run) / largest RssAnon / RssFile | ${f0(mib(stall.hwm))} / ${
      f0(mib(stall.peakAnon))
    } / ${f0(mib(stall.peakFile))} MiB (VmHWM ${f1(stall.hwm / 1e6)} MB) |`,
    `| agent largest RSS / RssAnon during the hold; RSS at its end | ${f0(mib(stall.holdRss))} / ${
      f0(mib(stall.holdAnon))
    }; ${f0(mib(stall.rssAtEnd))} MiB |`,
    `| agent V8 heap used / external during the hold, largest | ${f0(mib(stall.maxHeap))} / ${
      f0(mib(stall.maxExternal))
    } MiB |`,
    `| proxy buffered, largest | ${f1(stall.maxProxyBuffered / 1024)} KiB |`,
    `| connections at the hold / new ones during it | ${stall.connectionsAtHold} / ${stall.acceptedDuringHold} |`,
    `| uploader states at the hold's end | ${JSON.stringify(stall.statesAtEnd)} |`,
    `| release → drained | ${f1(stall.drainAfterRelease)} s |`,
    `| agent's exit after stop(0); the recorder then | ${stall.stopped}; ${stall.recorderAfterStop} |`,
    `| check | ${
      stall.problems.length === 0
        ? "all parts finished with their sizes; spool empty"
        : stall.problems.join("; ")
    }${stall.notes.length > 0 ? ` (${stall.notes.join("; ")})` : ""} |`,
    "",
    "The agent during the hold:",
    "",
    ...stall.timeline.map((line) => `- ${line}`),
  );
}
for (
  const [arm, warnings] of [["drain", drain.warnings], ["stalled", stall?.warnings ?? []]] as const
) {
  out.push("", `Agent log lines at warning or above, ${arm}: ${warnings.length}`);
  for (const w of warnings.slice(0, 12)) out.push(`    ${w.slice(0, 400)}`);
}
Deno.stdout.writeSync(encoder.encode(out.join("\n") + "\n"));
