/**
 * The few messages the reference JsSDK sends and reads, hand-written. The JsSDK runs unchanged in
 * a browser, and the zod catalog of `src/protocol/` would make its bundle about 800 KB; these
 * small readers and writers keep it at a few KB. They follow the same envelope (PROTOCOL.md §2)
 * and the same tolerance of the source's defects (§7); `messages_test.ts` checks both directions
 * against the catalog, so the two cannot drift apart unnoticed.
 */

export const PROTOCOL_VERSION = "1.0";
const ACCEPTED_VERSIONS: readonly unknown[] = ["1.0", "v1.0"];

/** agentHelperConnect's resultDesc vocabulary (PROTOCOL.md §3). */
export type HelperConnectFailure = "AgentHelper not found" | "connection failed" | "invalid token";

export type HelperConnectReport =
  | { readonly result: "success" }
  | { readonly result: "error"; readonly resultDesc: HelperConnectFailure };

/** What AgentServer hands the JsSDK for the helper (resultGetAgentHelperData on success). */
export interface AgentHelperData {
  readonly agentHelperURI: string;
  readonly agentServerURI: string;
  readonly screenServer?: string;
  readonly JWTToken: string;
  /** Seconds, as the string the protocol carries ("5"). */
  readonly retryDelay: string;
}

/** agentHelperState (helper → JsSDK over ws2). */
export interface HelperState {
  readonly userID: string;
  readonly connectionState: "connecting" | "active" | "inactive";
  readonly resultDesc?: string;
  readonly versionAgentHelper?: string;
}

/** agentHelperConnectionState (AgentServer → JsSDK over wss1). */
export interface PlatformState {
  readonly userID: string;
  readonly connectionState: "active" | "inactive";
  readonly resultDesc?: string;
}

export interface Outcome {
  readonly result: "success" | "error";
  readonly resultDesc?: string;
}

/** Every message the JsSDK understands, read into a clean form. */
export type Inbound =
  | {
    readonly action: "resultGetAgentHelperData";
    readonly transaction?: string;
    readonly data: AgentHelperData;
  }
  | {
    readonly action: "resultGetAgentHelperDataError";
    readonly transaction?: string;
    readonly resultDesc: string;
  }
  | { readonly action: "agentHelperConnectionState"; readonly data: PlatformState }
  | { readonly action: "agentHelperState"; readonly data: HelperState }
  | {
    /** Replies of ws2 requests; `error` answers a request the helper could not read. */
    readonly action:
      | "resultAgentOpenConnect"
      | "resultAgentCloseConnect"
      | "resultSetLogLevel"
      | "error";
    readonly transaction?: string;
    readonly data: Outcome;
  };

/** Why a frame was not understood; never quotes the frame (it may hold a token). */
export interface Unreadable {
  readonly action: "unreadable";
  readonly reason: string;
}

/** Optional fields of the options objects given to the writers. */
export interface OpenConnectFields {
  readonly agentServerURI: string;
  readonly JWTToken: string;
  readonly userID: string;
  readonly retryDelay: string;
  readonly screenServer?: string | undefined;
  readonly tenantId?: string | undefined;
  readonly sessionId?: string | undefined;
  readonly logLevel?: string | undefined;
}

function envelope(action: string, data: object, transaction?: string): string {
  return JSON.stringify(
    transaction === undefined
      ? { action, version: PROTOCOL_VERSION, data }
      : { action, version: PROTOCOL_VERSION, transaction, data },
  );
}

/** JsSDK → AgentServer (wss1), step 1. */
export function getAgentHelperData(transaction: string): string {
  return envelope("getAgentHelperData", {}, transaction);
}

/** JsSDK → AgentServer (wss1), steps 5 and 7: whether the helper was found and took the token. */
export function agentHelperConnect(report: HelperConnectReport): string {
  return envelope(
    "agentHelperConnect",
    report.result === "success"
      ? { result: "success" }
      : { result: "error", resultDesc: report.resultDesc },
  );
}

/** JsSDK → helper (ws2), step 6. Optional fields are left out when not given. */
export function agentOpenConnect(fields: OpenConnectFields, transaction: string): string {
  const data: Record<string, string> = {
    agentServerURI: fields.agentServerURI,
    JWTToken: fields.JWTToken,
    userID: fields.userID,
    retryDelay: fields.retryDelay,
  };
  for (const key of ["screenServer", "tenantId", "sessionId", "logLevel"] as const) {
    const value = fields[key];
    if (value !== undefined) data[key] = value;
  }
  return envelope("agentOpenConnect", data, transaction);
}

/** JsSDK → helper (ws2): the operator logs out. */
export function agentCloseConnect(transaction: string): string {
  return envelope("agentCloseConnect", {}, transaction);
}

/** JsSDK → helper (ws2). */
export function setLogLevel(logLevel: string, transaction: string): string {
  return envelope("setLogLevel", { logLevel }, transaction);
}

type Fields = Record<string, unknown>;

