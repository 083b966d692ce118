/**
 * The recording tests' shared set-up: two monitors of different sizes (Xvfb with two
 * screens), the stack (reference AgentServer and ScreenRecorder + the real agent) with the agent
 * registered, and helpers to send AgentServer commands and read the parts the ScreenRecorder
 * stored.
 */
import type { RecordingListing } from "../../src/platform/screen_recorder/http_app.ts";
import type { RecorderMode } from "../../src/platform/workplace/platform_recorder.ts";
import { type Stack, startStack } from "../../src/platform/workplace/stack.ts";
import { assert, assertEquals } from "../../src/testing/assert.ts";
import { connectWs2, isState } from "../../src/testing/ws2_client.ts";
import { startXvfb, type Xvfb } from "../../src/testing/xvfb.ts";

export const ORIGIN = "https://workplace.example.com";
export const USER = "7d1e2c3b-4a5f-4e6d-8c9b-0a1b2c3d4e5f";
export const FPS = 5;
export const FRAME_MS = 1000 / FPS;
export const SIZES = ["1280x720", "800x600"] as const;

export const sleep = (ms: number): Promise<unknown> => new Promise((r) => setTimeout(r, ms));

export interface RecordingStackOptions {
  /** More AGENT_HELPER_* variables. */
  readonly env?: Record<string, string>;
  readonly recorderMode?: RecorderMode;
  /** More ScreenRecorder addresses the agent may upload to (e.g. a proxy's). */
  readonly recorderHosts?: readonly string[];
}

export async function withRecordingStack(
  body: (s: Stack, x: Xvfb) => Promise<void>,
  options: RecordingStackOptions = {},
): Promise<void> {
  const xvfb = await startXvfb([...SIZES]);
  const stack = await startStack({
    allowedOrigins: [ORIGIN],
    ...(options.recorderMode ? { recorderMode: options.recorderMode } : {}),
    ...(options.recorderHosts ? { screenRecorderHosts: options.recorderHosts } : {}),
    agentEnv: {
      DISPLAY: xvfb.display,
      AGENT_HELPER_CAPTURE_FRAME_RATE: String(FPS),
      ...options.env,
    },
  });
  try {
    await register(stack);
    await body(stack, xvfb);
  } finally {
    await stack.stop();
    await xvfb.stop();
  }
}

/** Registers USER as the web workplace does (again after an agent restart). */
export async function register(stack: Stack): Promise<void> {
  await stack.agent.ffmpegProbed;
  const since = Date.now();
  const page = await connectWs2(stack.ws2Port, ORIGIN);
  const token = await stack.agentServer.issueToken(USER);
  await page.request("agentOpenConnect", {
    agentServerURI: stack.agentServer.wss3Url,
    screenServer: stack.screenRecorder.address,
    JWTToken: token,
    userID: USER,
    retryDelay: "1",
  });
  await page.waitFor(isState("active"));
  await stack.agentServer.waitForStateChange(
    (c) => c.userID === USER && c.state === "active" && c.at >= since,
  );
  page.close();
}

export interface Reply {
  action: string;
  transaction?: string;
  data: { result: string; resultDesc?: string };
}

export async function command(s: Stack, action: string, data: unknown): Promise<Reply> {
  const reply = await s.agentServer.sendCommandUnchecked(USER, action as never, data, {
    timeoutMs: 20_000,
  });
  return reply as unknown as {
    action: string;
    transaction?: string;
    data: { result: string; resultDesc?: string };
  };
}

/** Sends a command that must succeed; the times it was sent and answered. */
export async function expectOk(
  s: Stack,
  action: string,
  data: unknown,
): Promise<{ sent: number; answered: number }> {
  const sent = Date.now();
  const r = await command(s, action, data);
  assertEquals(r.data, { result: "success" }, `${action}: ${JSON.stringify(r)}`);
  return { sent, answered: Date.now() };
}

/** A part as the ScreenRecorder stored it, with a local copy of its bytes for ffprobe. */
export interface StoredPart {
  readonly listing: RecordingListing;
  readonly header: RecordingListing["header"] & { readonly startedAt: number };
  /** What the agent's Finish said; absent while unfinished. */
  readonly summary?: {
    readonly sha256: string;
    readonly bytes: number;
    readonly frames: number;
    readonly durationMs: number;
    readonly endedAt: number;
    readonly incompleteReason: string | null;
  };
  /** The downloaded bytes. */
  readonly file: string;
}

/**
 * Waits until the agent has uploaded every part it holds (at most `timeoutMs`), then lists and
 * downloads what the ScreenRecorder stored.
 */
export async function storedParts(s: Stack, timeoutMs = 30_000): Promise<Map<string, StoredPart>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const drained = await Promise.race([
    s.agent.upload.uploader.drained().then(() => true),
    new Promise<false>((r) => (timer = setTimeout(() => r(false), timeoutMs))),
  ]);
  clearTimeout(timer);
  assert(drained, `uploads still running: ${JSON.stringify(s.agent.upload.uploader.status())}`);
  const dir = await Deno.makeTempDir({ dir: s.dir, prefix: "stored-" });
  const parts = new Map<string, StoredPart>();
  for (const listing of await s.screenRecorder.list()) {
    const file = `${dir}/${listing.fileName}`;
    await Deno.writeFile(file, await s.screenRecorder.read(listing.fileName));
    const sum = listing.summary;
    parts.set(listing.fileName, {
      listing,
      header: { ...listing.header, startedAt: listing.header.startedAtUnixMs },
      ...(listing.finished && sum && listing.sha256 !== null && listing.size !== null
        ? {
          summary: {
            sha256: listing.sha256,
            bytes: listing.size,
            frames: sum.frames,
            durationMs: sum.durationMs,
            endedAt: sum.endedAtUnixMs,
            incompleteReason: sum.incompleteReason,
          },
        }
        : {}),
      file,
    });
  }
  return parts;
}

export function newRecBatches(s: Stack): Record<string, unknown>[] {
  return s.agentServer.messages
    .filter((m) => m.direction === "in" && m.action === "newRecBatch")
    .map((m) => (m.message as { data: Record<string, unknown> }).data);
}
