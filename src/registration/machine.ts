/**
 * The registration on AgentServer (wss3) as a pure state machine (DESIGN.md §3): `step` takes
 * the state and one event and returns the next state and the effects to perform; it never
 * touches a socket, a timer or the clock. The shell (`registration.ts`) performs the effects
 * and feeds back what happened, tagged with the link's generation so that late news from an
 * old socket is ignored.
 *
 *   idle ──open──▶ connecting ──linkOpen──▶ active ──linkClosed──▶ backoff ──retryDue──▶ connecting
 *                     │  └──linkFailed──▶ backoff                    (recovery timer runs
 *                     └──401/403──▶ inactive(tokenInvalid)            while not active)
 *   any ──close──▶ inactive(closedByClient); active ──closeRegistration──▶ inactive(closedByServer)
 *   active ──close 4401/4403──▶ inactive(tokenInvalid)
 */
import type { ConnectionReason } from "../protocol/fields.ts";

/** What a web page asked to register: already checked against the allow-list. */
export interface Target {
  readonly userID: string;
  /** The normalised, allowed wss URL. */
  readonly url: string;
  readonly token: string;
  readonly retryDelayMs: number;
  readonly screenServer?: string;
  readonly tenantId?: string;
  readonly sessionId?: string;
}

export type Phase =
  | { readonly kind: "idle" }
  | {
    readonly kind: "connecting" | "backoff";
    readonly target: Target;
    /** 1 for the first try after open or after a loss. */
    readonly attempt: number;
    /** When an established link was lost; null if never connected since open. */
    readonly lostAt: number | null;
    /** Work was stopped because the recovery window ran out. */
    readonly workStopped: boolean;
    readonly reason: ConnectionReason | null;
  }
  | { readonly kind: "active"; readonly target: Target; readonly since: number }
  | { readonly kind: "inactive"; readonly target: Target; readonly reason: ConnectionReason };

export interface RegistrationState {
  /** Generation of the current link; bumped on every connect. */
  readonly gen: number;
  readonly phase: Phase;
}

export const INITIAL_STATE: RegistrationState = Object.freeze({
  gen: 0,
  phase: Object.freeze({ kind: "idle" }),
});

export type RegistrationEvent =
  | { readonly type: "open"; readonly target: Target; readonly at: number }
  | { readonly type: "close"; readonly at: number }
  | { readonly type: "linkOpen"; readonly gen: number; readonly at: number }
  /** The upgrade was answered with an HTTP status other than 101. */
  | {
    readonly type: "linkRefused";
    readonly gen: number;
    readonly status: number;
    readonly at: number;
  }
  /** Could not connect: DNS, TCP, TLS, timeout. */
  | { readonly type: "linkFailed"; readonly gen: number; readonly at: number }
  /** An open link closed. */
  | {
    readonly type: "linkClosed";
    readonly gen: number;
    readonly code: number;
    readonly at: number;
  }
  /** AgentServer sent closeRegistration. */
  | { readonly type: "serverClosed"; readonly gen: number; readonly at: number }
  | { readonly type: "retryDue"; readonly at: number }
  | { readonly type: "recoveryDue"; readonly at: number };

export type Timer = "retry" | "recovery";

/** What a ws2 page is told (agentHelperState without the version). */
export interface StateView {
  readonly userID: string;
  readonly connectionState: "connecting" | "active" | "inactive";
  readonly resultDesc?: ConnectionReason;
}

export type Effect =
  | { readonly type: "connect"; readonly gen: number; readonly target: Target }
  | { readonly type: "disconnect"; readonly code: number; readonly reason: string }
  | { readonly type: "startTimer"; readonly timer: Timer; readonly ms: number }
  | { readonly type: "cancelTimer"; readonly timer: Timer }
  | { readonly type: "sendInfo"; readonly gen: number }
  | { readonly type: "announce"; readonly view: StateView }
  | { readonly type: "stopWork"; readonly reason: ConnectionReason };

/** How `open` was taken, for the log and the reply. */
export type OpenOutcome = "registering" | "alreadyRegistered" | "replacing";

export interface Transition {
  readonly state: RegistrationState;
  readonly effects: readonly Effect[];
  readonly outcome?: OpenOutcome;
}

export interface MachineOptions {
  /** How long work goes on while the link is down; 0 stops it at once. */
  readonly recoveryWindowMs: number;
}

/** Close codes by which AgentServer says the token is no good (DESIGN.md §3). */
export const TOKEN_CLOSE_CODES: readonly number[] = [4401, 4403];
/** Upgrade statuses that mean the same. */
export const TOKEN_STATUSES: readonly number[] = [401, 403];

export function viewOf(phase: Phase): StateView | null {
  switch (phase.kind) {
    case "idle":
      return null;
    case "active":
      return { userID: phase.target.userID, connectionState: "active" };
    case "inactive":
      return {
        userID: phase.target.userID,
        connectionState: "inactive",
        resultDesc: phase.reason,
      };
    case "connecting":
    case "backoff": {
      const reason = phase.workStopped ? "recoveryTimeout" : phase.reason;
      return reason === null
        ? { userID: phase.target.userID, connectionState: "connecting" }
        : { userID: phase.target.userID, connectionState: "connecting", resultDesc: reason };
    }
  }
}

function announce(phase: Phase): Effect[] {
  const view = viewOf(phase);
  return view ? [{ type: "announce", view }] : [];
}

function same(a: Target, b: Target): boolean {
  return a.userID === b.userID && a.url === b.url;
}

const CANCEL_ALL: readonly Effect[] = [
  { type: "cancelTimer", timer: "retry" },
  { type: "cancelTimer", timer: "recovery" },
];

