/**
 * The composition root: builds every component from the frozen config and the system's real
 * adapters, in one place, and tears them down in reverse. Later issues add ws2, the
 * registration, recording and upload here.
 */
import type { Config } from "../config/schema.ts";
import { locateFfmpeg, type LocateFfmpegResult as FfmpegLocated } from "../ffmpeg/locate.ts";
import { probeEncoders } from "../capture/encoder_probe.ts";
import { createRecorder, type Recorder } from "../recording/recorder.ts";
import { encodersFor } from "./encoder_planner.ts";
import { newRecBatch } from "./recording_commands.ts";
import { type FfmpegInfo, probeFfmpeg } from "../ffmpeg/probe.ts";
import { createHttpApp, type ReadinessCheck } from "../http/app.ts";
import { Redactor } from "../log/redact.ts";
import { logger, type Logging, setupLogging } from "../log/setup.ts";
import { MetricsRegistry } from "../metrics/registry.ts";
import { exportTotals } from "../metrics/totals.ts";
import { type Handler, type LoopbackServer, serveLoopback } from "../net/loopback_server.ts";
import { buildMessage } from "../protocol/catalog.ts";
import { createRegistration, type Registration } from "../registration/registration.ts";
import { createWs2Endpoint } from "../ws2/endpoint.ts";
import { createWsConnector } from "../wss3/ws_connector.ts";
import { createWs2Dispatch } from "./ws2_commands.ts";
import { createAgentCommands } from "./wss3_commands.ts";
import type { StateView } from "../registration/machine.ts";
import { createDisplayLister } from "../workstation/displays.ts";
import { gatherAgentHelperInfo } from "../workstation/info.ts";
import { systemWorkstationFacts } from "../workstation/system_facts.ts";
import { PRODUCT_VERSION, VERSION } from "../version.ts";
import { ffmpegLocateDeps, type SystemDeps } from "./system.ts";
import { createUploadPath, type UploadPath } from "./upload_path.ts";
import { createAgentLive } from "./live_path.ts";
import type { LiveViews } from "../live/live_views.ts";

/** Could not start (a port taken, logs not writable); retrying as-is will not help. */
export class StartupError extends Error {
  override readonly name = "StartupError";
}

/** AgentServer's commands are small; a live view goes the other way. */
const WSS3_MAX_MESSAGE_BYTES = 1024 * 1024;
/** gRPC keepalive to the ScreenRecorder: a silently dead connection is noticed in ~15 s. */
const UPLOAD_KEEPALIVE_MS = 10_000;
/** At exit, how long finished parts may go on uploading (the spool keeps whatever is left). */
const UPLOAD_STOP_GRACE_MS = 3_000;
/** Live views at once: each is one more encoder on the operator's CPU. */
const MAX_LIVE_STREAMS = 4;

export type FfmpegState =
  | { readonly kind: "probing" }
  | {
    readonly kind: "ready";
    /** `h264Encoders` lists only the encoders whose probe encode succeeded. */
    readonly info: FfmpegInfo;
    /** Why each other compiled-in H.264 encoder is not used. */
    readonly refused: readonly { readonly encoder: string; readonly reason: string }[];
  }
  | { readonly kind: "unusable"; readonly problem: string; readonly fix: string };

export interface AgentOptions {
  readonly config: Readonly<Config>;
  readonly configFile: string | null;
}

export interface RunningAgent {
  readonly httpPort: number | null;
  readonly ws2Port: number;
  readonly redactor: Redactor;
  readonly logging: Logging;
  readonly metrics: MetricsRegistry;
  readonly registration: Registration;
  readonly recorder: Recorder;
  readonly upload: UploadPath;
  readonly live: LiveViews;
  ffmpeg(): FfmpegState;
  /** Resolves once the ffmpeg probe has finished, whatever its outcome. */
  readonly ffmpegProbed: Promise<FfmpegState>;
  status(): Record<string, unknown>;
  readiness(): ReadinessCheck[];
  stop(): Promise<void>;
}

async function detectFfmpeg(sys: SystemDeps, located: FfmpegLocated): Promise<FfmpegState> {
  if (!located.ok) return { kind: "unusable", problem: located.problem, fix: located.fix };
  try {
    const info = await probeFfmpeg(sys.runner, located.location);
    // A hardware encoder listed by ffmpeg is only a candidate: it is used when it can encode.
    const probes = await probeEncoders(sys.runner, located.location.path, info.h264Encoders);
    return {
      kind: "ready",
      info: { ...info, h264Encoders: probes.filter((p) => p.usable).map((p) => p.encoder) },
      refused: probes.filter((p) => !p.usable).map((p) => ({
        encoder: p.encoder,
        reason: p.reason ?? "probe failed",
      })),
    };
  } catch (e) {
    return {
      kind: "unusable",
      problem: (e as Error).message,
      fix: "check that the file is a working ffmpeg build",
    };
  }
}

