/**
 * The shell around the registration machine (`machine.ts`): it owns the one wss3 link and the
 * two timers, performs the machine's effects, turns what the link reports into events, answers
 * AgentServer's messages, and tells the ws2 pages each new state (once per change).
 */
import type { Logger } from "@logtape/logtape";
import type { Clock, TimerId } from "../clock/clock.ts";
import type { MetricsRegistry } from "../metrics/registry.ts";
import {
  buildMessage,
  failureReply,
  parseInbound,
  type WriteData,
  type WrittenEnvelope,
} from "../protocol/catalog.ts";
import type { ConnectionReason } from "../protocol/fields.ts";
import type { CommandDispatch } from "../wss3/commands.ts";
import type { Wss3Connector, Wss3Link } from "../wss3/link.ts";
import {
  type Effect,
  INITIAL_STATE,
  jittered,
  type OpenOutcome,
  type RegistrationEvent,
  type RegistrationState,
  type StateView,
  step,
  type Target,
  type Timer,
  viewOf,
} from "./machine.ts";

export interface RegistrationDeps {
  readonly clock: Clock;
  /** [0, 1), for the retry jitter. */
  readonly random: () => number;
  readonly connector: Wss3Connector;
  readonly log: Logger;
  readonly metrics: MetricsRegistry;
  /** Tells every ws2 page (agentHelperState). */
  announce(view: StateView): void;
  /** The agentHelperInfo data for this registration. */
  info(target: Target): Promise<WriteData<"wss3", "agentHelperInfo">>;
  /** Answers one AgentServer command. */
  readonly commands: CommandDispatch;
  /** Stops recordings and live views (the recovery window ran out, or the registration ended). */
  stopWork(reason: ConnectionReason): void;
}

export interface RegistrationOptions {
  readonly recoveryWindowMs: number;
}

export interface RegistrationStatus {
  readonly state: "idle" | "connecting" | "active" | "backoff" | "inactive";
  readonly userID?: string;
  readonly server?: string;
  readonly attempt?: number;
  readonly reason?: ConnectionReason;
  readonly since?: string;
  readonly connects: number;
}

export interface Registration {
  /** Registers (or keeps the registration when it is the same user and server). */
  open(target: Target): OpenOutcome;
  /** The operator logged out: end the registration. */
  close(): void;
  view(): StateView | null;
  status(): RegistrationStatus;
  /** What the current registration was opened with (token included); null when idle. */
  target(): Target | null;
  /** The agent is stopping: close the link, cancel the timers; nothing is announced. */
  stop(): void;
  /**
   * Sends a message of the helper's own (newRecBatch) to AgentServer: at once when the link
   * is up, else kept (up to {@link OUTBOX_LIMIT}, oldest dropped first) and sent after the
   * next agentHelperInfo, so a reconnect within the recovery window loses none. Dropped when
   * the registration ends.
   */
  notify(message: WrittenEnvelope): void;
  /**
   * Sends already-serialised text now, only while active (never queued: a live view's bytes
   * are worthless after a reconnect); resolves once handed to the socket, false if not sent.
   */
  sendLive(text: string): Promise<boolean>;
}

export const OUTBOX_LIMIT = 1000;

const STATES = ["idle", "connecting", "active", "backoff", "inactive"] as const;