function connectFresh(gen: number, target: Target): Transition {
  const phase: Phase = {
    kind: "connecting",
    target,
    attempt: 1,
    lostAt: null,
    workStopped: false,
    reason: null,
  };
  return {
    state: { gen: gen + 1, phase },
    effects: [{ type: "connect", gen: gen + 1, target }, ...announce(phase)],
  };
}

/** Ends the registration for `reason`: timers off, link closed, work stopped, pages told. */
function end(state: RegistrationState, target: Target, reason: ConnectionReason): Transition {
  const phase: Phase = { kind: "inactive", target, reason };
  const closeLink: Effect[] = state.phase.kind === "connecting" || state.phase.kind === "active"
    ? [{ type: "disconnect", code: 1000, reason }]
    : [];
  return {
    state: { gen: state.gen, phase },
    effects: [...CANCEL_ALL, ...closeLink, { type: "stopWork", reason }, ...announce(phase)],
  };
}

function retryLater(
  state: RegistrationState,
  target: Target,
  attempt: number,
  lostAt: number | null,
  workStopped: boolean,
  reason: ConnectionReason,
): Transition {
  const phase: Phase = { kind: "backoff", target, attempt, lostAt, workStopped, reason };
  return {
    state: { gen: state.gen, phase },
    effects: [{ type: "startTimer", timer: "retry", ms: target.retryDelayMs }, ...announce(phase)],
  };
}

const unchanged = (state: RegistrationState): Transition => ({ state, effects: [] });

export function step(
  state: RegistrationState,
  event: RegistrationEvent,
  options: MachineOptions,
): Transition {
  const { phase } = state;
  switch (event.type) {
    case "open": {
      if (phase.kind === "idle" || phase.kind === "inactive") {
        return { ...connectFresh(state.gen, event.target), outcome: "registering" };
      }
      if (same(phase.target, event.target)) {
        // A page reload or a second web app: keep the link; adopt the newest token and delay
        // for the next attempt.
        return {
          state: { gen: state.gen, phase: { ...phase, target: event.target } },
          effects: announce(phase),
          outcome: "alreadyRegistered",
        };
      }
      const ended = end(state, phase.target, "closedByClient");
      const next = connectFresh(ended.state.gen, event.target);
      return {
        state: next.state,
        effects: [...ended.effects, ...next.effects],
        outcome: "replacing",
      };
    }
    case "close":
      return phase.kind === "idle" || phase.kind === "inactive"
        ? unchanged(state)
        : end(state, phase.target, "closedByClient");
    case "linkOpen": {
      if (phase.kind !== "connecting" || event.gen !== state.gen) return unchanged(state);
      const next: Phase = { kind: "active", target: phase.target, since: event.at };
      return {
        state: { gen: state.gen, phase: next },
        effects: [
          { type: "cancelTimer", timer: "recovery" },
          { type: "sendInfo", gen: state.gen },
          ...announce(next),
        ],
      };
    }
    case "linkRefused":
    case "linkFailed": {
      if (phase.kind !== "connecting" || event.gen !== state.gen) return unchanged(state);
      if (event.type === "linkRefused" && TOKEN_STATUSES.includes(event.status)) {
        return end(state, phase.target, "tokenInvalid");
      }
      const reason = phase.lostAt === null ? "connectionFailed" : "connectionLost";
      return retryLater(
        state,
        phase.target,
        phase.attempt,
        phase.lostAt,
        phase.workStopped,
        reason,
      );
    }
    case "linkClosed": {
      if (event.gen !== state.gen) return unchanged(state);
      if (phase.kind === "connecting") {
        return step(state, { type: "linkFailed", gen: event.gen, at: event.at }, options);
      }
      if (phase.kind !== "active") return unchanged(state);
      if (TOKEN_CLOSE_CODES.includes(event.code)) return end(state, phase.target, "tokenInvalid");
      if (options.recoveryWindowMs === 0) {
        const stopped = retryLater(state, phase.target, 1, event.at, true, "connectionLost");
        return {
          state: stopped.state,
          effects: [{ type: "stopWork", reason: "recoveryTimeout" }, ...stopped.effects],
        };
      }
      const lost = retryLater(state, phase.target, 1, event.at, false, "connectionLost");
      const recovery: Effect = {
        type: "startTimer",
        timer: "recovery",
        ms: options.recoveryWindowMs,
      };
      return { state: lost.state, effects: [recovery, ...lost.effects] };
    }
    case "serverClosed":
      if (phase.kind !== "active" || event.gen !== state.gen) return unchanged(state);
      return end(state, phase.target, "closedByServer");
    case "retryDue": {
      if (phase.kind !== "backoff") return unchanged(state);
      const next: Phase = { ...phase, kind: "connecting", attempt: phase.attempt + 1 };
      return {
        state: { gen: state.gen + 1, phase: next },
        effects: [{ type: "connect", gen: state.gen + 1, target: phase.target }, ...announce(next)],
      };
    }
    case "recoveryDue": {
      if (phase.kind !== "connecting" && phase.kind !== "backoff") return unchanged(state);
      if (phase.lostAt === null || phase.workStopped) return unchanged(state);
      const next: Phase = { ...phase, workStopped: true };
      return {
        state: { gen: state.gen, phase: next },
        effects: [{ type: "stopWork", reason: "recoveryTimeout" }, ...announce(next)],
      };
    }
  }
}

/** The retry period spread by ±20 % so that thousands of agents do not return in step. */
export function jittered(ms: number, random: number): number {
  const spread = 0.2;
  return Math.max(1, Math.round(ms * (1 - spread + 2 * spread * random)));
}
