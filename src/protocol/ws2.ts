/**
 * Channel ws2: the operator's web workplace (JsSDK) ↔ the helper, plain ws on 127.0.0.1
 * (PROTOCOL.md §3, DESIGN.md §2).
 */
import { z } from "zod";
import { both, defineErrorReply, defineMessage, defineResult, obj } from "./define.ts";
import {
  address,
  connectionReason,
  jwtToken,
  logLevelReader,
  logLevelWriter,
  opaqueId,
  reasonReader,
  retryDelayReader,
  retryDelayWriter,
  versionAgentHelper,
} from "./fields.ts";
import { defineSetLogLevel, defineSetLogLevelResult } from "./set_log_level.ts";

const toHelper = { channel: "ws2", from: "jsSdk", to: "helper" } as const;
const fromHelper = { channel: "ws2", from: "helper", to: "jsSdk" } as const;

const jwtField = jwtToken.meta({
  description: "The helper's token for AgentServer. Never logged, never echoed in a reply.",
});

export const agentOpenConnect = defineMessage({
  ...toHelper,
  name: "agentOpenConnect",
  // The source's own example (both versions) carries this action for agentOpenConnect.
  aliases: ["agentHelperConnect"],
  reply: "resultAgentOpenConnect",
  summary: "Hands the helper what it needs to register with the operator's AgentServer.",
  data: {
    // retryDelay is optional on read: the source's v1 example has none (the config's default
    // applies). It is read as a number of seconds, see retryDelayReader.
    read: z.object({
      agentServerURI: address,
      JWTToken: jwtField,
      userID: opaqueId.meta({ description: "The operator (a UUID on the platform)." }),
      retryDelay: retryDelayReader.optional(),
      screenServer: address.optional(),
      tenantId: opaqueId.optional(),
      sessionId: opaqueId.optional(),
      logLevel: logLevelReader.optional(),
    }),
    write: z.strictObject({
      agentServerURI: address,
      JWTToken: jwtField,
      userID: opaqueId,
      retryDelay: retryDelayWriter,
      screenServer: address.optional(),
      tenantId: opaqueId.optional(),
      sessionId: opaqueId.optional(),
      logLevel: logLevelWriter.optional(),
    }),
  },
});

export const setLogLevel = defineSetLogLevel("ws2", "jsSdk");

export const agentCloseConnect = defineMessage({
  ...toHelper,
  name: "agentCloseConnect",
  reply: "resultAgentCloseConnect",
  summary: "The operator logs out: stop recording, unregister from AgentServer, stop retrying.",
  dataPresence: "optional",
  data: both((mode) => obj(mode, {})),
});

export const resultAgentOpenConnect = defineResult({
  ...fromHelper,
  name: "resultAgentOpenConnect",
  summary: "success: the helper accepted agentOpenConnect and is registering (its progress " +
    "follows as agentHelperState); error: it could not, and nothing more happens.",
});

export const agentHelperState = defineMessage({
  ...fromHelper,
  name: "agentHelperState",
  summary: "Pushed to every open ws2 connection whenever the registration changes.",
  data: {
    read: z.object({
      userID: opaqueId,
      connectionState: z.enum(["connecting", "active", "inactive"]),
      resultDesc: reasonReader.optional(),
      versionAgentHelper: versionAgentHelper.optional(),
    }),
    // A reason is allowed while connecting (why it is retrying) and when inactive, never
    // when active.
    write: z.discriminatedUnion("connectionState", [
      z.strictObject({
        userID: opaqueId,
        connectionState: z.literal("active"),
        versionAgentHelper,
      }),
      z.strictObject({
        userID: opaqueId,
        connectionState: z.enum(["connecting", "inactive"]),
        resultDesc: connectionReason.optional(),
        versionAgentHelper,
      }),
    ]),
  },
});

export const resultSetLogLevel = defineSetLogLevelResult("ws2", "jsSdk");

export const resultAgentCloseConnect = defineResult({
  ...fromHelper,
  name: "resultAgentCloseConnect",
  summary: "Whether the helper stopped and unregistered.",
});

export const ws2Error = defineErrorReply("ws2", "jsSdk");

export const WS2_MESSAGES = [
  agentOpenConnect,
  setLogLevel,
  agentCloseConnect,
  resultAgentOpenConnect,
  agentHelperState,
  resultSetLogLevel,
  resultAgentCloseConnect,
  ws2Error,
] as const;
