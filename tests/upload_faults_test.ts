/**
 * Uploading when things break (issue 6), each on a real two-monitor recording under Xvfb with
 * real ffmpeg, the real agent and the reference ScreenRecorder over real TLS gRPC: the
 * recorder killed with SIGKILL ten times during a three-minute recording; the connection cut,
 * held and reset by a TCP proxy; the agent itself killed with SIGKILL and started again. Every
 * time the stored objects must be byte-identical to what the encoders produced (the agent
 * hashes the encoder's bytes; the spool and then the recorder check that hash against what
 * they hold; here the downloaded bytes are hashed again), nothing lost or duplicated, and every
 * file must play to its end with the frames the agent counted.
 */
import {
  startAgentProcess,
  startRecordingWhenReady,
  storedWhenUploaded,
} from "../src/testing/agent_process.ts";
import { assert, assertEquals, assertMatch } from "../src/testing/assert.ts";
import { decodeErrors, probeVideo, sha256File } from "../src/testing/ffprobe.ts";
import { freePort } from "../src/testing/free_port.ts";
import type { Stack } from "../src/platform/workplace/stack.ts";
import { startTcpProxy } from "../src/testing/tcp_proxy.ts";
import { startXvfb } from "../src/testing/xvfb.ts";
import { getLogger } from "@logtape/logtape";
import { createHash } from "node:crypto";
import { createSpool } from "../src/spool/spool.ts";
import { samplePartHeader } from "../src/testing/part_header.ts";
import {
  expectOk,
  FPS,
  newRecBatches,
  register,
  sleep,
  type StoredPart,
  storedParts,
  USER,
  withRecordingStack,
} from "./support/recording_stack.ts";

const real = { sanitizeResources: false, sanitizeOps: false };

/** Every part complete, byte-identical and playable; the agent's spool empty. */
async function checkComplete(s: Stack, parts: Map<string, StoredPart>, names: string[]) {
  assertEquals([...parts.keys()].sort(), names.sort());
  for (const p of parts.values()) {
    const sum = p.summary;
    assert(sum, `${p.listing.fileName} finished: ${JSON.stringify(p.listing)}`);
    assertEquals(sum.incompleteReason, null, `${p.listing.fileName} complete`);
    assertEquals((await Deno.stat(p.file)).size, sum.bytes, "size as the agent sent it");
    assertEquals(await sha256File(p.file), sum.sha256, "the encoder's SHA-256");
    assertEquals(await decodeErrors(p.file), "", `${p.listing.fileName} plays to its end`);
    const v = await probeVideo(p.file);
    assertEquals(v.frames, sum.frames, `${p.listing.fileName}: frames as counted`);
    assert(Math.abs(v.frames - (FPS * sum.durationMs) / 1000) <= 1, "constant frame rate");
  }
  assertEquals(s.agent.upload.spool.usedBytes(), 0, "the spool holds nothing any more");
  assertEquals(s.agent.upload.uploader.status().files, 0);
}

Deno.test({
  name: "upload: the recorder killed with SIGKILL ten times during a 3-minute recording",
  ...real,
  async fn() {
    await withRecordingStack(async (s) => {
      const t0 = Date.now();
      await expectOk(s, "startScreenRecord", { segmentId: "k10", interactionId: "call-k" });
      for (let i = 0; i < 10; i++) {
        await sleep(11_000 + (i % 3) * 1_000);
        await s.screenRecorder.kill();
        // Down for 0.5 to 4 s: short enough to land inside a backoff, long enough to span one.
        await sleep(500 + (i % 4) * 1_200);
        await s.screenRecorder.start();
      }
      await sleep(Math.max(0, 180_000 - (Date.now() - t0)));
      const { answered } = await expectOk(s, "stopScreenRecord", {});
      const parts = await storedParts(s, 60_000);
      await checkComplete(s, parts, ["k10.d0.p0.mp4", "k10.d1.p0.mp4"]);
      // Each kill broke both monitors' streams, and each resumed; /metrics says so too.
      const totals = s.agent.upload.uploader.status().totals;
      assert(totals.breaks >= 10 && totals.calls > totals.breaks, JSON.stringify(totals));
      assertEquals(totals.stored, 2);
      const metrics = await (await fetch(`http://127.0.0.1:${s.agent.httpPort}/metrics`)).text();
      assertMatch(metrics, new RegExp(`^agent_helper_upload_breaks_total ${totals.breaks}$`, "m"));
      for (const p of parts.values()) {
        const expected = (FPS * (answered - t0)) / 1000;
        assert(
          Math.abs(p.summary!.frames - expected) <= 3,
          `${p.summary!.frames} frames in a ${expected / FPS} s recording`,
        );
      }
    }, { recorderMode: "process" });
  },
});

