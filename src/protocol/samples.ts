/**
 * One realistic message of every kind in the catalog, in the written form. The table's type
 * requires an entry per message, so a new message without a sample does not compile. Tests use
 * them (schemas, fuzzing); docs and the reference platform's console may too.
 */
import { buildMessage, CATALOG, type CatalogEntry, type WriteData } from "./catalog.ts";

/** Shaped like a JWT so the redaction patterns of src/log/redact.ts would catch it too. */
export const SAMPLE_JWT =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJvcGVyYXRvci0xIiwiZXhwIjo0MTAyNDQ0ODAwfQ." +
  "c2FtcGxlLXNpZ25hdHVyZS1ub3QtYS1yZWFsLW9uZQ";
export const SAMPLE_TRANSACTION = "7f3c9a2e-5b1d-4e8f-9a6c-2d4b8e1f0a37";
const USER = "5b0d7c7e-2f4a-4c1e-9d3b-8a6f1e2c4d5b";
const VERSION = "AgentHelper 0.1.0";

const DISPLAYS = [
  { index: 0, name: "DP-1", primary: true, x: 0, y: 0, width: 2560, height: 1440, scale: 1.25 },
  { index: 1, name: "HDMI-1", primary: false, x: 2560, y: 0, width: 1920, height: 1080, scale: 1 },
];

type SampleTable = {
  readonly [E in CatalogEntry as `${E["channel"]}.${E["name"]}`]: WriteData<
    E["channel"],
    E["name"]
  >;
};

const ok = { result: "success" } as const;

export const SAMPLE_DATA: SampleTable = {
  "ws2.agentOpenConnect": {
    agentServerURI: "wss://agentserver.example.com/agent-helper",
    JWTToken: SAMPLE_JWT,
    userID: USER,
    retryDelay: "5",
    screenServer: "recorder.example.com:443",
    tenantId: "tenant-1",
    sessionId: "session-42",
    logLevel: "info",
  },
  "ws2.setLogLevel": { logLevel: "debug" },
  "ws2.agentCloseConnect": {},
  "ws2.resultAgentOpenConnect": ok,
  "ws2.agentHelperState": {
    userID: USER,
    connectionState: "connecting",
    resultDesc: "connectionLost",
    versionAgentHelper: VERSION,
  },
  "ws2.resultSetLogLevel": ok,
  "ws2.resultAgentCloseConnect": ok,
  "ws2.error": {
    result: "error",
    resultDesc: "unknownAction: action: unknown action startRecording on ws2",
    inReplyTo: "startRecording",
  },
  "wss3.startScreenRecord": {
    segmentId: "seg-01HZX8K4Q2",
    interactionId: "call-884213",
    workItemIds: ["wi-1", "wi-2"],
    displays: [0, 1],
    params: {
      frameRate: 5,
      quality: [{ display: 0, crf: 28, maxBitrateKbps: 1500, maxHeight: 1080 }, { display: 1 }],
      keyframeIntervalSec: 2,
      screenServer: "recorder.example.com:443",
    },
  },
  "wss3.restartScreenRecord": {
    segmentId: "seg-01HZX8M7T9",
    interactionId: "call-884213",
    workItemIds: ["wi-1", "wi-2", "wi-3"],
    params: { frameRate: 10 },
  },
  "wss3.stopScreenRecord": { segmentId: "seg-01HZX8M7T9" },
  "wss3.pauseScreenRecord": { segmentId: "seg-01HZX8M7T9", reason: "card details" },
  "wss3.resumeScreenRecord": { segmentId: "seg-01HZX8M7T9" },
  "wss3.startStream": { streamId: "view-17", display: 0, frameRate: 5, maxHeight: 720 },
  "wss3.stopStream": { streamId: "view-17" },
  "wss3.setLogLevel": { logLevel: "warning" },
  "wss3.getDisplayInfo": {},
  "wss3.closeRegistration": { reason: "operator session ended" },
  "wss3.agentHelperInfo": {
    computerName: "ccc-fv-452",
    realComputerName: "cac-jo-257",
    realComputerIP: "10.1.2.3",
    osLogin: "operator1",
    osDomain: "CORP.EXAMPLE.COM",
    versionAgentHelper: VERSION,
    osVersion: "Windows 11 Pro 23H2 (10.0.22631)",
    displays: DISPLAYS,
    capabilities: {
      encoders: ["h264_nvenc", "libx264"],
      captureBackends: ["ddagrab", "gdigrab"],
      maxFrameRate: 30,
    },
    tenantId: "tenant-1",
    sessionId: "session-42",
  },
  "wss3.newRecBatch": {
    result: "success",
    fileName: "tenant-1/2024/06/01/seg-01HZX8K4Q2/display-0/part-0.mp4",
    segmentId: "seg-01HZX8K4Q2",
    display: 0,
    part: 0,
  },
  "wss3.resultStartScreenRecord": ok,
  "wss3.resultStopScreenRecord": ok,
  "wss3.resultRestartScreenRecord": ok,
  "wss3.resultPauseScreenRecord": ok,
  "wss3.resultResumeScreenRecord": ok,
  "wss3.resultStartStream": ok,
  "wss3.resultStopStream": { result: "error", resultDesc: "unknownStream: view-17" },
  "wss3.resultSetLogLevel": ok,
  "wss3.resultGetDisplayInfo": { result: "success", displays: DISPLAYS },
  "wss3.streamBlob": { payload: "AAAAIGZ0eXBpc29t", streamId: "view-17", seq: 0, init: true },
  "wss3.error": {
    result: "error",
    resultDesc: "invalidJson: the message is not valid JSON",
  },
  "platform.getAgentHelperData": {},
  "platform.resultGetAgentHelperData": {
    result: "success",
    agentHelperURI: "ws://127.0.0.1:41770",
    agentServerURI: "wss://agentserver.example.com/agent-helper",
    screenServer: "recorder.example.com:443",
    JWTToken: SAMPLE_JWT,
    retryDelay: "5",
  },
  "platform.agentHelperConnect": { result: "error", resultDesc: "AgentHelper not found" },
  "platform.agentHelperConnectionState": {
    userID: USER,
    connectionState: "inactive",
    resultDesc: "tokenInvalid",
  },
};

export function sampleKey(entry: Pick<CatalogEntry, "channel" | "name">): keyof SampleTable {
  return `${entry.channel}.${entry.name}` as keyof SampleTable;
}

/** The sample of `entry`, built and checked by its writer; replies carry a transaction. */
export function sampleMessage(entry: CatalogEntry): Record<string, unknown> {
  const data = SAMPLE_DATA[sampleKey(entry)];
  const transaction = entry.direction === "toHelper" || entry.name.startsWith("result") ||
      entry.name === "getAgentHelperData"
    ? SAMPLE_TRANSACTION
    : undefined;
  // The table's type ties each key to its message; the loop over entries cannot, hence `never`.
  return buildMessage(entry.channel, entry.name as never, data as never, transaction) as Record<
    string,
    unknown
  >;
}

export function allSamples(): { entry: CatalogEntry; message: Record<string, unknown> }[] {
  return CATALOG.map((entry) => ({ entry, message: sampleMessage(entry) }));
}