export function createRegistration(
  deps: RegistrationDeps,
  options: RegistrationOptions,
): Registration {
  let state: RegistrationState = INITIAL_STATE;
  let link: Wss3Link | null = null;
  let lastAnnounced = "";
  let connects = 0;
  let stopped = false;
  const timers = new Map<Timer, TimerId>();
  let outbox: WrittenEnvelope[] = [];

  const stateGauge = deps.metrics.gauge({
    name: "agent_helper_registration_state",
    help: "1 for the registration's current state.",
    labels: ["state"],
  });
  const attempts = deps.metrics.counter({
    name: "agent_helper_registration_attempts_total",
    help: "Connection attempts to AgentServer, by outcome (open, refused, failed).",
    labels: ["outcome"],
  });
  const wss3Messages = deps.metrics.counter({
    name: "agent_helper_wss3_messages_total",
    help: "wss3 messages received from AgentServer, by outcome (ok, invalid).",
    labels: ["outcome"],
  });
  const showState = () => {
    for (const s of STATES) stateGauge.set(s === state.phase.kind ? 1 : 0, { state: s });
  };
  showState();

  const send = (message: WrittenEnvelope) => link?.send(JSON.stringify(message)) ?? false;

  const cancel = (timer: Timer) => {
    const id = timers.get(timer);
    if (id !== undefined) deps.clock.clearTimeout(id);
    timers.delete(timer);
  };

  const onText = (gen: number, text: string) => {
    if (gen !== state.gen) return;
    const parsed = parseInbound("wss3", text);
    if (!parsed.ok) {
      wss3Messages.inc({ outcome: "invalid" });
      deps.log.warn("wss3: refused a message from AgentServer: {kind}: {reason}", {
        kind: parsed.kind,
        reason: parsed.reason,
      });
      send(failureReply("wss3", parsed));
      return;
    }
    wss3Messages.inc({ outcome: "ok" });
    const message = parsed.message;
    if (message.action === "closeRegistration") {
      deps.log.info("AgentServer closed the registration ({reason})", {
        reason: message.data.reason ?? "no reason given",
      });
      dispatch({ type: "serverClosed", gen, at: deps.clock.now() });
      return;
    }
    deps.commands(message).then((reply) => {
      if (gen === state.gen) send(reply);
    }).catch((e) =>
      deps.log.error("wss3: {action} failed: {error}", {
        action: message.action,
        error: e,
      })
    );
  };

  const connect = (gen: number, target: Target) => {
    connects++;
    deps.log.info("Registering user {user} on {server} (attempt {attempt})", {
      user: target.userID,
      server: target.url,
      attempt: state.phase.kind === "connecting" ? state.phase.attempt : 1,
    });
    const at = () => deps.clock.now();
    link = deps.connector.connect({ url: target.url, token: target.token }, {
      onOpen: () => {
        attempts.inc({ outcome: "open" });
        dispatch({ type: "linkOpen", gen, at: at() });
      },
      onText: (text) => onText(gen, text),
      onRefused: (status) => {
        attempts.inc({ outcome: "refused" });
        deps.log.warn("AgentServer refused the connection: HTTP {status}", { status });
        dispatch({ type: "linkRefused", gen, status, at: at() });
      },
      onFailed: (problem) => {
        attempts.inc({ outcome: "failed" });
        deps.log.warn("Cannot connect to AgentServer: {problem}", { problem });
        dispatch({ type: "linkFailed", gen, at: at() });
      },
      onClosed: (code, reason) => {
        deps.log.info("wss3 closed: {code} {reason}", { code, reason: reason || "-" });
        dispatch({ type: "linkClosed", gen, code, at: at() });
      },
    });
  };

  const sendInfo = (gen: number) => {
    const phase = state.phase;
    if (phase.kind !== "active") return;
    deps.info(phase.target).then((data) => {
      if (gen !== state.gen) return;
      send(buildMessage("wss3", "agentHelperInfo", data));
      const queued = outbox;
      outbox = [];
      for (const m of queued) send(m);
    }).catch((e) => deps.log.error("Cannot build agentHelperInfo: {error}", { error: e }));
  };

  const perform = (effect: Effect) => {
    switch (effect.type) {
      case "connect":
        connect(effect.gen, effect.target);
        return;
      case "disconnect": {
        const old = link;
        link = null;
        old?.close(effect.code, effect.reason);
        return;
      }
      case "startTimer": {
        cancel(effect.timer);
        const ms = effect.timer === "retry" ? jittered(effect.ms, deps.random()) : effect.ms;
        const event: RegistrationEvent["type"] = effect.timer === "retry"
          ? "retryDue"
          : "recoveryDue";
        timers.set(
          effect.timer,
          deps.clock.setTimeout(() => {
            timers.delete(effect.timer);
            dispatch({ type: event, at: deps.clock.now() } as RegistrationEvent);
          }, ms),
        );
        return;
      }
      case "cancelTimer":
        cancel(effect.timer);
        return;
      case "sendInfo":
        sendInfo(effect.gen);
        return;
      case "announce": {
        const key = JSON.stringify(effect.view);
        if (key === lastAnnounced) return;
        lastAnnounced = key;
        deps.log.info("Registration of {user}: {state}{reason}", {
          user: effect.view.userID,
          state: effect.view.connectionState,
          reason: effect.view.resultDesc ? ` (${effect.view.resultDesc})` : "",
        });
        deps.announce(effect.view);
        return;
      }
      case "stopWork":
        outbox = [];
        deps.stopWork(effect.reason);
        return;
    }
  };

  function dispatch(event: RegistrationEvent): OpenOutcome | undefined {
    if (stopped) return undefined;
    const t = step(state, event, options);
    state = t.state;
    showState();
    for (const effect of t.effects) perform(effect);
    return t.outcome;
  }

  return {
    open(target) {
      return dispatch({ type: "open", target, at: deps.clock.now() }) ?? "registering";
    },
    close() {
      outbox = [];
      dispatch({ type: "close", at: deps.clock.now() });
    },
    notify(message) {
      if (state.phase.kind === "active" && send(message)) return;
      if (state.phase.kind === "idle" || state.phase.kind === "inactive") return;
      outbox.push(message);
      if (outbox.length > OUTBOX_LIMIT) {
        outbox.shift();
        deps.log.warn("wss3: outbox full ({limit}): dropped the oldest message", {
          limit: OUTBOX_LIMIT,
        });
      }
    },
    sendLive(text) {
      if (state.phase.kind !== "active" || link === null) return Promise.resolve(false);
      return link.sendFlushed(text);
    },
    view: () => viewOf(state.phase),
    target() {
      const p = state.phase;
      return p.kind === "idle" ? null : p.target;
    },
    status() {
      const p = state.phase;
      const base = { state: p.kind, connects } as const;
      switch (p.kind) {
        case "idle":
          return base;
        case "active":
          return {
            ...base,
            userID: p.target.userID,
            server: p.target.url,
            since: new Date(p.since).toISOString(),
          };
        case "inactive":
          return { ...base, userID: p.target.userID, server: p.target.url, reason: p.reason };
        default: {
          // The reason the pages were told (recoveryTimeout once work stopped), from one place.
          const reason = viewOf(p)?.resultDesc;
          return {
            ...base,
            userID: p.target.userID,
            server: p.target.url,
            attempt: p.attempt,
            ...(reason === undefined ? {} : { reason }),
          };
        }
      }
    },
    stop() {
      stopped = true;
      for (const timer of [...timers.keys()]) cancel(timer);
      const old = link;
      link = null;
      old?.close(1001, "agent stopping");
    },
  };
}