Deno.test({
  name: "upload: connections cut, held and reset by a proxy, and a refused reconnect",
  ...real,
  async fn() {
    const proxyPort = freePort();
    await withRecordingStack(async (s) => {
      const proxy = await startTcpProxy({
        target: { hostname: "127.0.0.1", port: s.screenRecorder.grpcPort },
        port: proxyPort,
      });
      try {
        // The command names the recorder (through the proxy): parts go there.
        await expectOk(s, "startScreenRecord", {
          segmentId: "px",
          params: { screenServer: `localhost:${proxyPort}` },
        });
        await sleep(5_000);
        assert(proxy.accepted >= 1, "the upload goes through the proxy");
        proxy.cut();
        await sleep(5_000);
        proxy.reset();
        await sleep(5_000);
        // A black hole longer than the keepalive: the agent must notice and dial again.
        proxy.hold();
        const acceptedBeforeHold = proxy.accepted;
        await sleep(25_000);
        assert(proxy.accepted > acceptedBeforeHold, "a dead connection was noticed");
        proxy.release();
        proxy.refuse(true);
        proxy.reset();
        await sleep(4_000);
        assert(proxy.refused >= 1, "reconnects were refused");
        proxy.refuse(false);
        await sleep(5_000);
        await expectOk(s, "restartScreenRecord", { segmentId: "px2" });
        await sleep(3_000);
        proxy.reset();
        await sleep(3_000);
        await expectOk(s, "stopScreenRecord", {});
        const parts = await storedParts(s, 60_000);
        await checkComplete(s, parts, [
          "px.d0.p0.mp4",
          "px.d1.p0.mp4",
          "px2.d0.p0.mp4",
          "px2.d1.p0.mp4",
        ]);
        assert(proxy.buffered < 4 * 1024 * 1024, `proxy holds ${proxy.buffered} bytes`);
        const totals = s.agent.upload.uploader.status().totals;
        assert(totals.breaks >= 4, `cut, reset, hold, reset: ${JSON.stringify(totals)}`);
      } finally {
        await proxy.close();
      }
    }, { recorderHosts: [`localhost:${proxyPort}`] });
  },
});

