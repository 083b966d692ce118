/**
 * `demo`'s recording script, as AgentServer drives it during a call: start → restart (a new
 * segment) → pause → resume → stop, spread over the demo's length. Prints a line per command
 * with the time and the bytes the ScreenRecorder holds, and a progress line while it waits.
 */
import type { Stack } from "../platform/workplace/stack.ts";
import { DEMO_USER } from "./demo_session.ts";

export interface ScriptStep {
  readonly action:
    | "startScreenRecord"
    | "restartScreenRecord"
    | "pauseScreenRecord"
    | "resumeScreenRecord"
    | "stopScreenRecord";
  readonly data: Readonly<Record<string, unknown>>;
  /** How long the demo waits after the reply, ms. */
  readonly thenWaitMs: number;
}

export const DEMO_INTERACTION = "demo-call-1";
export const DEMO_SEGMENTS = ["demo-seg-1", "demo-seg-2"] as const;

/** The script for `seconds` in all (pure). */
export function demoScript(seconds: number): ScriptStep[] {
  const ms = (share: number) => Math.round(seconds * 1000 * share);
  const [first, second] = DEMO_SEGMENTS;
  return [
    {
      action: "startScreenRecord",
      data: { segmentId: first, interactionId: DEMO_INTERACTION, workItemIds: ["demo-wi-1"] },
      thenWaitMs: ms(0.3),
    },
    {
      action: "restartScreenRecord",
      data: { segmentId: second, interactionId: DEMO_INTERACTION, workItemIds: ["demo-wi-1"] },
      thenWaitMs: ms(0.3),
    },
    { action: "pauseScreenRecord", data: { reason: "card details" }, thenWaitMs: ms(0.15) },
    { action: "resumeScreenRecord", data: {}, thenWaitMs: ms(0.25) },
    { action: "stopScreenRecord", data: { segmentId: second }, thenWaitMs: 0 },
  ];
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Bytes the ScreenRecorder has made durable, over every recording. */
export async function storedBytes(stack: Stack): Promise<number> {
  const listing = await stack.screenRecorder.list().catch(() => []);
  return listing.reduce((a, r) => a + r.committed, 0);
}

/** Runs the script; true when every command succeeded. */
export async function runRecordingScript(
  stack: Stack,
  steps: readonly ScriptStep[],
  out: (line: string) => void,
): Promise<boolean> {
  const t0 = Date.now();
  const stamp = () => `[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s]`;
  let ok = true;
  for (const step of steps) {
    const reply = await stack.agentServer.sendCommand(DEMO_USER, step.action, step.data as never, {
      timeoutMs: 30_000,
    });
    const data = reply.data as { result: string; resultDesc?: string };
    ok &&= data.result === "success";
    const segment = typeof step.data.segmentId === "string" ? ` ${step.data.segmentId}` : "";
    out(
      `  ${stamp()} ${step.action}${segment}: ${data.result}${
        data.resultDesc ? ` (${data.resultDesc})` : ""
      }; recorder holds ${formatBytes(await storedBytes(stack))}`,
    );
    if (data.result !== "success") return false;
    // A progress line every 5 s of a long wait.
    for (let left = step.thenWaitMs; left > 0;) {
      const slice = Math.min(left, 5_000);
      await sleep(slice);
      left -= slice;
      if (left > 0) {
        const status = stack.agent.status() as { recording?: { state?: string } };
        out(
          `  ${stamp()} … ${status.recording?.state ?? "?"}; recorder holds ${
            formatBytes(await storedBytes(stack))
          }`,
        );
      }
    }
  }
  return ok;
}
