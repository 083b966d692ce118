/**
 * Recording when things go wrong, with the real agent, real ffmpeg and a real X display:
 * ffmpeg killed mid-segment, commands in every wrong order, a monitor that does not exist,
 * ffmpeg missing, and the agent itself killed (no ffmpeg may survive it).
 */
import { startReferenceAgentServer } from "../src/platform/agent_server/mod.ts";
import { makeTestPki } from "../src/platform/pki/test_pki.ts";
import { assert, assertEquals, assertMatch } from "../src/testing/assert.ts";
import { alive, childProcesses, decodeErrors, probeVideo } from "../src/testing/ffprobe.ts";
import { connectWs2, isState } from "../src/testing/ws2_client.ts";
import { startXvfb } from "../src/testing/xvfb.ts";
import {
  command,
  expectOk,
  partRecords,
  recordingsDir,
  sleep,
  withRecordingStack,
} from "./support/recording_stack.ts";

const real = { sanitizeResources: false, sanitizeOps: false };

async function waitUntil(what: string, check: () => boolean, ms = 10_000): Promise<number> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
  return Date.now() - start;
}

Deno.test({
  name: "recording: ffmpeg killed mid-segment is back within 2 s as a new, announced part",
  ...real,
  async fn() {
    await withRecordingStack(async (s) => {
      await expectOk(s, "startScreenRecord", { segmentId: "seg-k" });
      await sleep(3_000);
      const before = s.agent.recorder.status().monitors.find((m) => m.display === 0);
      assert(before?.pid, "display 0 has an ffmpeg");
      const batches = () =>
        s.agentServer.messages.filter((m) =>
          m.direction === "in" && m.action === "newRecBatch" &&
          (m.message as { data: { fileName: string } }).data.fileName === "seg-k.d0.p1.mp4"
        );
      Deno.kill(before.pid, "SIGKILL");
      const took = await waitUntil("part 1 of display 0", () => batches().length > 0, 5_000);
      assert(took <= 2_000, `new part announced ${took} ms after the kill`);
      const after = s.agent.recorder.status().monitors.find((m) => m.display === 0);
      assert(after?.pid && after.pid !== before.pid && alive(after.pid));
      await sleep(3_000);
      await expectOk(s, "stopScreenRecord", {});
      const records = await partRecords(s);
      const killed = records.get("seg-k.d0.p0.mp4");
      const restarted = records.get("seg-k.d0.p1.mp4");
      assertEquals(restarted?.header.cause, "encoderRestart");
      // The killed run's part keeps every whole fragment it wrote and plays to its end.
      for (const r of [killed, restarted, records.get("seg-k.d1.p0.mp4")]) {
        assert(r?.summary, `${r?.header.fileName} finished`);
        const file = `${recordingsDir(s)}/${r.header.fileName}`;
        assertEquals(await decodeErrors(file), "");
        assertEquals((await probeVideo(file)).frames, r.summary.frames);
      }
      assert(killed!.summary!.frames >= 10, "the killed run's fragments were kept");
      // Display 1 was not disturbed: one part for the whole segment.
      assertEquals(records.has("seg-k.d1.p1.mp4"), false);
    });
  },
});

Deno.test({
  name: "recording: commands in every wrong order are answered with errors, and no ffmpeg is left",
  ...real,
  async fn() {
    await withRecordingStack(async (s, x) => {
      const encoders = () => childProcesses(Deno.pid, "ffmpeg", `${x.display}.`);
      const refused = async (action: string, data: unknown, code: string) => {
        const r = await command(s, action, data);
        assertEquals(r.data.result, "error", `${action}: ${JSON.stringify(r)}`);
        assertMatch(r.data.resultDesc ?? "", new RegExp(`^${code}: `));
        assert(r.transaction, "the reply carries the transaction");
      };
      for (const a of ["stopScreenRecord", "pauseScreenRecord", "resumeScreenRecord"]) {
        await refused(a, {}, "notRecording");
      }
      await refused("restartScreenRecord", { segmentId: "x" }, "notRecording");
      await refused("startScreenRecord", { segmentId: "bad", displays: [7] }, "unknownDisplay");
      assertEquals(encoders(), [], "a refused start leaves no ffmpeg");

      await expectOk(s, "startScreenRecord", { segmentId: "w1" });
      await refused("startScreenRecord", { segmentId: "w2" }, "alreadyRecording");
      await refused("resumeScreenRecord", {}, "notPaused");
      await refused("restartScreenRecord", { segmentId: "w1" }, "sameSegment");
      await refused("stopScreenRecord", { segmentId: "other" }, "segmentMismatch");
      await expectOk(s, "pauseScreenRecord", {});
      assertEquals(encoders(), [], "paused: nothing captures");
      await refused("pauseScreenRecord", {}, "alreadyPaused");
      await refused("startScreenRecord", { segmentId: "w3" }, "alreadyRecording");
      await expectOk(s, "resumeScreenRecord", {});
      assertEquals(encoders().length, 2, "one ffmpeg per monitor");
      await expectOk(s, "stopScreenRecord", { segmentId: "w1" });
      await refused("stopScreenRecord", {}, "notRecording");
      assertEquals(encoders(), [], "stopped: no ffmpeg left");

      // Only the selected monitor is recorded.
      await expectOk(s, "startScreenRecord", { segmentId: "only1", displays: [1] });
      assertEquals(s.agent.recorder.status().monitors.map((m) => m.display), [1]);
      await expectOk(s, "stopScreenRecord", {});
      assertEquals(encoders(), []);
    });
  },
});