function isRecord(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(data: Fields, key: string): string | undefined {
  const value = data[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** `retryDelay` is a string holding seconds; a number is read too. */
export function normalizeRetryDelay(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value) && value > 0) return String(value);
  if (typeof value === "string" && /^\s*\d{1,6}(\.\d{1,3})?\s*$/.test(value)) {
    const trimmed = value.trim();
    return Number(trimmed) > 0 ? trimmed : undefined;
  }
  return undefined;
}

/** `succes` (a defect of the source) reads as success; anything else but error is refused. */
function readOutcome(data: Fields): Outcome | string {
  const r = data.result;
  if (r !== "success" && r !== "succes" && r !== "error") return "result: expected success|error";
  const resultDesc = str(data, "resultDesc");
  const result = r === "error" ? "error" : "success";
  return resultDesc === undefined || result === "success" ? { result } : { result, resultDesc };
}

function withTransaction<T extends object>(message: T, transaction: string | undefined): T {
  return transaction === undefined ? message : { ...message, transaction };
}

const DEFAULT_RETRY_DELAY = "5";

/**
 * Reads one text frame the JsSDK received on either of its channels. Never throws.
 * `defaultRetryDelay` fills a missing retryDelay (the source's v1 sends none).
 */
export function readInbound(
  text: string,
  defaultRetryDelay = DEFAULT_RETRY_DELAY,
): Inbound | Unreadable {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { action: "unreadable", reason: "not JSON" };
  }
  if (!isRecord(value)) return { action: "unreadable", reason: "not a JSON object" };
  if (!ACCEPTED_VERSIONS.includes(value.version)) {
    return { action: "unreadable", reason: "version: expected 1.0" };
  }
  const transaction = typeof value.transaction === "string" ? value.transaction : undefined;
  const data: Fields = isRecord(value.data) ? value.data : {};
  const action = value.action;
  switch (action) {
    case "resultGetAgentHelperData":
    case "resultGetAgenHelperData": {
      const outcome = readOutcome(data);
      if (typeof outcome === "string") return { action: "unreadable", reason: outcome };
      if (outcome.result === "error") {
        return withTransaction({
          action: "resultGetAgentHelperDataError" as const,
          resultDesc: outcome.resultDesc ?? "no reason given",
        }, transaction);
      }
      const agentHelperURI = str(data, "agentHelperURI");
      const agentServerURI = str(data, "agentServerURI");
      const JWTToken = str(data, "JWTToken");
      if (agentHelperURI === undefined || agentServerURI === undefined || JWTToken === undefined) {
        return {
          action: "unreadable",
          reason:
            "resultGetAgentHelperData: agentHelperURI, agentServerURI and JWTToken are required",
        };
      }
      const retryDelay = data.retryDelay === undefined || data.retryDelay === ""
        ? defaultRetryDelay
        : normalizeRetryDelay(data.retryDelay);
      if (retryDelay === undefined) {
        return {
          action: "unreadable",
          reason: "retryDelay: expected a positive number of seconds",
        };
      }
      const screenServer = str(data, "screenServer");
      const helperData: AgentHelperData = screenServer === undefined
        ? { agentHelperURI, agentServerURI, JWTToken, retryDelay }
        : { agentHelperURI, agentServerURI, screenServer, JWTToken, retryDelay };
      return withTransaction(
        { action: "resultGetAgentHelperData" as const, data: helperData },
        transaction,
      );
    }
    case "agentHelperConnectionState":
    case "agentHelperState": {
      const userID = str(data, "userID");
      const state = data.connectionState;
      const allowed = action === "agentHelperState"
        ? ["connecting", "active", "inactive"]
        : ["active", "inactive"];
      if (userID === undefined || typeof state !== "string" || !allowed.includes(state)) {
        return {
          action: "unreadable",
          reason: `${action}: userID and connectionState (${allowed.join("|")}) are required`,
        };
      }
      const resultDesc = str(data, "resultDesc");
      const versionAgentHelper = str(data, "versionAgentHelper");
      const common = { userID, ...(resultDesc === undefined ? {} : { resultDesc }) };
      if (action === "agentHelperConnectionState") {
        return {
          action,
          data: { ...common, connectionState: state as PlatformState["connectionState"] },
        };
      }
      return {
        action,
        data: {
          ...common,
          connectionState: state as HelperState["connectionState"],
          ...(versionAgentHelper === undefined ? {} : { versionAgentHelper }),
        },
      };
    }
    case "resultAgentOpenConnect":
    case "resultAgentOpetConnect":
    case "resultAgentCloseConnect":
    case "resultSetLogLevel":
    case "error": {
      const outcome = readOutcome(data);
      if (typeof outcome === "string") return { action: "unreadable", reason: outcome };
      const name = action === "resultAgentOpetConnect" ? "resultAgentOpenConnect" : action;
      return withTransaction({ action: name, data: outcome }, transaction);
    }
    default:
      return {
        action: "unreadable",
        reason: typeof action === "string" && /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(action)
          ? `unknown action ${action}`
          : "action: expected a message name",
      };
  }
}
