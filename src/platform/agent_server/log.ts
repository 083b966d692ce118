/**
 * How the reference AgentServer reports what it does: to a LogTape logger, to a plain callback,
 * or (the default) nowhere, so tests stay quiet. Callers pass message templates with `{name}`
 * placeholders and the values as properties; no call site passes a token.
 */
import type { Logger } from "@logtape/logtape";

export type AgsLogLevel = "debug" | "info" | "warning" | "error";

/** A plain callback: the template (LogTape style, `{name}` placeholders) and its values. */
export type AgsLogCallback = (
  level: AgsLogLevel,
  template: string,
  properties: Record<string, unknown>,
) => void;

export type AgsLogSink = Logger | AgsLogCallback;

export type AgsLog = AgsLogCallback;

const quiet: AgsLog = () => {};

/** One callback over whichever sink was given. */
export function toAgsLog(sink: AgsLogSink | undefined): AgsLog {
  if (sink === undefined) return quiet;
  if (typeof sink === "function") return sink;
  return (level, template, properties) => {
    switch (level) {
      case "debug":
        sink.debug(template, properties);
        break;
      case "info":
        sink.info(template, properties);
        break;
      case "warning":
        sink.warn(template, properties);
        break;
      case "error":
        sink.error(template, properties);
        break;
    }
  };
}
