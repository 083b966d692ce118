/**
 * The reference JsSDK's public face: what a web workplace (or a Deno test) imports. Browser-safe:
 * nothing here or below touches a Deno, DOM or node API.
 */
export {
  createJsSdk,
  type EventOf,
  type HelperDataSummary,
  JsSdk,
  type JsSdkDeps,
  type JsSdkEvent,
  type JsSdkEventType,
  type JsSdkOptions,
  type JsSdkStatus,
  type JsSdkTimers,
  type Phase,
  platformUrl,
  type SocketState,
} from "./jssdk.ts";
export type {
  AgentHelperData,
  HelperConnectFailure,
  HelperConnectReport,
  HelperState,
  Outcome,
  PlatformState,
} from "./messages.ts";
export {
  type SdkSocket,
  type SocketFactory,
  type SocketHandlers,
  webSocketFactory,
} from "./sockets.ts";
export { backoffDelay, type BackoffOptions, DEFAULT_BACKOFF } from "./backoff.ts";
export { whenStatus } from "./when_status.ts";
