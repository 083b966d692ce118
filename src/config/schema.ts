/**
 * The agent's configuration: one zod schema, with the defaults an IT administrator gets when a
 * key is absent. Parsed once at start into a frozen object (see `load.ts`); nothing below the
 * composition root reads the environment or the file again.
 */
import { z } from "zod";
import { LOG_LEVELS } from "../log/level.ts";

/** A TCP port on 127.0.0.1; 0 asks the OS for a free one (tests and `demo`). */
const port = z.number().int().min(0).max(65535);

/**
 * An allowed server, written `host` or `host:port`, or `*.domain` for every name under a domain.
 * Only hosts: the scheme is always wss (AgentServer) or TLS gRPC (ScreenRecorder).
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
  /** x264 constant rate factor: lower is better quality and more bytes. */
  crf: crf.default(30),
  /** Upper bound on the bit rate, kbit/s; 0 means unbounded. */
  maxBitrateKbps: maxBitrateKbps.default(0),
  /** Downscale taller monitors to this height; 0 keeps the native height. */
  maxHeight: maxHeight.default(0),
});

/** A per-monitor override: only the keys given replace `capture.quality`. */
const displayQualitySchema = z.strictObject({
  display: z.number().int().min(0).max(63),
  crf: crf.optional(),
  maxBitrateKbps: maxBitrateKbps.optional(),
  maxHeight: maxHeight.optional(),
});

export const configSchema = z.strictObject({
  ws2: z.strictObject({
    /** The port the operator's web workplace finds the agent on (127.0.0.1 only). */
    port: port.default(41770),
    /** Exact origins of the web workplace allowed to connect. Empty: no page can connect. */
    allowedOrigins: z.array(webOrigin).default([]),
    /** Larger messages close the connection with code 1009. */
    maxMessageBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(64 * 1024),
    /** Messages per second per connection (token bucket refill). */
    messagesPerSecond: z.number().positive().max(10_000).default(20),
    /** New ws2 connections per minute, all origins together. */
    handshakesPerMinute: z.number().int().positive().max(100_000).default(60),
  }).prefault({}),
  http: z.strictObject({
    /** Loopback port of /healthz, /readyz, /metrics and /status. */
    port: port.default(41771),
    enabled: z.boolean().default(true),
  }).prefault({}),
  log: z.strictObject({
    level: z.enum(LOG_LEVELS).default("info"),
    /** Days of log files kept; older files are deleted at start and once a day. */
    retentionDays: z.number().int().min(1).max(3650).default(14),
    /** Where the rotating log files go; empty: the OS-standard directory. */
    directory: z.string().default(""),
    /** A log file is rotated when it reaches this size, and at midnight UTC. */
    maxFileBytes: z.number().int().min(64 * 1024).max(1024 * 1024 * 1024).default(10 * 1024 * 1024),
    /** Also write records to standard error. */
    console: z.boolean().default(true),
  }).prefault({}),
  servers: z.strictObject({
    /** AgentServer hosts the agent may register with (wss only). */
    agentServerHosts: z.array(allowedHostPattern).default([]),
    /** ScreenRecorder hosts the agent may upload to (TLS gRPC only). */
    screenRecorderHosts: z.array(allowedHostPattern).default([]),
    /** Extra PEM CA bundle trusted for both, beside the system store; empty: system store only. */
    caBundle: z.string().default(""),
    /**
     * Development only: allows ws:// and plaintext gRPC to loopback hosts on the allow-list.
     * Never skips TLS verification of a TLS connection.
     */
    devMode: z.boolean().default(false),
  }).prefault({}),
  registration: z.strictObject({
    /** How long recording goes on while wss3 is lost before it is stopped and reported. */
    recoveryWindowSec: z.number().int().min(0).max(86_400).default(120),
    /** Retry period when `retryDelay` is missing or unusable. */
    defaultRetryDelaySec: z.number().min(1).max(3600).default(5),
  }).prefault({}),
  spool: z.strictObject({
    /** Where encoded bytes wait for the ScreenRecorder's acknowledgement; empty: OS default. */
    directory: z.string().default(""),
    /** Reaching this stops capture cleanly and is reported (never silent loss). */
    maxBytes: z.number().int().min(16 * 1024 * 1024).default(2 * 1024 * 1024 * 1024),
  }).prefault({}),
  ffmpeg: z.strictObject({
    /** Path of the ffmpeg executable; empty: discovered (see docs/configuration.md). */
    path: z.string().default(""),
  }).prefault({}),
  capture: z.strictObject({
    frameRate: z.number().int().min(1).max(30).default(5),
    keyframeIntervalSec: z.number().min(0.2).max(60).default(2),
    quality: qualitySchema.prefault({}),
    /** Per-monitor overrides of `quality`, by display index. */
    displays: z.array(displayQualitySchema).default([]),
  }).prefault({}),
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
