/**
 * JsSDK ↔ AgentServer (over wss1, PROTOCOL.md §3): the helper is not a party, but the reference
 * platform and JsSDK in this repository speak these to find and connect the helper.
 */
import { z } from "zod";
import { both, defineMessage, obj } from "./define.ts";
import { resultDescSchema, resultReader } from "./envelope.ts";
import {
  address,
  jwtToken,
  opaqueId,
  reasonReader,
  retryDelayReader,
  retryDelayWriter,
} from "./fields.ts";

const fromJsSdk = { channel: "platform", from: "jsSdk", to: "agentServer" } as const;
const fromAgentServer = { channel: "platform", from: "agentServer", to: "jsSdk" } as const;

export const getAgentHelperData = defineMessage({
  ...fromJsSdk,
  name: "getAgentHelperData",
  reply: "resultGetAgentHelperData",
  summary: "Asks AgentServer for what the JsSDK needs to connect the helper.",
  // The source's schema and examples send no data though its table lists it: read either way,
  // write `data: {}` like every other message.
  dataPresence: "optional",
  data: both((mode) => obj(mode, {})),
});

export const resultGetAgentHelperData = defineMessage({
  ...fromAgentServer,
  name: "resultGetAgentHelperData",
  // v1 of the source spells it so in its schema title, example and table.
  aliases: ["resultGetAgenHelperData"],
  summary: "The helper's address and what to hand it in agentOpenConnect.",
  data: {
    // The source's schema requires only `result`; its table requires the rest on success. v1
    // has no retryDelay, so it stays optional when read.
    read: z.object({
      result: resultReader,
      resultDesc: z.string().max(1024).optional(),
      agentHelperURI: address.optional(),
      agentServerURI: address.optional(),
      screenServer: address.optional(),
      JWTToken: jwtToken.optional(),
      retryDelay: retryDelayReader.optional(),
    }).superRefine((data, ctx) => {
      if (data.result !== "success") return;
      for (const key of ["agentHelperURI", "agentServerURI", "JWTToken"] as const) {
        if (data[key] === undefined) {
          ctx.addIssue({ code: "custom", path: [key], message: "required when result is success" });
        }
      }
    }),
    write: z.discriminatedUnion("result", [
      z.strictObject({
        result: z.literal("success"),
        agentHelperURI: address.meta({ description: "ws://127.0.0.1:<port> of the helper." }),
        agentServerURI: address,
        screenServer: address,
        JWTToken: jwtToken,
        retryDelay: retryDelayWriter,
      }),
      z.strictObject({ result: z.literal("error"), resultDesc: resultDescSchema }),
    ]),
  },
});

/** The source's vocabulary for agentHelperConnect's resultDesc. */
export const HELPER_CONNECT_FAILURES = [
  "AgentHelper not found",
  "connection failed",
  "invalid token",
] as const;

export const agentHelperConnect = defineMessage({
  ...fromJsSdk,
  name: "agentHelperConnect",
  summary: "The JsSDK reports whether it could reach the helper and hand it the token.",
  data: {
    read: z.object({
      result: resultReader,
      // The source's table lists "connection failedf".
      resultDesc: z.string().max(1024)
        .transform((d) => d === "connection failedf" ? "connection failed" : d)
        .optional(),
    }),
    write: z.discriminatedUnion("result", [
      z.strictObject({ result: z.literal("success") }),
      z.strictObject({ result: z.literal("error"), resultDesc: z.enum(HELPER_CONNECT_FAILURES) }),
    ]),
  },
});

/** What AgentServer can know of why a helper is inactive. */
export const PLATFORM_CONNECTION_REASONS = [
  "connectionLost",
  "tokenInvalid",
  "closedByServer",
  "closedByClient",
] as const;

export const agentHelperConnectionState = defineMessage({
  ...fromAgentServer,
  name: "agentHelperConnectionState",
  summary: "Sent to the JsSDK every time the helper's registration changes state.",
  data: {
    read: z.object({
      userID: opaqueId,
      connectionState: z.enum(["active", "inactive"]),
      resultDesc: reasonReader.optional(),
    }),
    write: z.discriminatedUnion("connectionState", [
      z.strictObject({ userID: opaqueId, connectionState: z.literal("active") }),
      z.strictObject({
        userID: opaqueId,
        connectionState: z.literal("inactive"),
        resultDesc: z.enum(PLATFORM_CONNECTION_REASONS).optional(),
      }),
    ]),
  },
});

export const PLATFORM_MESSAGES = [
  getAgentHelperData,
  resultGetAgentHelperData,
  agentHelperConnect,
  agentHelperConnectionState,
] as const;
