/**
 * The live view in the real agent (issue 8): AgentServer sends startStream over wss3; the agent
 * runs a second, low-latency ffmpeg on that monitor beside the recording and sends its fMP4 as
 * streamBlob messages (init first, seq without gaps, base64 payloads). What AgentServer gets is
 * read as a supervisor reads it — a viewer on the reference AgentServer's fan-out — put back
 * together and checked with ffprobe; the blobs' order is checked in AgentServer's message log
 * (which keeps no payloads). A lost registration ends every live view.
 */
import { assert, assertEquals, assertMatch } from "../src/testing/assert.ts";
import { childProcesses, decodeErrors, probeVideo } from "../src/testing/ffprobe.ts";
import {
  command,
  expectOk,
  sleep,
  storedParts,
  USER,
  withRecordingStack,
} from "./support/recording_stack.ts";
import type { Stack } from "../src/platform/workplace/stack.ts";
import { openWsClient } from "../src/platform/agent_server/test_ws_client.ts";
import { decodeFrame } from "../src/platform/live_view/framing.ts";

const real = { sanitizeResources: false, sanitizeOps: false };

interface Blob {
  payloadChars: number;
  streamId: string;
  seq: number;
  /** Present (true) on the init segment only. */
  init?: boolean;
}

/** The streamBlobs AgentServer received for `streamId`, as its log keeps them. */
function blobs(s: Stack, streamId: string): Blob[] {
  return s.agentServer.messages
    .filter((m) => m.direction === "in" && m.action === "streamBlob")
    .map((m) => (m.message as { data: Blob }).data)
    .filter((b) => b.streamId === streamId);
}

/** A supervisor's viewer of `streamId`: the fMP4 of every binary frame until the stream ends. */
async function viewer(s: Stack, streamId: string) {
  const opened = await openWsClient(s.agentServer.liveViewSocketUrl(USER, streamId), {
    ca: s.pki.caPem,
    headers: { "x-console-key": s.agentServer.consoleKey },
    handshakeTimeoutMs: 15_000,
  });
  assert(opened.ok, `viewer of ${streamId}: ${opened.ok || `${opened.status} ${opened.error}`}`);
  const client = opened.client;
  return {
    async frames(): Promise<Uint8Array[]> {
      await client.closed;
      return client.received.items
        .filter((r) => r.binary !== undefined)
        .map((r) => decodeFrame(r.binary!).payload);
    },
  };
}

const liveEncoders = (x: { display: string }) =>
  childProcesses(Deno.pid, "ffmpeg", `${x.display}.`).length;

Deno.test({
  name: "live view: streamBlob carries a playable low-latency stream beside the recording",
  ...real,
  async fn() {
    await withRecordingStack(async (s, x) => {
      await expectOk(s, "startScreenRecord", { segmentId: "with-live" });
      await expectOk(s, "startStream", { streamId: "view-1", display: 0, maxHeight: 360 });
      await expectOk(s, "startStream", { streamId: "view-2", display: 1, frameRate: 2 });
      const viewers = await Promise.all(["view-1", "view-2"].map((id) => viewer(s, id)));
      assertEquals(liveEncoders(x), 4, "two recording encoders, two live ones");
      await sleep(4_000);
      await expectOk(s, "stopStream", { streamId: "view-1" });
      await expectOk(s, "stopStream", { streamId: "view-2" });
      await expectOk(s, "stopScreenRecord", {});
      const seen = await Promise.all(viewers.map((v) => v.frames()));

      const views = [["view-1", 360, 5], ["view-2", 600, 2]] as const;
      for (const [i, [id, height, fps]] of views.entries()) {
        const got = blobs(s, id);
        assert(got.length > 5, `${id}: ${got.length} blobs`);
        assertEquals(got.map((b) => b.seq), got.map((_, i) => i), "seq from 0, no gaps");
        assertEquals(
          got.map((b) => b.init === true),
          got.map((_, i) => i === 0),
          `the init first: ${JSON.stringify(got.map((b) => [b.seq, b.init, b.payloadChars]))}`,
        );
        // The viewer joined a moment after the start: the init, then fragments from a keyframe.
        const bytes = seen[i]!;
        assert(bytes.length > 5, `${id}: the viewer got ${bytes.length} frames`);
        const file = await Deno.makeTempFile({ suffix: ".mp4" });
        try {
          const whole = new Uint8Array(bytes.reduce((a, b) => a + b.length, 0));
          let at = 0;
          for (const b of bytes) whole.set(b, (at += b.length) - b.length);
          await Deno.writeFile(file, whole);
          const v = await probeVideo(file);
          assertEquals([v.codec, v.height], ["h264", height], id);
          // One fragment per frame: every blob after the init is one frame.
          assertEquals(v.frames, bytes.length - 1, `${id}: a frame per blob`);
          const blobFrames = got.length - 1;
          assert(Math.abs(blobFrames - fps * 4) <= fps + 2, `${id}: ${blobFrames} at ${fps} fps`);
          assertEquals(await decodeErrors(file), "");
        } finally {
          await Deno.remove(file);
        }
      }
      // The recording was not disturbed by the live views.
      const parts = await storedParts(s);
      assertEquals([...parts.keys()].sort(), ["with-live.d0.p0.mp4", "with-live.d1.p0.mp4"]);
      assertEquals(liveEncoders(x), 0, "no ffmpeg left");
      const metrics = await (await fetch(`http://127.0.0.1:${s.agent.httpPort}/metrics`)).text();
      assertMatch(metrics, /^agent_helper_live_sent_bytes_total [1-9]\d*$/m);
    });
  },
});

Deno.test({
  name: "live view: refusals say why; a lost registration ends every live view",
  ...real,
  async fn() {
    await withRecordingStack(async (s, x) => {
      const refused = async (action: string, data: unknown, code: RegExp) => {
        const r = await command(s, action, data);
        assertEquals(r.data.result, "error", JSON.stringify(r));
        assertMatch(r.data.resultDesc ?? "", code);
      };
      await refused("startStream", { streamId: "v", display: 7 }, /^unknownDisplay: /);
      await refused("stopStream", { streamId: "nope" }, /^unknownStream: nope$/);
      await expectOk(s, "startStream", { streamId: "v", display: 0 });
      await refused("startStream", { streamId: "v", display: 1 }, /^streamExists: /);
      for (const id of ["a", "b", "c"]) {
        await expectOk(s, "startStream", { streamId: id, display: 1 });
      }
      await refused("startStream", { streamId: "e", display: 0 }, /^tooManyStreams: /);
      assertEquals(s.agent.live.status().length, 4);
      await sleep(1_000);
      // AgentServer drops the connection: the agent stops every live view at once.
      s.agentServer.drop(USER);
      for (let i = 0; i < 50 && s.agent.live.status().length > 0; i++) await sleep(100);
      assertEquals(s.agent.live.status(), []);
      for (let i = 0; i < 50 && liveEncoders(x) > 0; i++) await sleep(100);
      assertEquals(liveEncoders(x), 0, "their encoders are gone");
    });
  },
});
