/**
 * What the agent does with each ws2 message from the web workplace: hand `agentOpenConnect`
 * to the registration (after the allow-list: an address off the list is refused here and
 * nothing is dialled), end it on `agentCloseConnect`, change the log level.
 */
import { logger, type Logging } from "../log/setup.ts";
import type { Redactor } from "../log/redact.ts";
import { buildMessage, type WrittenEnvelope } from "../protocol/catalog.ts";
import { checkServerUri } from "../registration/allow_list.ts";
import type { Target } from "../registration/machine.ts";
import type { Registration } from "../registration/registration.ts";
import type { RecorderAddressCheck } from "../upload/recorder_address.ts";
import type { Ws2Dispatch } from "../ws2/endpoint.ts";

export interface Ws2CommandDeps {
  readonly logging: Logging;
  readonly redactor: Redactor;
  readonly registration: Registration;
  /** The allow-list check of the ScreenRecorder address a page hands over. */
  readonly upload: { checkAddress(address: string): RecorderAddressCheck };
}

export interface Ws2CommandOptions {
  readonly agentServerHosts: readonly string[];
  readonly devMode: boolean;
  readonly defaultRetryDelaySec: number;
}

/** A page may not make the agent dial more often than this, nor wait longer. */
const RETRY_DELAY_BOUNDS_SEC = [1, 3600] as const;

export function retryDelayMs(requested: number | undefined, fallbackSec: number): number {
  const sec = requested ?? fallbackSec;
  return Math.round(
    Math.min(RETRY_DELAY_BOUNDS_SEC[1], Math.max(RETRY_DELAY_BOUNDS_SEC[0], sec)) * 1000,
  );
}

export function createWs2Dispatch(deps: Ws2CommandDeps, options: Ws2CommandOptions): Ws2Dispatch {
  const log = logger("ws2");
  return (message, peer): Promise<WrittenEnvelope> => {
    const tx = message.transaction;
    switch (message.action) {
      case "setLogLevel":
        deps.logging.setLevel(message.data.logLevel);
        return Promise.resolve(buildMessage("ws2", "resultSetLogLevel", { result: "success" }, tx));
      case "agentOpenConnect": {
        const data = message.data;
        // Registered first, so the token cannot reach a log line from here on.
        deps.redactor.addSecret(data.JWTToken);
        if (data.logLevel) deps.logging.setLevel(data.logLevel);
        const server = checkServerUri(data.agentServerURI, {
          hosts: options.agentServerHosts,
          devMode: options.devMode,
        });
        if (!server.ok) {
          log.warn("ws2 #{id}: agentOpenConnect refused, server not allowed: {reason}", {
            id: peer.id,
            reason: server.reason,
          });
          return Promise.resolve(buildMessage("ws2", "resultAgentOpenConnect", {
            result: "error",
            resultDesc: `serverNotAllowed: ${server.reason}`,
          }, tx));
        }
        const recorder = data.screenServer === undefined
          ? null
          : deps.upload.checkAddress(data.screenServer);
        if (recorder && !recorder.ok) {
          log.warn("ws2 #{id}: agentOpenConnect refused, ScreenRecorder not allowed: {reason}", {
            id: peer.id,
            reason: recorder.reason,
          });
          return Promise.resolve(buildMessage("ws2", "resultAgentOpenConnect", {
            result: "error",
            resultDesc: `screenServerNotAllowed: ${recorder.reason}`,
          }, tx));
        }
        const target: Target = {
          userID: data.userID,
          url: server.url,
          token: data.JWTToken,
          retryDelayMs: retryDelayMs(data.retryDelay, options.defaultRetryDelaySec),
          ...(data.screenServer === undefined ? {} : { screenServer: data.screenServer }),
          ...(data.tenantId === undefined ? {} : { tenantId: data.tenantId }),
          ...(data.sessionId === undefined ? {} : { sessionId: data.sessionId }),
        };
        const outcome = deps.registration.open(target);
        log.info("ws2 #{id}: agentOpenConnect for user {user}: {outcome}", {
          id: peer.id,
          user: data.userID,
          outcome,
        });
        return Promise.resolve(
          buildMessage("ws2", "resultAgentOpenConnect", { result: "success" }, tx),
        );
      }
      case "agentCloseConnect":
        log.info("ws2 #{id}: agentCloseConnect: the operator logged out", { id: peer.id });
        deps.registration.close();
        return Promise.resolve(
          buildMessage("ws2", "resultAgentCloseConnect", { result: "success" }, tx),
        );
    }
  };
}
