/**
 * What the agent does with each ws2 message. `setLogLevel` is served here; registration on
 * AgentServer (`agentOpenConnect`) is the next issue's, and until it lands the request is
 * refused with an explicit reason rather than accepted and dropped.
 */
import { buildMessage, type WrittenEnvelope } from "../protocol/catalog.ts";
import type { Logging } from "../log/setup.ts";
import type { Redactor } from "../log/redact.ts";
import type { Ws2Dispatch } from "../ws2/endpoint.ts";

export interface Ws2CommandDeps {
  readonly logging: Logging;
  readonly redactor: Redactor;
}

export const REGISTRATION_NOT_AVAILABLE =
  "notAvailable: this build does not register with AgentServer yet";

export function createWs2Dispatch(deps: Ws2CommandDeps): Ws2Dispatch {
  return (message): Promise<WrittenEnvelope> => {
    const tx = message.transaction;
    switch (message.action) {
      case "setLogLevel":
        deps.logging.setLevel(message.data.logLevel);
        return Promise.resolve(buildMessage("ws2", "resultSetLogLevel", { result: "success" }, tx));
      case "agentOpenConnect":
        // Registered first, so the token cannot reach a log line from here on.
        deps.redactor.addSecret(message.data.JWTToken);
        if (message.data.logLevel) deps.logging.setLevel(message.data.logLevel);
        return Promise.resolve(
          buildMessage("ws2", "resultAgentOpenConnect", {
            result: "error",
            resultDesc: REGISTRATION_NOT_AVAILABLE,
          }, tx),
        );
      case "agentCloseConnect":
        // Nothing is registered, so there is nothing to stop: the request is fulfilled.
        return Promise.resolve(
          buildMessage("ws2", "resultAgentCloseConnect", { result: "success" }, tx),
        );
    }
  };
}
