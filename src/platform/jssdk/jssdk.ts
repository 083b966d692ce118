/**
 * The reference JsSDK: the part of the operator's web workplace that finds the AgentHelper on
 * the workstation and hands it what it needs to register with AgentServer (PROTOCOL.md §3, the
 * eleven steps; DESIGN.md §2-3). It exists so the agent is tested against a real client — in
 * Deno and unchanged in Chromium — and so integrators have a working example.
 *
 * Runs anywhere there is a WebSocket and timers: no Deno, DOM or node API is used; both sockets
 * and the timers are injected.
 *
 * Flow: wss1 → `getAgentHelperData` → ws2 to `agentHelperURI` within a discovery timeout (else
 * `agentHelperConnect` error "AgentHelper not found") → `agentOpenConnect` → its result reported
 * to AgentServer as `agentHelperConnect` success / "connection failed" (and "invalid token" when
 * the helper later says AgentServer refused the token). Afterwards it follows the
 * helper's `agentHelperState` (ws2) and the platform's `agentHelperConnectionState` (wss1), and
 * restores a ws2 that breaks while the page lives (backoff, then `agentOpenConnect` again, which
 * the helper de-duplicates). A page reload needs nothing special: the new page's JsSDK runs the
 * same flow and the helper, already registered, answers success without registering again.
 */
import { backoffDelay, DEFAULT_BACKOFF } from "./backoff.ts";
import {
  agentCloseConnect,
  agentHelperConnect,
  type AgentHelperData,
  agentOpenConnect,
  getAgentHelperData,
  type HelperConnectReport,
  type HelperState,
  type Outcome,
  type PlatformState,
  readInbound,
  setLogLevel,
} from "./messages.ts";
import { type SdkSocket, type SocketFactory, webSocketFactory } from "./sockets.ts";

import type {
  EventOf,
  JsSdkDeps,
  JsSdkEvent,
  JsSdkEventType,
  JsSdkOptions,
  JsSdkStatus,
  JsSdkTimers,
  Phase,
} from "./types.ts";

export type { AgentHelperData, HelperConnectReport, HelperState, Outcome, PlatformState };
export type * from "./types.ts";

const SETTLED: readonly Phase[] = ["connected", "notFound", "failed", "closed"];

const defaultTimers: JsSdkTimers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (id) => globalThis.clearTimeout(id as number),
};

interface Pending {
  readonly resolve: (outcome: Outcome) => void;
  readonly timer: unknown;
}

/** Builds the wss1 address: `wss1Url` with `userID` set in its query. */
export function platformUrl(wss1Url: string, userID: string): string {
  const url = new URL(wss1Url);
  url.searchParams.set("userID", userID);
  return url.toString();
}

export class JsSdk {
  readonly #deps: Required<JsSdkDeps>;
  readonly #options: JsSdkOptions;
  readonly #discoveryTimeoutMs: number;
  readonly #answerTimeoutMs: number;
  readonly #txPrefix: string;
  #txCounter = 0;

