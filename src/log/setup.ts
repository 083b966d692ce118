/**
 * Wires LogTape once per process: standard error plus rotating JSON-lines files, both behind
 * the redactor, with a level that can change at run time (`setLogLevel` from the web page or
 * AgentServer) without reconfiguring.
 */
import {
  configure,
  defaultTextFormatter,
  dispose,
  getLogger,
  jsonLinesFormatter,
  type Logger,
  type LogRecord,
  type Sink,
} from "@logtape/logtape";
import type { Clock } from "../clock/clock.ts";
import { levelPasses, type LogLevel } from "./level.ts";
import type { LogFiles } from "./log_files.ts";
import type { Redactor } from "./redact.ts";
import { RotatingLogFile } from "./rotating_file.ts";

export const LOG_ROOT = "agent-helper";

/** The logger of one concern, e.g. `logger("config")`. */
export function logger(...category: string[]): Logger {
  return getLogger([LOG_ROOT, ...category]);
}

export interface LoggingDeps {
  readonly clock: Clock;
  readonly files: LogFiles;
  readonly redactor: Redactor;
  /** Standard error, synchronously (log lines must not be lost on exit). */
  readonly writeStderr: (text: string) => void;
}

export interface LoggingOptions {
  readonly level: LogLevel;
  readonly console: boolean;
  /** `null`: no files (e.g. `config check`, which must not create directories). */
  readonly file: { directory: string; maxFileBytes: number; retentionDays: number } | null;
}

export interface Logging {
  readonly level: LogLevel;
  setLevel(level: LogLevel): void;
  /** Path of the log file being written, if any. */
  readonly currentFile: string | undefined;
  close(): Promise<void>;
}

/** A copy of the record in which no token survives. */
export function redactRecord(redactor: Redactor, record: LogRecord): LogRecord {
  const raw = typeof record.rawMessage === "string"
    ? redactor.text(record.rawMessage)
    : redactor.text(record.rawMessage.join("{}"));
  return {
    ...record,
    message: record.message.map((part) => redactor.value(part)),
    rawMessage: raw,
    properties: redactor.value(record.properties) as Record<string, unknown>,
  };
}

const encoder = new TextEncoder();

export async function setupLogging(deps: LoggingDeps, options: LoggingOptions): Promise<Logging> {
  let level = options.level;
  const file = options.file
    ? new RotatingLogFile({ files: deps.files, clock: deps.clock }, options.file)
    : undefined;

  const sinks: Record<string, Sink> = {};
  if (options.console) {
    sinks.stderr = (record) =>
      deps.writeStderr(defaultTextFormatter(redactRecord(deps.redactor, record)));
  }
  if (file) {
    sinks.file = (record) =>
      file.write(encoder.encode(jsonLinesFormatter(redactRecord(deps.redactor, record))));
  }
  const sinkNames = Object.keys(sinks);
  await configure({
    reset: true,
    sinks,
    filters: { runtimeLevel: (record) => levelPasses(record.level, level) },
    loggers: [
      { category: [LOG_ROOT], sinks: sinkNames, filters: ["runtimeLevel"], lowestLevel: "trace" },
      { category: ["logtape", "meta"], sinks: sinkNames, lowestLevel: "warning" },
    ],
  });
  return {
    get level() {
      return level;
    },
    setLevel(next: LogLevel) {
      if (next === level) return;
      const before = level;
      level = next;
      logger("log").info("Log level changed from {before} to {after}", { before, after: next });
    },
    get currentFile() {
      return file?.currentPath;
    },
    async close() {
      await dispose();
      file?.close();
    },
  };
}
