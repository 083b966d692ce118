/**
 * Stopping the agent as a service manager does (issue 9): SIGTERM while it records two
 * monitors and a command is in flight. The agent must answer the command, finish every part
 * (complete, not "interrupted"), upload them, close its registration, leave no ffmpeg behind,
 * and exit 0 within a bounded time.
 */
import {
  startAgentProcess,
  startRecordingWhenReady,
  storedWhenUploaded,
} from "../src/testing/agent_process.ts";
import { assert, assertEquals } from "../src/testing/assert.ts";
import { alive, childProcesses } from "../src/testing/ffprobe.ts";
import { startXvfb } from "../src/testing/xvfb.ts";

Deno.test({
  name: "shutdown: SIGTERM mid-recording answers, finishes and uploads every part, exits 0",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const xvfb = await startXvfb(["1280x720", "800x600"]);
    const agent = await startAgentProcess({ display: xvfb.display });
    try {
      await startRecordingWhenReady(agent, { segmentId: "term" });
      await new Promise((r) => setTimeout(r, 4_000));
      const encoders = childProcesses(agent.pid);
      assertEquals(encoders.length, 2);
      const pending = agent.command("getDisplayInfo", {});
      const t0 = Date.now();
      agent.kill("SIGTERM");
      assertEquals((await pending).result, "success", "the command in flight was answered");
      const status = await agent.exited;
      const took = Date.now() - t0;
      assertEquals(status.code, 0);
      assert(took < 15_000, `stopped in ${took} ms`);
      assert(!encoders.some(alive), "no ffmpeg left");
      await agent.agentServer.waitForState(agent.userID, "inactive");
      const stored = await storedWhenUploaded(agent, 2, 10_000);
      assertEquals(stored.map((r) => r.fileName).sort(), ["term.d0.p0.mp4", "term.d1.p0.mp4"]);
      for (const r of stored) {
        assertEquals(r.summary?.incompleteReason, null, `${r.fileName} finished, not cut`);
        assert((r.summary?.frames ?? 0) >= 15, `${r.fileName}: ${r.summary?.frames} frames`);
      }
    } finally {
      await agent.stop();
      await xvfb.stop();
    }
  },
});
