/**
 * The agent's configuration: one zod schema, with the defaults an IT administrator gets when a
 * key is absent. Parsed once at start into a frozen object (see `load.ts`); nothing below the
 * composition root reads the environment or the file again. The descriptions are the
 * documentation: `deno task gen:schemas` writes docs/configuration.md and
 * schemas/config.schema.json from them.
 */
import { z } from "zod";
import { H264_ENCODER_NAMES } from "../capture/types.ts";
import { LOG_LEVELS } from "../log/level.ts";

const port = (what: string, dflt: number) =>
  z.number().int().min(0).max(65535).default(dflt).describe(
    `${what} on 127.0.0.1 (never another address); 0 lets the OS choose a free port.`,
  );

/**
 * An allowed server: `host` or `host:port`, or `*.domain` for every name under a domain. Only
 * hosts: the scheme is always wss (AgentServer) or TLS gRPC (ScreenRecorder).
 */
export const allowedHostPattern = z.string().regex(
  /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$/,
  "a lower-case host name, optionally with :port or a leading *. (no scheme, path or user)",
);

/** An exact web origin: scheme, host and port as a browser sends it, nothing more. */
export const webOrigin = z.string().regex(
  /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$|^https?:\/\/\[[0-9a-f:]+\](:\d{1,5})?$/,
  "an origin such as https://workplace.example.com or http://127.0.0.1:8080 (no path, no trailing slash)",
);

const crf = z.number().int().min(0).max(51);
const maxBitrateKbps = z.number().int().min(0).max(100_000);
const maxHeight = z.number().int().min(0).max(8640);

const qualitySchema = z.strictObject({
  crf: crf.default(34).describe(
    "x264 constant rate factor, 0-51: lower is better quality and more bytes. The default suits desktop content at 5 fps (see docs/benchmarks.md).",
  ),
  maxBitrateKbps: maxBitrateKbps.default(0).describe(
    "Upper bound on the bit rate, kbit/s; 0: unbounded.",
  ),
  maxHeight: maxHeight.default(0).describe(
    "Downscale taller monitors to this height; 0: native height.",
  ),
});

const displayQualitySchema = z.strictObject({
  display: z.number().int().min(0).max(63).describe("Display index, as in getDisplayInfo."),
  crf: crf.optional(),
  maxBitrateKbps: maxBitrateKbps.optional(),
  maxHeight: maxHeight.optional(),
});

