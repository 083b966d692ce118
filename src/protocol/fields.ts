/**
 * Field schemas more than one message uses. Limits are generous for real values and small
 * enough that a hostile page cannot make the helper hold or log much.
 */
import { z } from "zod";
import { LOG_LEVELS, type LogLevel, parseLogLevel } from "../log/level.ts";
import { type Mode, obj, type ObjectSchema } from "./define.ts";

/**
 * Names the helper turns into file or object names (segmentId, streamId): a conservative
 * character set with no leading dot, so no value can climb out of a spool directory.
 */
export const fileSafeId = z.string().regex(
  /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/,
  "1-128 characters from A-Z a-z 0-9 . _ - (not starting with a dot)",
);

/** Opaque platform identifiers (operator, tenant, session, interaction, work item). */
export const opaqueId = z.string()
  .min(1, "a non-empty identifier")
  .max(256, "an identifier of at most 256 characters");

/** A server address. Which ones may be used is the allow-list's job (DESIGN.md §5), not this. */
export const address = z.string()
  .min(1, "a non-empty address")
  .max(2048, "an address of at most 2048 characters");

/** A JWT handed over by the web page; long tokens exist, 16 KiB is far beyond any real one. */
export const jwtToken = z.string()
  .min(1, "a non-empty token")
  .max(16_384, "a token of at most 16384 characters");

export const shortText = z.string().max(256, "at most 256 characters");

export const displayIndex = z.number()
  .int("a whole display index")
  .min(0, "a display index from 0")
  .max(63, "a display index up to 63");

/** Same ranges as `capture` in the agent's config (src/config/schema.ts). */
export const frameRate = z.number().int("a whole frame rate").min(1).max(30)
  .meta({ description: "Frames per second, 1-30 (default 5)." });
export const crf = z.number().int().min(0).max(51)
  .meta({ description: "x264 constant rate factor: lower is better quality and more bytes." });
export const maxBitrateKbps = z.number().int().min(0).max(100_000)
  .meta({ description: "Upper bound on the bit rate, kbit/s; 0 means unbounded." });
export const maxHeight = z.number().int().min(0).max(8640)
  .meta({ description: "Downscale taller monitors to this height; 0 keeps the native height." });
export const keyframeIntervalSec = z.number().min(0.2).max(60)
  .meta({ description: "Seconds between keyframes (segment cuts and fragments fall on them)." });

/** Refuses the same display twice in one list (which of two settings would win?). */
function uniqueBy<T>(key: (item: T) => number, what: string) {
  return (items: readonly T[], ctx: z.core.$RefinementCtx<readonly T[]>) => {
    const seen = new Set<number>();
    for (const item of items) {
      const k = key(item);
      if (seen.has(k)) {
        ctx.addIssue({ code: "custom", message: `${what} ${k} is listed twice` });
        return;
      }
      seen.add(k);
    }
  };
}

export const displayList = z.array(displayIndex)
  .min(1, "at least one display index (omit the field for all displays)")
  .max(64)
  .superRefine(uniqueBy((d: number) => d, "display"));

const LOG_LEVEL_TEXT = `one of ${LOG_LEVELS.join(", ")}`;

/**
 * Reads a log level the forgiving way `parseLogLevel` does (WARN, Information, verbose, 0-5);
 * the output is always one of LOG_LEVELS.
 */
export const logLevelReader = z.union([z.string().max(32), z.number().int().min(0).max(5)])
  .transform((value, ctx): LogLevel => {
    const level = parseLogLevel(String(value));
    if (level === undefined) {
      ctx.issues.push({
        code: "custom",
        message: `expected a log level: ${LOG_LEVEL_TEXT} (or warn, verbose, 0-5)`,
        input: value,
      });
      return z.NEVER;
    }
    return level;
  })
  .meta({
    description: `Log level: ${LOG_LEVEL_TEXT}; also read case-insensitively with the aliases ` +
      "warn, err, information, verbose, all, critical and the numbers 0-5.",
  });

export const logLevelWriter = z.enum(LOG_LEVELS).meta({ description: "Log level." });

export function logLevel(mode: Mode): typeof logLevelReader | typeof logLevelWriter {
  return mode === "read" ? logLevelReader : logLevelWriter;
}

