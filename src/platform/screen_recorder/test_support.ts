/**
 * Test-only helpers for the ScreenRecorder: sample Headers (stored form and proto form), file
 * contents that differ at every offset, and a SHA-256. Not exported from mod.ts.
 */
import { create } from "@bufbuild/protobuf";
import { createHash } from "node:crypto";
import {
  type Header,
  HeaderSchema,
} from "../../proto/agenthelper/screenrecorder/v1/screen_recorder_pb.ts";
import type { RecordingHeader } from "./header.ts";

export function sampleHeader(overrides: Partial<RecordingHeader> = {}): RecordingHeader {
  return {
    fileName: "seg-1.d0.p0.mp4",
    tenantId: "tenant-1",
    operatorId: "op-1",
    sessionId: "sess-1",
    segmentId: "seg-1",
    interactionId: "int-1",
    workItemIds: ["w1", "w2"],
    display: { index: 0, name: "DP-1", x: 0, y: 0, width: 1920, height: 1080 },
    part: 0,
    cause: "segmentStart",
    codec: "h264",
    container: "fmp4",
    encoder: "libx264",
    captureBackend: "x11grab",
    frameRate: 15,
    startedAtUnixMs: 1_790_000_000_000,
    offsetMs: 0,
    ...overrides,
  };
}

/** The proto Header carrying the same values as `sampleHeader(overrides)`. */
export function sampleProtoHeader(overrides: Partial<RecordingHeader> = {}): Header {
  const h = sampleHeader(overrides);
  return create(HeaderSchema, {
    ...h,
    workItemIds: [...h.workItemIds],
    display: h.display ?? undefined,
    startedAtUnixMs: BigInt(h.startedAtUnixMs),
    offsetMs: BigInt(h.offsetMs),
  });
}

/** `size` bytes where (nearly) every offset holds a different value than its neighbours. */
export function patternBytes(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(bytes).digest());
}

/** Resolves after `ms` of real time (for waiting on a real server, never on a FakeClock). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true, failing after `timeoutMs`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}