Deno.test({
  name: "recording: without a usable ffmpeg, start is refused with the reason and the fix",
  ...real,
  async fn() {
    await withRecordingStack(async (s) => {
      const r = await command(s, "startScreenRecord", { segmentId: "nf" });
      assertEquals(r.data.result, "error");
      assertMatch(r.data.resultDesc ?? "", /^ffmpegUnavailable: .*nowhere\/ffmpeg/);
      assertEquals(s.agent.recorder.status().state, "idle");
    }, { AGENT_HELPER_FFMPEG_PATH: "/nowhere/ffmpeg" });
  },
});

Deno.test({
  name: "recording: no ffmpeg outlives an agent killed with SIGKILL",
  ...real,
  async fn() {
    const xvfb = await startXvfb(["640x480", "800x600"]);
    const pki = await makeTestPki({ hosts: ["localhost", "127.0.0.1"] });
    const dir = await Deno.makeTempDir({ prefix: "ah-kill-" });
    await Deno.writeTextFile(`${dir}/ca.pem`, pki.caPem);
    const ags = startReferenceAgentServer({}, { cert: pki.certPem, key: pki.keyPem });
    const ws2Port = 20_000 + Math.floor(Math.random() * 20_000);
    const origin = "https://workplace.example.com";
    const agent = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "main.ts", "run"],
      cwd: new URL("..", import.meta.url).pathname,
      clearEnv: true,
      env: {
        PATH: Deno.env.get("PATH") ?? "",
        HOME: dir,
        DISPLAY: xvfb.display,
        AGENT_HELPER_WS2_PORT: String(ws2Port),
        AGENT_HELPER_HTTP_PORT: "0",
        AGENT_HELPER_WS2_ALLOWED_ORIGINS: origin,
        AGENT_HELPER_SERVERS_AGENT_SERVER_HOSTS: `localhost:${ags.port}`,
        AGENT_HELPER_SERVERS_CA_BUNDLE: `${dir}/ca.pem`,
        AGENT_HELPER_LOG_DIRECTORY: `${dir}/logs`,
        AGENT_HELPER_LOG_CONSOLE: "false",
        AGENT_HELPER_SPOOL_DIRECTORY: `${dir}/spool`,
      },
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      const user = "0b9e8d7c-6a5f-4e3d-9c2b-1a0f9e8d7c6b";
      let page;
      for (let i = 0; !page; i++) {
        try {
          page = await connectWs2(ws2Port, origin);
        } catch (e) {
          if (i > 100) throw e;
          await sleep(100);
        }
      }
      await page.request("agentOpenConnect", {
        agentServerURI: ags.wss3Url,
        JWTToken: await ags.issueToken(user),
        userID: user,
        retryDelay: "1",
      });
      await page.waitFor(isState("active"), 15_000);
      page.close();
      await ags.waitForState(user, "active");
      // The ffmpeg probe may still run: retry the start until the agent has an ffmpeg.
      let started = false;
      for (let i = 0; !started; i++) {
        const r = await ags.sendCommand(user, "startScreenRecord", { segmentId: "k9" });
        started = (r as { data: { result: string } }).data.result === "success";
        if (!started && i > 50) throw new Error(JSON.stringify(r));
        if (!started) await sleep(200);
      }
      await waitUntil("two encoders", () => childProcesses(agent.pid).length === 2);
      const encoders = childProcesses(agent.pid);
      agent.kill("SIGKILL");
      await agent.status;
      // ffmpeg ignores SIGPIPE: its next write to the dead agent's pipe fails and it exits,
      // within one fragment (2 s keyframe interval).
      const took = await waitUntil(
        "the orphaned encoders to exit",
        () => !encoders.some(alive),
        8_000,
      );
      assert(took <= 5_000, `encoders gone ${took} ms after the agent`);
    } finally {
      try {
        agent.kill("SIGKILL");
      } catch { /* already dead */ }
      await agent.status;
      await ags.stop();
      await xvfb.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
