/**
 * The reference AgentServer's public surface, for tests, the demo and the other reference
 * parts (JsSDK, ScreenRecorder). Never imported by the agent.
 */
export {
  type ReferenceAgentServer,
  type ReferenceAgentServerDeps,
  type ReferenceAgentServerOptions,
  type SendCommandOptions,
  startReferenceAgentServer,
} from "./server.ts";
export { CONSOLE_KEY_HEADER } from "./console.ts";
export type {
  HelperInfo,
  HelperState,
  HelperView,
  InactiveReason,
  StateChange,
} from "./helpers.ts";
export { DEFAULT_TOKEN_TTL_SEC, generateTokenSecret, TOKEN_AUDIENCE, TOKEN_ISSUER } from "./jwt.ts";
export type { AgsLogCallback, AgsLogLevel, AgsLogSink } from "./log.ts";
export { type AnyMessage, maskTokens, type RecordedMessage } from "./message_log.ts";
export { CommandError, type CommandFailure, type HelperReply } from "./pending.ts";
export { WaitTimeoutError } from "./waitable.ts";
export {
  CLOSE_REPLACED,
  CLOSE_SERVICE_RESTART,
  CLOSE_TOKEN_INVALID,
  HELPER_COMMANDS,
  type HelperCommand,
} from "./wss3.ts";
export type {
  LiveHubOptions,
  LiveStreamRequest,
  LiveStreamStatus,
  LiveViewerStatus,
} from "../live_view/types.ts";
export type { LiveViewApi, LiveViewCommandOptions } from "../live_view/service.ts";
