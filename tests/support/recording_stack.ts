/**
 * The recording tests' shared set-up: two monitors of different sizes (Xvfb with two
 * screens), the stack (reference AgentServer + the real agent) with the agent registered, and
 * helpers to send AgentServer commands and read the parts the agent's file sink wrote.
 */
import { type Stack, startStack } from "../../src/platform/workplace/stack.ts";
import type { PartRecord } from "../../src/recording/file_sink.ts";
import { assertEquals } from "../../src/testing/assert.ts";
import { connectWs2, isState } from "../../src/testing/ws2_client.ts";
import { startXvfb, type Xvfb } from "../../src/testing/xvfb.ts";

export const ORIGIN = "https://workplace.example.com";
export const USER = "7d1e2c3b-4a5f-4e6d-8c9b-0a1b2c3d4e5f";
export const FPS = 5;
export const FRAME_MS = 1000 / FPS;
export const SIZES = ["1280x720", "800x600"] as const;

export const sleep = (ms: number): Promise<unknown> => new Promise((r) => setTimeout(r, ms));

export async function withRecordingStack(
  body: (s: Stack, x: Xvfb) => Promise<void>,
  env: Record<string, string> = {},
): Promise<void> {
  const xvfb = await startXvfb([...SIZES]);
  const stack = await startStack({
    allowedOrigins: [ORIGIN],
    agentEnv: { DISPLAY: xvfb.display, AGENT_HELPER_CAPTURE_FRAME_RATE: String(FPS), ...env },
  });
  try {
    await stack.agent.ffmpegProbed;
    const page = await connectWs2(stack.ws2Port, ORIGIN);
    const token = await stack.agentServer.issueToken(USER);
    await page.request("agentOpenConnect", {
      agentServerURI: stack.agentServer.wss3Url,
      JWTToken: token,
      userID: USER,
      retryDelay: "1",
    });
    await page.waitFor(isState("active"));
    await stack.agentServer.waitForState(USER, "active");
    page.close();
    await body(stack, xvfb);
  } finally {
    await stack.stop();
    await xvfb.stop();
  }
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

export function recordingsDir(s: Stack): string {
  return `${s.spoolDir}/recordings`;
}

export async function partRecords(s: Stack): Promise<Map<string, PartRecord>> {
  const records = new Map<string, PartRecord>();
  for await (const e of Deno.readDir(recordingsDir(s))) {
    if (!e.name.endsWith(".mp4.json")) continue;
    const r = JSON.parse(await Deno.readTextFile(`${recordingsDir(s)}/${e.name}`)) as PartRecord;
    records.set(r.header.fileName, r);
  }
  return records;
}

export function newRecBatches(s: Stack): Record<string, unknown>[] {
  return s.agentServer.messages
    .filter((m) => m.direction === "in" && m.action === "newRecBatch")
    .map((m) => (m.message as { data: Record<string, unknown> }).data);
}