  #status: JsSdkStatus = {
    phase: "idle",
    platformSocket: "none",
    helperSocket: "none",
    reattachments: 0,
  };
  readonly #listeners = new Map<string, Set<(event: JsSdkEvent) => void>>();

  #wss1: SdkSocket | null = null;
  #ws2: SdkSocket | null = null;
  /** The token stays here, out of the status and the events. */
  #data: AgentHelperData | null = null;
  #dataTx: string | null = null;
  #openTx: string | null = null;
  #openIsReattach = false;
  /** Once the helper has accepted agentOpenConnect, a broken ws2 is restored. */
  #accepted = false;
  #attempt = 0;
  #timer: unknown = null;
  readonly #pending = new Map<string, Pending>();
  #settledWaiters: ((status: JsSdkStatus) => void)[] = [];

  constructor(options: JsSdkOptions, deps: JsSdkDeps = {}) {
    this.#options = options;
    this.#deps = {
      platformSocket: deps.platformSocket ?? webSocketFactory(),
      helperSocket: deps.helperSocket ?? webSocketFactory(),
      timers: deps.timers ?? defaultTimers,
      random: deps.random ?? Math.random,
    };
    this.#discoveryTimeoutMs = options.discoveryTimeoutMs ?? 3000;
    this.#answerTimeoutMs = options.answerTimeoutMs ?? 10_000;
    this.#txPrefix = `jssdk-${Math.floor(this.#deps.random() * 36 ** 6).toString(36)}`;
  }

  /** A snapshot; it never holds the token. */
  get status(): JsSdkStatus {
    return this.#status;
  }

  /** Listens to events of one type, or all (`"*"`); returns the function that stops listening. */
  on<T extends JsSdkEventType>(type: T, listener: (event: EventOf<T>) => void): () => void;
  on(type: "*", listener: (event: JsSdkEvent) => void): () => void;
  on(type: string, listener: (event: never) => void): () => void {
    const set = this.#listeners.get(type) ?? new Set();
    this.#listeners.set(type, set);
    const l = listener as (event: JsSdkEvent) => void;
    set.add(l);
    return () => set.delete(l);
  }

  /**
   * Runs the flow. Resolves with the status once it settles: connected (the helper accepted),
   * notFound, failed or closed. Call once.
   */
  start(): Promise<JsSdkStatus> {
    if (this.#status.phase !== "idle") throw new Error("JsSdk.start: already started");
    const settled = this.settled();
    this.#setPhase("connectingPlatform");
    this.#setStatus({ platformSocket: "connecting" });
    this.#emit({ type: "platformSocket", state: "connecting" });
    let url: string;
    try {
      url = platformUrl(this.#options.wss1Url, this.#options.userID);
    } catch {
      this.#fail("wss1Url is not a valid URL");
      return settled;
    }
    const sockets = { current: null as SdkSocket | null };
    const socket = this.#open(this.#deps.platformSocket, url, {
      opened: () => {
        if (this.#wss1 !== sockets.current) return;
        this.#setStatus({ platformSocket: "open" });
        this.#emit({ type: "platformSocket", state: "open" });
        this.#requestData();
      },
      message: (text) => {
        if (this.#wss1 === sockets.current) this.#onPlatformMessage(text);
      },
      closed: (code) => {
        if (this.#wss1 !== sockets.current) return;
        this.#wss1 = null;
        this.#setStatus({ platformSocket: "closed" });
        this.#emit({ type: "platformSocket", state: "closed", code });
        const phase = this.#status.phase;
        if (phase === "connectingPlatform") this.#fail("AgentServer (wss1) could not be reached");
        else if (phase === "requestingData") {
          this.#fail("AgentServer (wss1) closed before answering getAgentHelperData");
        }
        // Later on, the helper's registration does not depend on wss1: ws2 stays as it is.
      },
    });
    sockets.current = socket;
    this.#wss1 = socket;
    return settled;
  }

  /** Resolves with the status as soon as the phase is (or becomes) a settled one. */
  settled(): Promise<JsSdkStatus> {
    if (SETTLED.includes(this.#status.phase)) return Promise.resolve(this.#status);
    return new Promise((resolve) => this.#settledWaiters.push(resolve));
  }

  /** Sends setLogLevel to the helper over ws2. */
  setLogLevel(logLevel: string): Promise<Outcome> {
    const tx = this.#nextTx();
    return this.#request(tx, setLogLevel(logLevel, tx));
  }

  /**
   * The operator logs out: `agentCloseConnect` (the helper stops recording and unregisters),
   * then close(). Resolves with the helper's answer.
   */
  async logout(): Promise<Outcome> {
    const tx = this.#nextTx();
    const outcome = await this.#request(tx, agentCloseConnect(tx));
    this.close();
    return outcome;
  }

  /** Ends the JsSDK without logging out (what a page unload does): both sockets, all timers. */
  close(): void {
    if (this.#status.phase === "closed") return;
    this.#clearTimer();
    for (const [tx, p] of this.#pending) {
      this.#deps.timers.clearTimeout(p.timer);
      p.resolve({ result: "error", resultDesc: "closed" });
      this.#pending.delete(tx);
    }
    const wss1 = this.#wss1;
    const ws2 = this.#ws2;
    this.#wss1 = null;
    this.#ws2 = null;
    wss1?.close(1000, "closed");
    ws2?.close(1000, "closed");
    this.#setStatus({
      platformSocket: wss1 ? "closed" : this.#status.platformSocket,
      helperSocket: ws2 ? "closed" : this.#status.helperSocket,
    });
    this.#setPhase("closed");
  }

  // --- wss1 -------------------------------------------------------------------------------

  #requestData(): void {
    this.#setPhase("requestingData");
    const tx = this.#nextTx();
    this.#dataTx = tx;
    this.#sendPlatform(getAgentHelperData(tx));
    this.#startTimer(this.#answerTimeoutMs, () => {
      if (this.#status.phase === "requestingData") {
        this.#fail("AgentServer did not answer getAgentHelperData");
      }
    });
  }

  #onPlatformMessage(text: string): void {
    const m = readInbound(text);
    switch (m.action) {
      case "unreadable":
        this.#emit({ type: "unreadable", channel: "wss1", reason: m.reason });
        return;
      case "agentHelperConnectionState":
        this.#setStatus({ platformState: m.data });
        this.#emit({ type: "platformState", state: m.data });
        return;
      case "resultGetAgentHelperData":
      case "resultGetAgentHelperDataError": {
        if (this.#status.phase !== "requestingData") return;
        if (m.transaction !== undefined && m.transaction !== this.#dataTx) return;
        this.#clearTimer();
        if (m.action === "resultGetAgentHelperDataError") {
          this.#fail(`getAgentHelperData: ${m.resultDesc}`);
          return;
        }
        this.#data = m.data;
        const { JWTToken: _token, ...summary } = m.data;
        this.#setStatus({ helperData: summary });
        this.#emit({ type: "helperData", data: summary });
        this.#connectHelper(false);
        return;
      }
      default:
        this.#emit({ type: "unreadable", channel: "wss1", reason: `unexpected ${m.action}` });
    }
  }

  #sendPlatform(text: string): boolean {
    if (!this.#wss1 || this.#status.platformSocket !== "open") return false;
    try {
      this.#wss1.send(text);
      return true;
    } catch {
      return false;
    }
  }

  #report(report: HelperConnectReport): void {
    const delivered = this.#sendPlatform(agentHelperConnect(report));
    this.#setStatus({ lastReport: report });
    this.#emit({ type: "reported", report, delivered });
  }

  // --- ws2 --------------------------------------------------------------------------------

  /** Opens ws2 and sends agentOpenConnect; `reattach` when restoring a broken ws2. */
  #connectHelper(reattach: boolean): void {
    const data = this.#data;
    if (!data) return;
    this.#setPhase(reattach ? "reconnecting" : "discovering");
    this.#setStatus({ helperSocket: "connecting" });
    this.#emit({ type: "helperSocket", state: "connecting" });
    const sockets = { current: null as SdkSocket | null };
    const notFound = (reason: "timeout" | "refused") => {
      if (this.#ws2 !== sockets.current) return;
      const socket = this.#ws2;
      this.#ws2 = null;
      this.#clearTimer();
      socket?.close(1000, "discovery timeout");
      this.#setStatus({ helperSocket: "closed" });
      this.#emit({ type: "helperSocket", state: "closed" });
      if (reattach) {
        this.#scheduleReattach();
        return;
      }
      this.#emit({ type: "helperNotFound", agentHelperURI: data.agentHelperURI, reason });
      this.#report({ result: "error", resultDesc: "AgentHelper not found" });
      this.#setPhase("notFound", "AgentHelper not found");
    };
    const socket = this.#open(this.#deps.helperSocket, data.agentHelperURI, {
      opened: () => {
        if (this.#ws2 !== sockets.current) return;
        this.#clearTimer();
        this.#setStatus({ helperSocket: "open" });
        this.#emit({ type: "helperSocket", state: "open" });
        this.#sendOpen(reattach);
      },
      message: (text) => {
        if (this.#ws2 === sockets.current) this.#onHelperMessage(text);
      },
      closed: (code) => {
        if (this.#ws2 !== sockets.current) return;
        if (this.#status.helperSocket === "connecting") {
          notFound("refused");
          return;
        }
        this.#ws2 = null;
        this.#clearTimer();
        this.#setStatus({ helperSocket: "closed" });
        this.#emit({ type: "helperSocket", state: "closed", code });
        this.#onHelperLost();
      },
    });
    sockets.current = socket;
    this.#ws2 = socket;
    this.#startTimer(this.#discoveryTimeoutMs, () => notFound("timeout"));
  }

  #sendOpen(reattach: boolean): void {
    const data = this.#data;
    const ws2 = this.#ws2;
    if (!data || !ws2) return;
    this.#setPhase(reattach ? "reconnecting" : "opening");
    const tx = this.#nextTx();
    this.#openTx = tx;
    this.#openIsReattach = reattach;
    const o = this.#options;
    ws2.send(agentOpenConnect({
      agentServerURI: data.agentServerURI,
      JWTToken: data.JWTToken,
      userID: o.userID,
      retryDelay: data.retryDelay,
      screenServer: data.screenServer,
      tenantId: o.tenantId,
      sessionId: o.sessionId,
      logLevel: o.logLevel,
    }, tx));
    this.#startTimer(this.#answerTimeoutMs, () => {
      if (this.#openTx !== tx) return;
      this.#onOpenResult({ result: "error", resultDesc: "no answer to agentOpenConnect" });
    });
  }

  #onHelperMessage(text: string): void {
    const m = readInbound(text);
    switch (m.action) {
      case "unreadable":
        this.#emit({ type: "unreadable", channel: "ws2", reason: m.reason });
        return;
      case "agentHelperState": {
        this.#setStatus({ helperState: m.data });
        this.#emit({ type: "helperState", state: m.data });
        // AgentServer refused the token the JsSDK handed over: the source's third
        // agentHelperConnect reason, sent once.
        const last = this.#status.lastReport;
        if (
          m.data.connectionState === "inactive" && m.data.resultDesc === "tokenInvalid" &&
          !(last?.result === "error" && last.resultDesc === "invalid token")
        ) {
          this.#report({ result: "error", resultDesc: "invalid token" });
        }
        return;
      }
      case "resultAgentOpenConnect":
      case "resultAgentCloseConnect":
      case "resultSetLogLevel":
      case "error": {
        const tx = m.transaction;
        if (tx !== undefined && tx === this.#openTx) {
          this.#clearTimer();
          this.#onOpenResult(m.data);
          return;
        }
        const pending = tx === undefined ? undefined : this.#pending.get(tx);
        if (tx !== undefined && pending) {
          this.#pending.delete(tx);
          this.#deps.timers.clearTimeout(pending.timer);
          pending.resolve(m.data);
          return;
        }
        this.#emit({ type: "unreadable", channel: "ws2", reason: `unexpected ${m.action}` });
        return;
      }
      default:
        this.#emit({ type: "unreadable", channel: "ws2", reason: `unexpected ${m.action}` });
    }
  }

  #onOpenResult(outcome: Outcome): void {
    const reattach = this.#openIsReattach;
    this.#openTx = null;
    this.#emit({ type: "openResult", outcome, reattach });
    if (outcome.result === "success") {
      this.#accepted = true;
      this.#attempt = 0;
      if (reattach) this.#setStatus({ reattachments: this.#status.reattachments + 1 });
      // A restored ws2 is no news for AgentServer: it was told success already.
      if (!reattach) this.#report({ result: "success" });
      this.#setPhase("connected");
      return;
    }
    this.#accepted = false;
    this.#report({ result: "error", resultDesc: "connection failed" });
    const ws2 = this.#ws2;
    this.#ws2 = null;
    ws2?.close(1000, "agentOpenConnect refused");
    if (ws2) {
      this.#setStatus({ helperSocket: "closed" });
      this.#emit({ type: "helperSocket", state: "closed" });
    }
    this.#fail(`agentOpenConnect: ${outcome.resultDesc ?? "refused"}`);
  }

  /** ws2 broke after it had opened. */
  #onHelperLost(): void {
    if (this.#openTx !== null && !this.#openIsReattach) {
      // Broken before the helper answered the first agentOpenConnect.
      this.#openTx = null;
      this.#report({ result: "error", resultDesc: "connection failed" });
      this.#fail("ws2 closed before agentOpenConnect was answered");
      return;
    }
    this.#openTx = null;
    if (this.#accepted) this.#scheduleReattach();
  }

  #scheduleReattach(): void {
    const attempt = this.#attempt++;
    const delayMs = backoffDelay(
      attempt,
      this.#options.reconnect ?? DEFAULT_BACKOFF,
      this.#deps.random,
    );
    this.#setPhase("reconnecting");
    this.#emit({ type: "reconnectScheduled", attempt, delayMs });
    this.#startTimer(delayMs, () => this.#connectHelper(true));
  }

  #request(tx: string, text: string): Promise<Outcome> {
    const ws2 = this.#ws2;
    if (!ws2 || this.#status.helperSocket !== "open") {
      return Promise.resolve({ result: "error", resultDesc: "AgentHelper not connected" });
    }
    return new Promise((resolve) => {
      const timer = this.#deps.timers.setTimeout(() => {
        this.#pending.delete(tx);
        resolve({ result: "error", resultDesc: "no answer from AgentHelper" });
      }, this.#answerTimeoutMs);
      this.#pending.set(tx, { resolve, timer });
      try {
        ws2.send(text);
      } catch {
        this.#pending.delete(tx);
        this.#deps.timers.clearTimeout(timer);
        resolve({ result: "error", resultDesc: "AgentHelper not connected" });
      }
    });
  }

  // --- plumbing ---------------------------------------------------------------------------

  /** Opens a socket; a factory that throws counts as a socket closed at once (on a timer). */
  #open(
    factory: SocketFactory,
    url: string,
    handlers: Parameters<SocketFactory>[1],
  ): SdkSocket {
    try {
      return factory(url, handlers);
    } catch {
      const dead: SdkSocket = { send: () => {}, close: () => {} };
      this.#deps.timers.setTimeout(() => handlers.closed(1006, "cannot connect"), 0);
      return dead;
    }
  }

  #nextTx(): string {
    return `${this.#txPrefix}-${++this.#txCounter}`;
  }

  #startTimer(ms: number, fn: () => void): void {
    this.#clearTimer();
    this.#timer = this.#deps.timers.setTimeout(() => {
      this.#timer = null;
      fn();
    }, ms);
  }

  #clearTimer(): void {
    if (this.#timer !== null) this.#deps.timers.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #fail(error: string): void {
    this.#clearTimer();
    this.#setPhase("failed", error);
  }

  #setStatus(patch: Partial<JsSdkStatus>): void {
    this.#status = Object.freeze({ ...this.#status, ...patch });
  }

  #setPhase(phase: Phase, error?: string): void {
    if (this.#status.phase === "closed") return;
    if (this.#status.phase === phase && this.#status.error === error) return;
    const { error: _old, ...rest } = this.#status;
    this.#status = Object.freeze(
      error === undefined ? { ...rest, phase } : { ...rest, phase, error },
    );
    this.#emit(error === undefined ? { type: "phase", phase } : { type: "phase", phase, error });
    if (SETTLED.includes(phase)) {
      const waiters = this.#settledWaiters;
      this.#settledWaiters = [];
      for (const w of waiters) w(this.#status);
    }
  }

  #emit(event: JsSdkEvent): void {
    for (const type of [event.type, "*"]) {
      for (const l of this.#listeners.get(type) ?? []) {
        try {
          l(event);
        } catch { /* a listener's bug must not break the flow */ }
      }
    }
  }
}

/** `new JsSdk(options, deps)`, for callers that prefer a function. */
export function createJsSdk(options: JsSdkOptions, deps: JsSdkDeps = {}): JsSdk {
  return new JsSdk(options, deps);
}