/**
 * `retryDelay` is a string holding a number of seconds in the source (PROTOCOL.md §7). Read: that
 * string, or a plain number; an empty string counts as absent. The output is a number of
 * seconds, or `undefined` — then the config's `registration.defaultRetryDelaySec` applies.
 * Zero, negative and non-numeric values are refused rather than guessed at.
 */
export const retryDelayReader = z.union([
  z.string().max(32).regex(/^\s*(\d{1,6}(\.\d{1,3})?)?\s*$/, "a number of seconds"),
  z.number().max(1_000_000, "at most 1000000 seconds"),
])
  .transform((value, ctx): number | undefined => {
    if (typeof value === "string" && value.trim() === "") return undefined;
    const seconds = typeof value === "number" ? value : Number(value);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      ctx.issues.push({
        code: "custom",
        message: "expected a positive number of seconds",
        input: value,
      });
      return z.NEVER;
    }
    return seconds;
  })
  .meta({
    description: 'Seconds between connection attempts: a string holding a number ("5", as the ' +
      "source sends it) or a number; an empty string counts as absent (the helper's default).",
  });

/** Written the source's way: a string holding a positive number of seconds. */
export const retryDelayWriter = z.string()
  .regex(/^(?!0+(\.0+)?$)\d{1,6}(\.\d{1,3})?$/, "a string holding a positive number of seconds")
  .meta({ description: 'Seconds between connection attempts, as a string ("5").' });

const DISPLAY_INFO = {
  index: displayIndex,
  name: shortText,
  primary: z.boolean(),
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().min(1),
  height: z.number().int().min(1),
  scale: z.number().positive().max(16)
    .meta({ description: "Device pixels per logical pixel (1 = 100 %)." }),
};

/** Geometry of one monitor, in the OS's desktop coordinates. */
export function displayInfo(mode: Mode): ObjectSchema<typeof DISPLAY_INFO> {
  return obj(mode, DISPLAY_INFO);
}

export function displayInfoList(mode: Mode): z.ZodArray<ObjectSchema<typeof DISPLAY_INFO>> {
  return z.array(displayInfo(mode)).max(64)
    .superRefine(uniqueBy((d: { index: number }) => d.index, "display"));
}

const DISPLAY_QUALITY = {
  display: displayIndex,
  crf: crf.optional(),
  maxBitrateKbps: maxBitrateKbps.optional(),
  maxHeight: maxHeight.optional(),
};

/** Per-monitor quality overrides; only the keys given replace the defaults. */
export function displayQualityList(
  mode: Mode,
): z.ZodArray<ObjectSchema<typeof DISPLAY_QUALITY>> {
  return z.array(obj(mode, DISPLAY_QUALITY)).max(64)
    .superRefine(uniqueBy((q: { display: number }) => q.display, "display"));
}

/**
 * Why a registration is not (or no longer) active: `resultDesc` of `agentHelperState` (ws2).
 * The source names the first two; the rest are this project's (DESIGN.md §2-3).
 */
export const CONNECTION_REASONS = [
  "connectionLost", // wss3 broke; the helper is retrying
  "tokenInvalid", // AgentServer refused the JWT (401/403, close 4401/4403): no more retries
  "closedByServer", // closeRegistration, or AgentServer closed the registration normally
  "connectionFailed", // could not connect (network, TLS); retrying every retryDelay
  "serverNotAllowed", // agentServerURI is not on the helper's allow-list: never contacted
  "closedByClient", // agentCloseConnect: the operator logged out
  "recoveryTimeout", // not recovered within the recovery window: recording stopped
] as const;
export type ConnectionReason = (typeof CONNECTION_REASONS)[number];

export const connectionReason = z.enum(CONNECTION_REASONS)
  .meta({ description: `Why the helper is not active: ${CONNECTION_REASONS.join(" | ")}.` });

/** What a peer may write as a reason: any short text (the vocabulary may grow). */
export const reasonReader = z.string().max(256);

export const versionAgentHelper = z.string().min(1).max(256)
  .meta({ description: 'The helper\'s name and version, e.g. "AgentHelper 1.9.1.14".' });
