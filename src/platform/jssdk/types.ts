/**
 * The JsSDK's public types: its options and dependencies, the status a workplace may show (never
 * the token) and the events it emits. Apart from `jssdk.ts` so the flow stays readable.
 */
import type { BackoffOptions } from "./backoff.ts";
import type {
  AgentHelperData,
  HelperConnectReport,
  HelperState,
  Outcome,
  PlatformState,
} from "./messages.ts";
import type { SocketFactory } from "./sockets.ts";

/** Timers as the JsSDK needs them; `globalThis` in a page, a fake clock in unit tests. */
export interface JsSdkTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

export interface JsSdkDeps {
  /** Opens wss1 to AgentServer (default: the global WebSocket). */
  readonly platformSocket?: SocketFactory;
  /** Opens ws2 to the helper (default: the global WebSocket). */
  readonly helperSocket?: SocketFactory;
  readonly timers?: JsSdkTimers;
  /** [0, 1): jitter of the ws2 backoff and the transaction prefix (default Math.random). */
  readonly random?: () => number;
}

export interface JsSdkOptions {
  /** AgentServer's wss1 endpoint; `userID` is added to its query. */
  readonly wss1Url: string;
  /** The operator. */
  readonly userID: string;
  /** How long the helper may take to accept ws2 before it counts as not found (default 3000). */
  readonly discoveryTimeoutMs?: number;
  /** How long a peer may take to answer a request (default 10000). */
  readonly answerTimeoutMs?: number;
  /** Backoff of ws2 restoration after a break. */
  readonly reconnect?: BackoffOptions;
  /** Passed on in agentOpenConnect when given. */
  readonly tenantId?: string;
  readonly sessionId?: string;
  readonly logLevel?: string;
}

export type Phase =
  | "idle"
  /** Opening wss1. */
  | "connectingPlatform"
  /** getAgentHelperData sent, waiting for its result. */
  | "requestingData"
  /** Opening ws2 to agentHelperURI (the discovery timeout runs). */
  | "discovering"
  /** agentOpenConnect sent, waiting for its result. */
  | "opening"
  /** The helper accepted agentOpenConnect; its registration progress comes as helper state. */
  | "connected"
  /** ws2 broke after the helper accepted: restoring it with backoff. */
  | "reconnecting"
  /** The helper could not be reached (step 5): reported to AgentServer. */
  | "notFound"
  /** The flow ended in an error; `error` says which. */
  | "failed"
  /** close() or logout() ended the JsSDK. */
  | "closed";

export type SocketState = "none" | "connecting" | "open" | "closed";

/** What the workplace may show; the token is never part of it. */
export type HelperDataSummary = Omit<AgentHelperData, "JWTToken">;

export interface JsSdkStatus {
  readonly phase: Phase;
  readonly error?: string;
  readonly platformSocket: SocketState;
  readonly helperSocket: SocketState;
  readonly helperData?: HelperDataSummary;
  /** The helper's last agentHelperState (ws2). */
  readonly helperState?: HelperState;
  /** AgentServer's last agentHelperConnectionState (wss1). */
  readonly platformState?: PlatformState;
  /** The last agentHelperConnect sent to AgentServer. */
  readonly lastReport?: HelperConnectReport;
  /** How many times a broken ws2 was restored. */
  readonly reattachments: number;
}

export type JsSdkEvent =
  | { readonly type: "phase"; readonly phase: Phase; readonly error?: string }
  | { readonly type: "platformSocket"; readonly state: SocketState; readonly code?: number }
  | { readonly type: "helperSocket"; readonly state: SocketState; readonly code?: number }
  | { readonly type: "helperData"; readonly data: HelperDataSummary }
  | {
    readonly type: "helperNotFound";
    readonly agentHelperURI: string;
    readonly reason: "timeout" | "refused";
  }
  | { readonly type: "openResult"; readonly outcome: Outcome; readonly reattach: boolean }
  | { readonly type: "reported"; readonly report: HelperConnectReport; readonly delivered: boolean }
  | { readonly type: "helperState"; readonly state: HelperState }
  | { readonly type: "platformState"; readonly state: PlatformState }
  | { readonly type: "reconnectScheduled"; readonly attempt: number; readonly delayMs: number }
  | { readonly type: "unreadable"; readonly channel: "wss1" | "ws2"; readonly reason: string };

export type JsSdkEventType = JsSdkEvent["type"];
export type EventOf<T extends JsSdkEventType> = Extract<JsSdkEvent, { type: T }>;
