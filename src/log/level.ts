/**
 * Log levels. The names are LogTape's; `parseLogLevel` also reads what a platform is likely to
 * send (`WARN`, `Information`, `verbose`, numbers 0-5), so `setLogLevel` is forgiving.
 */
export const LOG_LEVELS = ["trace", "debug", "info", "warning", "error", "fatal"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const ALIASES: Readonly<Record<string, LogLevel>> = {
  trace: "trace",
  verbose: "trace",
  all: "trace",
  debug: "debug",
  info: "info",
  information: "info",
  warning: "warning",
  warn: "warning",
  error: "error",
  err: "error",
  fatal: "fatal",
  critical: "fatal",
  "0": "trace",
  "1": "debug",
  "2": "info",
  "3": "warning",
  "4": "error",
  "5": "fatal",
};

/** The level named by `text`, or `undefined` when it names none. */
export function parseLogLevel(text: string): LogLevel | undefined {
  return ALIASES[text.trim().toLowerCase()];
}

/** True when a record at `level` passes a threshold of `threshold`. */
export function levelPasses(level: LogLevel, threshold: LogLevel): boolean {
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(threshold);
}
