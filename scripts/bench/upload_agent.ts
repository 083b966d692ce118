/**
 * The agent's side of the upload benchmark (scripts/bench/upload.ts), as its own process: the
 * agent's upload path (`createUploadPath`: spool, uploader, gRPC link) and nothing else, on
 * a spool directory the benchmark filled beforehand. Started by upload.ts with the agent's V8
 * flags; not meant to be run by hand.
 *
 *   deno run -A --v8-flags=… scripts/bench/upload_agent.ts --spool DIR --ca FILE \
 *     --recorder localhost:PORT [--hosts localhost:PORT,…] [--uploader JSON] [--gc-ms N]
 *     (the token in $BENCH_UPLOAD_TOKEN)
 *
 * Protocol, one JSON object per line on stdout:
 *   → {"event":"ready","files":N,"spoolBytes":B}   after `resume()` queued the spool's files
 *   ← "go" on stdin                                  the credential is given (`setTarget`)
 *   → {"event":"status",…} every --status-ms       uploader states, spool bytes, Deno.memoryUsage
 *   → {"event":"drained","ms":T,…}                  `uploader.drained()` resolved, T ms after go
 *   ← "stop" on stdin (or stdin closed)              `stop(0)`, then exit 0
 * Logs (the uploader's, at info) go to stderr as JSON lines.
 */
import { parseArgs } from "node:util";
import { configure, getLogger, jsonLinesFormatter } from "@logtape/logtape";
import { createUploadPath } from "../../src/app/upload_path.ts";
import { systemClock } from "../../src/clock/clock.ts";
import type { UploaderOptions } from "../../src/upload/uploader.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    spool: { type: "string" },
    ca: { type: "string" },
    recorder: { type: "string" },
    hosts: { type: "string", default: "" },
    "max-bytes": { type: "string", default: String(2 * 1024 ** 3) },
    "status-ms": { type: "string", default: "500" },
    /** UploaderOptions as JSON (e.g. `{"maxConcurrent":2}`); absent: the agent's defaults. */
    uploader: { type: "string" },
    /** Diagnostic: a full GC every N ms (needs V8's --expose-gc). */
    "gc-ms": { type: "string" },
  },
});
const token = Deno.env.get("BENCH_UPLOAD_TOKEN") ?? "";
if (!values.spool || !values.ca || !values.recorder || token === "") {
  throw new Error("upload_agent.ts: --spool, --ca, --recorder and $BENCH_UPLOAD_TOKEN are needed");
}
const recorder = values.recorder;
const encoder = new TextEncoder();
const emit = (event: Record<string, unknown>) =>
  Deno.stdout.writeSync(encoder.encode(JSON.stringify(event) + "\n"));

await configure({
  sinks: {
    stderr: (record) => Deno.stderr.writeSync(encoder.encode(jsonLinesFormatter(record))),
  },
  loggers: [
    { category: ["bench"], sinks: ["stderr"], lowestLevel: "info" },
    { category: ["logtape", "meta"], sinks: ["stderr"], lowestLevel: "warning" },
  ],
});

const path = createUploadPath({
  clock: systemClock,
  random: Math.random,
  log: getLogger(["bench", "upload"]),
}, {
  spoolDirectory: values.spool,
  maxBytes: Number(values["max-bytes"]),
  screenRecorderHosts: [recorder, ...values.hosts.split(",").filter((h) => h !== "")],
  devMode: false,
  caPem: await Deno.readTextFile(values.ca),
  // The agent's UPLOAD_KEEPALIVE_MS (src/app/agent.ts).
  keepaliveMs: 10_000,
  ...(values.uploader ? { uploader: JSON.parse(values.uploader) as UploaderOptions } : {}),
});

const status = () => {
  const s = path.uploader.status();
  const m = Deno.memoryUsage();
  return {
    files: s.files,
    states: s.states,
    spoolBytes: path.spool.usedBytes(),
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
  };
};

if (values["gc-ms"]) {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("--gc-ms needs --v8-flags=…,--expose-gc");
  // Unref'ed: it must not keep the process alive after stop.
  Deno.unrefTimer(setInterval(gc, Number(values["gc-ms"])));
}

const files = await path.resume();
emit({ event: "ready", files, spoolBytes: path.spool.usedBytes() });

const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
let pending = "";
/** The next line from the benchmark, or null once stdin is closed. */
const nextLine = async (): Promise<string | null> => {
  while (!pending.includes("\n")) {
    const { value, done } = await lines.read();
    if (done) return null;
    pending += value;
  }
  const at = pending.indexOf("\n");
  const line = pending.slice(0, at).trim();
  pending = pending.slice(at + 1);
  return line;
};

if ((await nextLine()) === "go") {
  const t0 = performance.now();
  const timer = setInterval(
    () => emit({ event: "status", ms: performance.now() - t0, ...status() }),
    Number(values["status-ms"]),
  );
  path.setTarget({
    userID: "bench-op",
    url: "wss://localhost/wss3",
    token,
    retryDelayMs: 1000,
    screenServer: recorder,
  });
  void path.uploader.drained().then(() => {
    emit({ event: "drained", ms: performance.now() - t0, ...status() });
  });
  while (true) {
    const line = await nextLine();
    if (line === null || line === "stop") break;
  }
  clearInterval(timer);
}
// The pipe from stdin keeps a read pending, which would keep the process alive.
await lines.cancel();
await path.stop(0);
emit({ event: "stopped", ...status() });