export async function startAgent(sys: SystemDeps, options: AgentOptions): Promise<RunningAgent> {
  const { config } = options;
  const startedAt = sys.clock.now();
  const redactor = new Redactor();
  let logging: Logging;
  try {
    logging = await setupLogging(
      { clock: sys.clock, files: sys.files, redactor, writeStderr: sys.writeStderr },
      {
        level: config.log.level,
        console: config.log.console,
        file: {
          directory: config.log.directory,
          maxFileBytes: config.log.maxFileBytes,
          retentionDays: config.log.retentionDays,
        },
      },
    );
  } catch (e) {
    throw new StartupError(
      `cannot write logs in ${config.log.directory}: ${(e as Error).message}`,
    );
  }
  const log = logger("agent");
  log.info("AgentHelper {version} starting (config: {file})", {
    version: VERSION,
    file: options.configFile ?? "defaults",
  });

  const metrics = new MetricsRegistry();
  metrics.gauge({
    name: "agent_helper_build_info",
    help: "Version of the running agent.",
    labels: ["version", "os"],
  })
    .set(1, { version: VERSION, os: sys.platform.os });
  metrics.gauge({ name: "agent_helper_start_time_seconds", help: "Start time, Unix seconds." }).set(
    startedAt / 1000,
  );
  const uptime = metrics.gauge({
    name: "agent_helper_uptime_seconds",
    help: "Seconds since start.",
  });
  const rss = metrics.gauge({
    name: "process_resident_memory_bytes",
    help: "Resident memory of the agent process.",
  });
  const ready = metrics.gauge({
    name: "agent_helper_ready",
    help: "1 when every readiness check passes.",
  });

  const spoolProblem = sys.ensureWritableDir(config.spool.directory);
  if (spoolProblem) log.error("Spool directory unusable: {problem}", { problem: spoolProblem });

  let ffmpegState: FfmpegState = { kind: "probing" };
  let ws2Listening: string | null = null;
  const located = locateFfmpeg(ffmpegLocateDeps(sys), config.ffmpeg.path);
  const ffmpegProbed = detectFfmpeg(sys, located).then((state) => {
    ffmpegState = state;
    if (state.kind === "ready") {
      log.info("ffmpeg {version} at {path}; capture: {backends}; H.264: {encoders}", {
        version: state.info.version,
        path: state.info.location.path,
        backends: state.info.captureBackends.join(", "),
        encoders: state.info.h264Encoders.join(", ") || "none usable",
      });
      for (const r of state.refused) {
        log.info("H.264 encoder {encoder} not used: {reason}", r);
      }
    } else if (state.kind === "unusable") {
      log.error("ffmpeg unusable: {problem}. Fix: {fix}", {
        problem: state.problem,
        fix: state.fix,
      });
    }
    return state;
  });

  const readiness = (): ReadinessCheck[] => {
    const checks: ReadinessCheck[] = [
      { name: "config", ok: true, detail: options.configFile ?? "defaults" },
      ffmpegState.kind === "ready"
        ? {
          name: "ffmpeg",
          ok: true,
          detail: `${ffmpegState.info.version} (${ffmpegState.info.location.source})`,
        }
        : {
          name: "ffmpeg",
          ok: false,
          detail: ffmpegState.kind === "probing" ? "probing" : ffmpegState.problem,
        },
      { name: "spool", ok: spoolProblem === null, detail: spoolProblem ?? config.spool.directory },
      { name: "ws2", ok: ws2Listening !== null, detail: ws2Listening ?? "not listening" },
    ];
    ready.set(checks.every((c) => c.ok) ? 1 : 0);
    return checks;
  };
  const uptimeSec = () => Math.round((sys.clock.now() - startedAt) / 1000);
  metrics.onCollect(() => {
    uptime.set(uptimeSec());
    rss.set(sys.memoryRss());
    readiness();
  });

  const status = () => ({
    version: VERSION,
    pid: sys.pid,
    os: sys.platform.os,
    startedAt: new Date(startedAt).toISOString(),
    uptimeSec: uptimeSec(),
    configFile: options.configFile,
    registration: registration.status(),
    ws2: { url: ws2Listening, connections: ws2.openConnections },
    recording: recorder.status(),
    live: live.status(),
    upload: {
      ...upload.uploader.status(),
      spoolBytes: upload.spool.usedBytes(),
      spoolMaxBytes: upload.spool.maxBytes,
    },
    ffmpeg: ffmpegState.kind === "ready"
      ? { version: ffmpegState.info.version, path: ffmpegState.info.location.path }
      : { state: ffmpegState.kind },
  });

  const servers: LoopbackServer[] = [];
  const listen = async (what: string, key: string, handler: Handler, port: number) => {
    try {
      return await serveLoopback(handler, port);
    } catch (e) {
      await Promise.all(servers.map((s) => s.close()));
      await logging.close();
      throw new StartupError(
        e instanceof Deno.errors.AddrInUse
          ? `${what} port ${port} on 127.0.0.1 is taken (is another agent running?): set ${key}`
          : `cannot listen on 127.0.0.1:${port} for ${what}: ${(e as Error).message}`,
      );
    }
  };

  let caPem: string | null = null;
  if (config.servers.caBundle !== "") {
    const file = config.servers.caBundle;
    let problem: string | null = null;
    try {
      caPem = sys.readTextFile(file) ?? null;
      if (caPem === null) problem = `servers.caBundle ${file} does not exist`;
    } catch (e) {
      problem = `cannot read servers.caBundle ${file}: ${(e as Error).message}`;
    }
    if (problem !== null) {
      await logging.close();
      throw new StartupError(problem);
    }
  }
  const env = sys.platform.env;
  const displays = createDisplayLister({ runner: sys.runner }, {
    os: sys.platform.os,
    display: env.DISPLAY,
    sessionType: env.XDG_SESSION_TYPE,
    waylandDisplay: env.WAYLAND_DISPLAY,
    ffmpegPath: located.ok ? located.location.path : undefined,
  });
  const upload = createUploadPath({ clock: sys.clock, random: sys.random, log: logger("upload") }, {
    spoolDirectory: config.spool.directory,
    maxBytes: config.spool.maxBytes,
    screenRecorderHosts: config.servers.screenRecorderHosts,
    devMode: config.servers.devMode,
    caPem,
    keepaliveMs: UPLOAD_KEEPALIVE_MS,
  });
  const spoolBytes = metrics.gauge({
    name: "agent_helper_spool_bytes",
    help: "Recording bytes in the spool, not yet committed by the ScreenRecorder.",
  });
  const uploads = metrics.gauge({
    name: "agent_helper_upload_files",
    help: "Spooled recording files by upload state.",
    labels: ["state"],
  });
  metrics.onCollect(() => {
    spoolBytes.set(upload.spool.usedBytes());
    for (const [state, n] of Object.entries(upload.uploader.status().states)) {
      uploads.set(n, { state });
    }
  });
  exportTotals(metrics, {
    calls: {
      name: "agent_helper_upload_calls_total",
      help: "Upload calls opened to the ScreenRecorder.",
    },
    breaks: {
      name: "agent_helper_upload_breaks_total",
      help: "Upload calls that broke (then resumed from the committed offset, or held).",
    },
    stored: {
      name: "agent_helper_upload_files_stored_total",
      help: "Recording files the ScreenRecorder holds whole.",
    },
    sentBytes: {
      name: "agent_helper_upload_sent_bytes_total",
      help: "Recording bytes sent to the ScreenRecorder (re-sent bytes count again).",
    },
  }, () => upload.uploader.status().totals);
  if (spoolProblem === null) {
    try {
      await upload.resume();
    } catch (e) {
      log.error("Cannot read what the spool holds: {error}", { error: (e as Error).message });
    }
  }
  const recorder = createRecorder({
    clock: sys.clock,
    spawner: sys.spawner,
    log: logger("recording"),
    sink: upload.sink,
    partTaken: (name) => upload.spool.nameTaken(name),
    displays,
    metrics,
    encoders: () => encodersFor(ffmpegState, config.capture, sys.platform.os),
    announce: (header, error) => registration.notify(newRecBatch(header, error)),
  }, {
    capture: config.capture,
    displayPollMs: config.capture.displayPollSec * 1000,
  });
  const live = createAgentLive({
    clock: sys.clock,
    spawner: sys.spawner,
    log: logger("live"),
    metrics,
    displays,
    encoders: () => encodersFor(ffmpegState, config.capture, sys.platform.os),
    send: (text) => registration.sendLive(text),
    ...(config.live.carriedByRecording ? { host: recorder.liveHost } : {}),
  }, {
    drawCursor: config.capture.drawCursor,
    maxStreams: MAX_LIVE_STREAMS,
    maxMessageBytes: WSS3_MAX_MESSAGE_BYTES,
  });
  const stateMessage = (view: StateView) =>
    buildMessage("ws2", "agentHelperState", { ...view, versionAgentHelper: PRODUCT_VERSION });
  const registration = createRegistration({
    clock: sys.clock,
    random: sys.random,
    connector: createWsConnector({ clock: sys.clock }, {
      caPem,
      maxMessageBytes: WSS3_MAX_MESSAGE_BYTES,
      handshakeTimeoutMs: 10_000,
      heartbeatMs: 30_000,
      userAgent: PRODUCT_VERSION,
    }),
    log: logger("registration"),
    metrics,
    announce: (view) => {
      upload.setTarget(registration.target());
      // A live view is worth nothing late: it ends with the link; AgentServer starts it again.
      if (view.connectionState !== "active") {
        void live.stopAll(`registration ${view.connectionState}`);
      }
      ws2.broadcast(stateMessage(view));
    },
    // After the probe, so that the capabilities are known rather than empty.
    info: (target) =>
      ffmpegProbed.then(() =>
        gatherAgentHelperInfo({
          facts: () => systemWorkstationFacts(sys.platform),
          displays,
          ffmpeg: () => ffmpegState.kind === "ready" ? ffmpegState.info : null,
          log: logger("wss3"),
        }, target)
      ),
    commands: createAgentCommands({
      logging,
      redactor,
      log: logger("wss3"),
      displays,
      recorder,
      screenServer: upload,
      live,
    }),
    stopWork: (reason) => {
      log.info("Stopping work ({reason})", { reason });
      void recorder.stopAll(reason);
    },
  }, { recoveryWindowMs: config.registration.recoveryWindowSec * 1000 });

  let ws2Port = config.ws2.port;
  const ws2 = createWs2Endpoint(
    {
      dispatch: createWs2Dispatch({ logging, redactor, registration, upload }, {
        agentServerHosts: config.servers.agentServerHosts,
        devMode: config.servers.devMode,
        defaultRetryDelaySec: config.registration.defaultRetryDelaySec,
      }),
      metrics,
      log: logger("ws2"),
      clock: sys.clock,
      greeting: () => {
        const view = registration.view();
        return view && stateMessage(view);
      },
    },
    {
      port: () => ws2Port,
      allowedOrigins: config.ws2.allowedOrigins,
      maxMessageBytes: config.ws2.maxMessageBytes,
      messagesPerSecond: config.ws2.messagesPerSecond,
      handshakesPerMinute: config.ws2.handshakesPerMinute,
    },
  );
  const ws2Server = await listen("ws2", "ws2.port", (req) => ws2.handle(req), config.ws2.port);
  servers.push(ws2Server);
  ws2Port = ws2Server.port;
  ws2Listening = `ws://127.0.0.1:${ws2Port}/`;
  log.info("ws2 for the web workplace on {url} (origins: {origins})", {
    url: ws2Listening,
    origins: config.ws2.allowedOrigins.join(", ") || "none allowed",
  });

  let http: LoopbackServer | null = null;
  if (config.http.enabled) {
    let port = config.http.port;
    const app = createHttpApp({ metrics, status, readiness }, { port: () => port });
    http = await listen("health", "http.port", app.fetch, config.http.port);
    servers.push(http);
    port = http.port;
    log.info("Health and metrics on http://127.0.0.1:{port}/", { port });
  }

  return {
    httpPort: http?.port ?? null,
    ws2Port,
    redactor,
    logging,
    metrics,
    registration,
    recorder,
    upload,
    live,
    ffmpeg: () => ffmpegState,
    ffmpegProbed,
    status,
    readiness,
    async stop() {
      log.info("AgentHelper stopping");
      await ffmpegProbed;
      await Promise.all([recorder.stopAll("agent stopping"), live.stopAll("agent stopping")]);
      await upload.stop(UPLOAD_STOP_GRACE_MS);
      registration.stop();
      ws2.closeAll();
      ws2Listening = null;
      await Promise.all(servers.map((s) => s.close()));
      await logging.close();
    },
  };
}
