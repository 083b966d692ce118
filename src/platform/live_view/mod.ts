/**
 * The live view's platform side (issue 8): the reference AgentServer's fan-out of a helper's
 * `streamBlob`s to supervisors' browsers, the viewer socket's framing, and the supervisor's
 * page. Started by the reference AgentServer (src/platform/agent_server/server.ts), whose
 * handle carries {@link LiveViewApi}. Never imported by the agent.
 */
export {
  CLOSE_VIEWER_TOO_SLOW,
  type ControlMessage,
  decodeFrame,
  encodeFrame,
  type EndReason,
  FRAME_FRAGMENT,
  FRAME_HEADER_BYTES,
  FRAME_INIT,
  type FrameHeader,
} from "./framing.ts";
export { LiveHub, LiveViewError } from "./hub.ts";
export type {
  BlobOutcome,
  LiveHubOptions,
  LiveStreamRequest,
  LiveStreamStatus,
  LiveViewerStatus,
  StreamBlobData,
  ViewerSocket,
} from "./types.ts";
export { LIVE_PAGE_CSP, LIVE_PAGE_PATH } from "./page.ts";
export {
  createLiveViewService,
  LIVE_KEY_COOKIE,
  LIVE_SOCKET_PREFIX,
  type LiveViewApi,
  type LiveViewCommandOptions,
} from "./service.ts";
