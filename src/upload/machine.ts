/**
 * One spooled file's upload as a pure state machine: `step(state, event)` → next state and the
 * effects for the shell (uploader.ts) to perform. The shell owns the gRPC call and the byte
 * pump; this decides what a break means — retry with backoff, wait for a new credential, or
 * give up — and when the spool may be trimmed or the file forgotten.
 */

/** gRPC status codes this machine tells apart (the numbers are gRPC's). */
export const GrpcCode = {
  cancelled: 1,
  unknown: 2,
  invalidArgument: 3,
  deadlineExceeded: 4,
  notFound: 5,
  permissionDenied: 7,
  resourceExhausted: 8,
  failedPrecondition: 9,
  aborted: 10,
  unimplemented: 12,
  internal: 13,
  unavailable: 14,
  dataLoss: 15,
  unauthenticated: 16,
} as const;

export type BreakKind = "retry" | "credential" | "permanent";

/**
 * Whether retrying can help. Transport trouble, a restarting or full recorder, a superseded
 * stream: yes, later. A refused credential: only with another one. A refused file (malformed,
 * conflicting header, SHA-256 mismatch, unknown method): no; it stays in the spool and is
 * reported, and the next agent start tries once more.
 */
export function classifyBreak(code: number): BreakKind {
  switch (code) {
    case GrpcCode.unauthenticated:
    case GrpcCode.permissionDenied:
      return "credential";
    case GrpcCode.invalidArgument:
    case GrpcCode.dataLoss:
    case GrpcCode.unimplemented:
    case GrpcCode.failedPrecondition:
    case GrpcCode.notFound:
      return "permanent";
    default:
      return "retry";
  }
}

export type UploadState =
  | { readonly kind: "waiting" } // no recorder address or credential yet
  | { readonly kind: "opening"; readonly attempt: number }
  | { readonly kind: "streaming"; readonly attempt: number; readonly committed: number }
  | { readonly kind: "backoff"; readonly attempt: number }
  | { readonly kind: "blocked"; readonly reason: string } // credential refused
  | { readonly kind: "done" }
  | { readonly kind: "failed"; readonly reason: string };

export type UploadEvent =
  | { readonly type: "ready" } // an address and a credential are available
  | { readonly type: "credentialChanged" }
  | { readonly type: "opened"; readonly committed: number } // the header's answer
  | { readonly type: "acked"; readonly committed: number }
  | { readonly type: "finished" }
  | { readonly type: "broken"; readonly code: number; readonly message: string }
  | { readonly type: "retryTimer" }
  | { readonly type: "stop" };

export type UploadEffect =
  | { readonly type: "open" }
  /** Send from `from` on: chunks while there are bytes, then Finish once the file is sealed. */
  | { readonly type: "pump"; readonly from: number }
  | { readonly type: "commit"; readonly offset: number }
  | { readonly type: "remove" }
  | { readonly type: "close" }
  | { readonly type: "schedule"; readonly ms: number }
  | { readonly type: "report"; readonly level: "info" | "warn" | "error"; readonly text: string };

export interface UploadMachineOptions {
  /** Delays before attempts 1, 2, …; the last repeats. */
  readonly backoffMs: readonly number[];
  /** Spread of each delay, ±fraction, so that a fleet does not reconnect in step. */
  readonly jitter: number;
}

export const DEFAULT_UPLOAD_MACHINE: UploadMachineOptions = {
  backoffMs: [250, 1000, 2000, 5000, 10_000, 30_000],
  jitter: 0.2,
};

export interface Step {
  readonly state: UploadState;
  readonly effects: readonly UploadEffect[];
}

/** `random` in [0, 1): injected so that tests are exact. */
export function backoffDelay(
  options: UploadMachineOptions,
  attempt: number,
  random: number,
): number {
  const base = options.backoffMs[Math.min(attempt, options.backoffMs.length) - 1] ?? 1000;
  return Math.round(base * (1 + options.jitter * (2 * random - 1)));
}

export function step(
  state: UploadState,
  event: UploadEvent,
  options: UploadMachineOptions = DEFAULT_UPLOAD_MACHINE,
  random = 0.5,
): Step {
  const same: Step = { state, effects: [] };
  if (state.kind === "done" || state.kind === "failed") return same;
  if (event.type === "stop") {
    const live = state.kind === "opening" || state.kind === "streaming";
    return { state: { kind: "waiting" }, effects: live ? [{ type: "close" }] : [] };
  }
  switch (event.type) {
    case "ready":
      if (state.kind !== "waiting") return same;
      return { state: { kind: "opening", attempt: 0 }, effects: [{ type: "open" }] };
    case "credentialChanged":
      if (state.kind !== "blocked") return same;
      return { state: { kind: "opening", attempt: 0 }, effects: [{ type: "open" }] };
    case "opened":
      if (state.kind !== "opening") return same;
      return {
        state: { kind: "streaming", attempt: state.attempt, committed: event.committed },
        effects: [{ type: "commit", offset: event.committed }, {
          type: "pump",
          from: event.committed,
        }],
      };
    case "acked":
      if (state.kind !== "streaming" || event.committed <= state.committed) return same;
      // Progress: the connection is healthy again, so the next break starts the backoff anew.
      return {
        state: { kind: "streaming", attempt: 0, committed: event.committed },
        effects: [{ type: "commit", offset: event.committed }],
      };
    case "finished":
      if (state.kind !== "streaming" && state.kind !== "opening") return same;
      return { state: { kind: "done" }, effects: [{ type: "close" }, { type: "remove" }] };
    case "broken": {
      if (state.kind !== "opening" && state.kind !== "streaming") return same;
      const kind = classifyBreak(event.code);
      const why = `code ${event.code}: ${event.message}`;
      if (kind === "permanent") {
        return {
          state: { kind: "failed", reason: why },
          effects: [{ type: "close" }, {
            type: "report",
            level: "error",
            text: `refused by the recorder, kept in the spool: ${why}`,
          }],
        };
      }
      if (kind === "credential") {
        return {
          state: { kind: "blocked", reason: why },
          effects: [{ type: "close" }, {
            type: "report",
            level: "warn",
            text: `credential refused, waiting for a new one: ${why}`,
          }],
        };
      }
      const attempt = state.attempt + 1;
      return {
        state: { kind: "backoff", attempt },
        effects: [
          { type: "close" },
          { type: "schedule", ms: backoffDelay(options, attempt, random) },
          { type: "report", level: attempt === 1 ? "info" : "warn", text: `broken (${why})` },
        ],
      };
    }
    case "retryTimer":
      if (state.kind !== "backoff") return same;
      return { state: { kind: "opening", attempt: state.attempt }, effects: [{ type: "open" }] };
  }
}