export const configSchema = z.strictObject({
  ws2: z.strictObject({
    port: port("Port the operator's web workplace finds the agent on (ws2)", 41770),
    allowedOrigins: z.array(webOrigin).default([]).describe(
      "Exact origins (scheme://host:port) of web workplaces allowed to connect to ws2. Empty: no page can connect.",
    ),
    maxMessageBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(64 * 1024).describe(
      "Largest ws2 message; a larger one closes the connection with code 1009.",
    ),
    messagesPerSecond: z.number().positive().max(10_000).default(20).describe(
      "Messages per second allowed on one ws2 connection.",
    ),
    handshakesPerMinute: z.number().int().positive().max(100_000).default(60).describe(
      "New ws2 connections per minute, all origins together.",
    ),
  }).prefault({}).describe("The local WebSocket channel of the web workplace (ws2)."),
  http: z.strictObject({
    port: port("Port of /healthz, /readyz, /metrics and /status", 41771),
    enabled: z.boolean().default(true).describe("Serve the health and metrics endpoints."),
  }).prefault({}).describe("Loopback health and metrics for local monitoring."),
  log: z.strictObject({
    level: z.enum(LOG_LEVELS).default("info").describe(
      "Lowest level written; changed at run time by setLogLevel.",
    ),
    retentionDays: z.number().int().min(1).max(3650).default(14).describe(
      "Days of log files kept; older files are deleted at start and at midnight UTC.",
    ),
    directory: z.string().default("").describe(
      "Directory of the log files; empty: the OS-standard one.",
    ),
    maxFileBytes: z.number().int().min(64 * 1024).max(1024 * 1024 * 1024).default(10 * 1024 * 1024)
      .describe(
        "A log file reaching this size continues in a new part; files also change at midnight UTC.",
      ),
    console: z.boolean().default(true).describe("Also write log records to standard error."),
  }).prefault({}).describe("Logging."),
  servers: z.strictObject({
    agentServerHosts: z.array(allowedHostPattern).default([]).describe(
      "AgentServer hosts the agent may register with (wss only): host (port 443), host:port, *.domain (names under it, port 443) or *.domain:port. An agentServerURI off this list is refused and never dialled.",
    ),
    screenRecorderHosts: z.array(allowedHostPattern).default([]).describe(
      "ScreenRecorder hosts the agent may upload to (TLS gRPC only): host, host:port or *.domain.",
    ),
    caBundle: z.string().default("").describe(
      "PEM file of extra CAs trusted for both, beside the system store; empty: system store only. Read at start; a missing file stops the agent.",
    ),
    devMode: z.boolean().default(false).describe(
      "Development only: allow ws:// and plaintext gRPC to loopback hosts on the lists. Never skips verification of TLS.",
    ),
  }).prefault({}).describe("Where the agent may connect: a web page cannot send it anywhere else."),
  registration: z.strictObject({
    recoveryWindowSec: z.number().int().min(0).max(86_400).default(120).describe(
      "How long recording goes on while AgentServer is unreachable before it is stopped and reported.",
    ),
    defaultRetryDelaySec: z.number().min(1).max(3600).default(5).describe(
      "Retry period when the web page's retryDelay is missing or unusable.",
    ),
  }).prefault({}).describe("Registration on AgentServer (wss3)."),
  spool: z.strictObject({
    directory: z.string().default("").describe(
      "Where encoded video waits for the ScreenRecorder's acknowledgement; empty: the OS-standard one.",
    ),
    maxBytes: z.number().int().min(16 * 1024 * 1024).default(2 * 1024 * 1024 * 1024).describe(
      "Spool size cap; reaching it stops capture cleanly and is reported, never silent loss.",
    ),
  }).prefault({}).describe("The durable local spool between the encoders and the ScreenRecorder."),
  ffmpeg: z.strictObject({
    path: z.string().default("").describe(
      "The ffmpeg executable; empty: FFMPEG_PATH, beside the agent, node_modules/ffmpeg-static, then PATH.",
    ),
  }).prefault({}).describe("The encoder."),
  capture: z.strictObject({
    frameRate: z.number().int().min(1).max(30).default(5).describe("Frames per second, 1-30."),
    keyframeIntervalSec: z.number().min(0.2).max(60).default(2).describe(
      "Seconds between keyframes (and fMP4 fragments).",
    ),
    quality: qualitySchema.prefault({}).describe("Quality of every monitor unless overridden."),
    displays: z.array(displayQualitySchema).default([]).describe(
      "Per-monitor overrides of quality, by display index; only the keys given replace the defaults.",
    ),
    encoder: z.enum(["auto", ...H264_ENCODER_NAMES]).default("auto").describe(
      "H.264 encoder: auto uses a hardware encoder when its probe encode succeeds, else libx264; a named one falls back to libx264 when its probe fails.",
    ),
    drawCursor: z.boolean().default(true).describe("Draw the mouse pointer into the recording."),
    displayPollSec: z.number().min(0).max(3600).default(5).describe(
      "How often the monitors are re-read while recording (unplugged ones end their stream); 0: never.",
    ),
  }).prefault({}).describe("Capture defaults; AgentServer may override them per recording."),
  live: z.strictObject({
    carriedByRecording: z.boolean().default(true).describe(
      "Encode a live view of a monitor being recorded in the recording's own ffmpeg (one capture for both, about half the CPU of a view); false: every live view runs an ffmpeg of its own.",
    ),
  }).prefault({}).describe("Live views for supervisors (startStream)."),
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