Deno.test({
  name: "upload: the agent killed with SIGKILL uploads what its spool held once started again",
  ...real,
  async fn() {
    const xvfb = await startXvfb(["1280x720", "800x600"]);
    const agent = await startAgentProcess({
      display: xvfb.display,
      env: { AGENT_HELPER_CAPTURE_FRAME_RATE: String(FPS) },
    });
    try {
      // The recorder is down while the agent records, so the spool holds everything.
      await agent.screenRecorder.stop();
      const t0 = Date.now();
      await startRecordingWhenReady(agent, { segmentId: "a9" });
      await sleep(8_000);
      const tKill = Date.now();
      agent.kill("SIGKILL");
      await agent.exited;
      await agent.screenRecorder.start();
      await agent.restart();
      // The restarted agent records the same segment again (as AgentServer may ask), into
      // new part numbers, and uploads the previous run's parts meanwhile.
      await startRecordingWhenReady(agent, { segmentId: "a9" });
      await sleep(4_000);
      assertEquals((await agent.command("stopScreenRecord", {})).result, "success");
      const listing = await storedWhenUploaded(agent, 4, 60_000);
      assertEquals(listing.map((r) => r.fileName).sort(), [
        "a9.d0.p0.mp4",
        "a9.d0.p1.mp4",
        "a9.d1.p0.mp4",
        "a9.d1.p1.mp4",
      ]);
      const dir = await Deno.makeTempDir({ prefix: "a9-" });
      try {
        for (const r of listing) {
          const file = `${dir}/${r.fileName}`;
          await Deno.writeFile(file, await agent.screenRecorder.read(r.fileName));
          assertEquals(await sha256File(file), r.sha256, `${r.fileName}: SHA-256`);
          assertEquals(await decodeErrors(file), "", `${r.fileName} plays to its end`);
          const frames = (await probeVideo(file)).frames;
          if (r.fileName.includes(".p0.")) {
            // Cut by the kill: every whole fragment before it (keyframes every 2 s) is kept.
            assert(r.summary?.incompleteReason, "marked incomplete");
            const upTo = (FPS * (tKill - t0)) / 1000;
            assert(frames >= upTo - FPS * 3 && frames <= upTo + 1, `${frames} of ~${upTo}`);
          } else {
            assertEquals(r.summary?.incompleteReason, null);
            assertEquals(frames, r.summary?.frames);
          }
        }
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    } finally {
      await agent.stop();
      await xvfb.stop();
    }
  },
});

Deno.test({
  name: "upload: a full spool stops capture cleanly, is reported, and loses nothing",
  ...real,
  async fn() {
    const cap = 16 * 1024 * 1024; // the smallest spool.maxBytes
    await withRecordingStack(async (s) => {
      // A previous run left almost a full spool, and the recorder is down: nothing drains.
      await s.screenRecorder.stop();
      await s.stopAgent();
      const leftover = createSpool({ log: getLogger(["test"]) }, {
        directory: `${s.spoolDir}/upload`,
        maxBytes: cap,
      });
      await leftover.recover();
      const old = await leftover.create("old.d0.p0.mp4", {
        header: samplePartHeader("old.d0.p0.mp4"),
        target: { recorder: "", tenantId: "", operatorId: USER, sessionId: "" },
      });
      // Room for a few fragments of an idle screen (about 1–3 KB each), then full.
      const room = 12_000;
      const filler = crypto.getRandomValues(new Uint8Array(60_000));
      const hash = createHash("sha256");
      while (old.size() < cap - room) {
        const piece = filler.subarray(0, Math.min(filler.length, cap - room - old.size()));
        await old.append(piece, Date.now());
        hash.update(piece);
      }
      await old.seal({});
      await s.startAgent();
      await register(s);

      await expectOk(s, "startScreenRecord", { segmentId: "full" });
      const deadline = Date.now() + 60_000;
      while (s.agent.recorder.status().state !== "idle") {
        assert(Date.now() < deadline, "capture did not stop at the cap");
        await sleep(250);
      }
      const reported = newRecBatches(s).filter((d) => d.result === "error");
      assert(reported.length >= 1, "AgentServer was told");
      assertMatch(String(reported[0]!.resultDesc), /the spool is full .*spool\.maxBytes/);
      assert(s.agent.upload.spool.usedBytes() <= cap, "the cap held");
      // Nothing was corrupted: once the recorder is back, everything uploads and plays.
      await s.screenRecorder.start();
      const parts = await storedParts(s, 60_000);
      const stored = parts.get("old.d0.p0.mp4");
      assertEquals(stored?.summary?.sha256, hash.digest("hex"), "the old part, intact");
      for (const p of parts.values()) {
        if (!p.listing.fileName.startsWith("full.")) continue;
        assertEquals(await sha256File(p.file), p.summary?.sha256);
        assertEquals(await decodeErrors(p.file), "", `${p.listing.fileName} plays to its end`);
      }
      assert([...parts.keys()].some((n) => n.startsWith("full.")), "the new parts were kept");
      assertEquals(s.agent.upload.spool.usedBytes(), 0);
      // With room again, recording works again.
      await expectOk(s, "startScreenRecord", { segmentId: "after" });
      await sleep(2_000);
      await expectOk(s, "stopScreenRecord", {});
    }, { env: { AGENT_HELPER_SPOOL_MAX_BYTES: String(cap) } });
  },
});
