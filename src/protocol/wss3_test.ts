import { assert, assertEquals } from "../testing/assert.ts";
import { buildMessage, parseInbound } from "./catalog.ts";
import { agentHelperInfo, newRecBatch, resultGetDisplayInfo, streamBlob } from "./wss3.ts";
import { SAMPLE_DATA } from "./samples.ts";

const wire = (action: string, data?: unknown) =>
  JSON.stringify(
    data === undefined ? { action, version: "1.0" } : { action, version: "1.0", data },
  );

const written = <S extends { safeParse(v: unknown): { success: boolean } }>(
  schema: S,
  action: string,
  data: unknown,
) => schema.safeParse({ action, version: "1.0", data }).success;

Deno.test("startScreenRecord: only segmentId is required; absent params keep the config's", () => {
  const minimal = parseInbound("wss3", wire("startScreenRecord", { segmentId: "seg-1" }));
  assert(minimal.ok && minimal.message.action === "startScreenRecord");
  assertEquals(minimal.message.data, { segmentId: "seg-1" });
  assert(!parseInbound("wss3", wire("startScreenRecord", {})).ok);
  assert(!parseInbound("wss3", wire("startScreenRecord")).ok);
  const full = parseInbound(
    "wss3",
    wire("startScreenRecord", SAMPLE_DATA["wss3.startScreenRecord"]),
  );
  assert(full.ok);
  assertEquals(full.message.data, SAMPLE_DATA["wss3.startScreenRecord"]);
});

Deno.test("recording params: frame rate 1-30, quality per display once, keyframes 0.2-60 s", () => {
  const at = (params: unknown) =>
    parseInbound("wss3", wire("restartScreenRecord", { segmentId: "s2", params }));
  for (
    const ok of [{ frameRate: 1 }, { frameRate: 30 }, { keyframeIntervalSec: 0.2 }, { quality: [] }]
  ) {
    assert(at(ok).ok, JSON.stringify(ok));
  }
  for (
    const bad of [
      { frameRate: 0 },
      { frameRate: 31 },
      { keyframeIntervalSec: 0.1 },
      { keyframeIntervalSec: 61 },
      { quality: [{ display: 0 }, { display: 0 }] },
      { quality: [{ crf: 20 }] },
      { quality: [{ display: 0, maxBitrateKbps: -1 }] },
      { screenServer: "" },
    ]
  ) {
    assert(!at(bad).ok, JSON.stringify(bad));
  }
});

Deno.test("commands whose data is optional read without data", () => {
  for (
    const action of [
      "stopScreenRecord",
      "pauseScreenRecord",
      "resumeScreenRecord",
      "getDisplayInfo",
      "closeRegistration",
    ]
  ) {
    const parsed = parseInbound("wss3", wire(action));
    assert(parsed.ok, action);
    assertEquals(parsed.message.data, {}, action);
  }
  for (
    const action of [
      "startScreenRecord",
      "restartScreenRecord",
      "startStream",
      "stopStream",
      "setLogLevel",
    ]
  ) {
    assert(!parseInbound("wss3", wire(action)).ok, action);
  }
});

Deno.test("startStream needs a stream and a display; stopStream a stream", () => {
  assert(parseInbound("wss3", wire("startStream", { streamId: "v1", display: 0 })).ok);
  assert(!parseInbound("wss3", wire("startStream", { streamId: "v1" })).ok);
  assert(
    !parseInbound("wss3", wire("startStream", { streamId: "v1", display: 0, frameRate: 60 })).ok,
  );
  assert(parseInbound("wss3", wire("stopStream", { streamId: "v1", display: 2 })).ok);
  assert(!parseInbound("wss3", wire("stopStream", { display: 2 })).ok);
});

Deno.test("agentHelperInfo: the helper always writes its version, OS, displays and capabilities", () => {
  const full = SAMPLE_DATA["wss3.agentHelperInfo"];
  assert(written(agentHelperInfo.writer, "agentHelperInfo", full));
  for (const key of ["versionAgentHelper", "osVersion", "displays", "capabilities"]) {
    const { [key]: _, ...rest } = full as Record<string, unknown>;
    assert(!written(agentHelperInfo.writer, "agentHelperInfo", rest), key);
  }
  const { computerName: _, realComputerName: __, ...noNames } = full;
  assert(written(agentHelperInfo.writer, "agentHelperInfo", noNames));
});

Deno.test("newRecBatch: spec fields first, upload fields required, reason only on error", () => {
  const ok = SAMPLE_DATA["wss3.newRecBatch"];
  assertEquals(Object.keys(buildMessage("wss3", "newRecBatch", ok).data), [
    "result",
    "fileName",
    "segmentId",
    "display",
    "part",
  ]);
  assert(!written(newRecBatch.writer, "newRecBatch", { ...ok, result: "error" }));
  assert(
    written(newRecBatch.writer, "newRecBatch", { ...ok, result: "error", resultDesc: "spoolFull" }),
  );
  assert(!written(newRecBatch.writer, "newRecBatch", { ...ok, resultDesc: "x" }));
  assert(!written(newRecBatch.writer, "newRecBatch", { result: "success", fileName: "f" }));
});

Deno.test("resultGetDisplayInfo: displays on success only", () => {
  const displays = (SAMPLE_DATA["wss3.resultGetDisplayInfo"] as { displays: unknown }).displays;
  assert(
    written(resultGetDisplayInfo.writer, "resultGetDisplayInfo", { result: "success", displays }),
  );
  assert(
    written(resultGetDisplayInfo.writer, "resultGetDisplayInfo", {
      result: "success",
      displays: [],
    }),
  );
  assert(!written(resultGetDisplayInfo.writer, "resultGetDisplayInfo", { result: "success" }));
  assert(
    !written(resultGetDisplayInfo.writer, "resultGetDisplayInfo", {
      result: "error",
      resultDesc: "x",
      displays,
    }),
  );
});

Deno.test("streamBlob: base64 payload, stream and sequence when written; the source's form read", () => {
  const blob = { payload: "AAECAw==", streamId: "v1", seq: 3 };
  assert(written(streamBlob.writer, "streamBlob", blob));
  assert(written(streamBlob.writer, "streamBlob", { ...blob, payload: "" }));
  for (const payload of ["AAECAw=", "A", "массив байт", "AA==AA=="]) {
    assert(!written(streamBlob.writer, "streamBlob", { ...blob, payload }), payload);
  }
  assert(!written(streamBlob.writer, "streamBlob", { ...blob, seq: -1 }));
  assert(!written(streamBlob.writer, "streamBlob", { payload: "AAAA" }));
  const read = parseInbound("wss3", wire("streamBlob", { payload: "массив байт" }), "agentServer");
  assert(read.ok);
});
