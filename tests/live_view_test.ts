/**
 * The live view in the real agent (issue 8): AgentServer sends startStream over wss3; the agent
 * encodes that monitor with low latency — in the recording's own ffmpeg while the monitor is
 * recorded, else in an ffmpeg of the view's own — and sends its fMP4 as streamBlob messages
 * (init first, seq without gaps, base64 payloads). What AgentServer gets is read as a
 * supervisor reads it — a viewer on the reference AgentServer's fan-out — put back together
 * and checked with ffprobe; the blobs' order is checked in AgentServer's message log (which
 * keeps no payloads). The recording around the views stays whole. A lost registration ends
 * every live view.
 */
import { assert, assertEquals, assertMatch } from "../src/testing/assert.ts";
import { childProcesses, decodeErrors, probeVideo } from "../src/testing/ffprobe.ts";
import {
  command,
  expectOk,
  FRAME_MS,
  newRecBatches,
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

async function waitFor(done: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !done(); waited += 100) {
    if (waited > 15_000) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

Deno.test({
  name: "live view: streamBlob carries a playable low-latency stream beside the recording",
  ...real,
  async fn() {
    await withRecordingStack(async (s, x) => {
      await expectOk(s, "startScreenRecord", { segmentId: "with-live" });
      await expectOk(s, "startStream", { streamId: "view-1", display: 0, maxHeight: 360 });
      await expectOk(s, "startStream", { streamId: "view-2", display: 1, frameRate: 2 });
      const viewers = await Promise.all(["view-1", "view-2"].map((id) => viewer(s, id)));
      // Both views ride in the recording's encoders: one capture per monitor.
      const carried = async () => {
        const status = await (await fetch(`http://127.0.0.1:${s.agent.httpPort}/status`)).json();
        return (status.live as { carried: boolean }[]).filter((l) => l.carried).length;
      };
      for (let waited = 0; (await carried()) < 2; waited += 100) {
        assert(waited < 15_000, "the views were not taken on by the recording's encoders");
        await sleep(100);
      }
      await waitFor(() => liveEncoders(x) === 2, "the recording's first encoders to finish");
      await sleep(4_000);
      await expectOk(s, "stopStream", { streamId: "view-1" });
      await expectOk(s, "stopStream", { streamId: "view-2" });
      // The recording's encoders hand over to ones without the views (their parts announced,
      // the old encoders gone); then it stops.
      const announced = (p: number) =>
        newRecBatches(s).filter((d) => String(d.fileName).endsWith(`.p${p}.mp4`)).length;
      await waitFor(() => announced(2) === 2, "the parts of the encoders without views");
      await waitFor(() => liveEncoders(x) === 2, "the encoders without views to take over");
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
      // The recording around the views: each view's start and stop began a part (liveView), and
      // each part follows the last without a gap and plays to its end.
      const parts = await storedParts(s);
      for (const d of [0, 1]) {
        const names = [0, 1, 2].map((p) => `with-live.d${d}.p${p}.mp4`);
        assertEquals([...parts.keys()].filter((n) => n.includes(`.d${d}.`)).sort(), names);
        const [p0, p1, p2] = names.map((n) => parts.get(n)!);
        assertEquals([p0!.header.cause, p1!.header.cause, p2!.header.cause], [
          "segmentStart",
          "liveView",
          "liveView",
        ]);
        for (const [before, after] of [[p0!, p1!], [p1!, p2!]] as const) {
          const gap = after.header.offsetMs - (before.header.offsetMs + before.summary!.durationMs);
          assert(gap <= FRAME_MS, `d${d}: a gap of ${gap} ms between parts`);
          assertEquals(await decodeErrors(before.file), "");
        }
        assertEquals(await decodeErrors(p2!.file), "");
      }
      assertEquals(liveEncoders(x), 0, "no ffmpeg left");
      const metrics = await (await fetch(`http://127.0.0.1:${s.agent.httpPort}/metrics`)).text();
      assertMatch(metrics, /^agent_helper_live_sent_bytes_total [1-9]\d*$/m);
    });
  },
});

/** Whether each live view is carried by the recording's encoder, from /status. */
async function carriedNow(s: Stack): Promise<boolean[]> {
  const status = await (await fetch(`http://127.0.0.1:${s.agent.httpPort}/status`)).json();
  return (status.live as { carried: boolean }[]).map((l) => l.carried);
}

Deno.test({
  name: "live view: a view moves into the recording as it starts, out at a pause, in at the resume",
  ...real,
  async fn() {
    await withRecordingStack(async (s, x) => {
      const waitCarried = async (want: boolean) => {
        for (let waited = 0; (await carriedNow(s))[0] !== want; waited += 100) {
          assert(waited < 15_000, `the view is not ${want ? "carried" : "on its own"}`);
          await sleep(100);
        }
      };
      await expectOk(s, "startStream", { streamId: "mover", display: 0, maxHeight: 360 });
      assertEquals(await carriedNow(s), [false], "nothing recorded: its own encoder");
      assertEquals(liveEncoders(x), 1);
      await sleep(1_500);
      await expectOk(s, "startScreenRecord", { segmentId: "moving" });
      await waitCarried(true);
      await waitFor(() => liveEncoders(x) === 2, "one encoder per monitor");
      await sleep(1_500);
      await expectOk(s, "pauseScreenRecord", {});
      await waitCarried(false);
      assertEquals(liveEncoders(x), 1, "paused: only the view's own encoder captures");
      await sleep(1_500);
      await expectOk(s, "resumeScreenRecord", {});
      await waitCarried(true);
      await sleep(1_500);
      await expectOk(s, "stopStream", { streamId: "mover" });
      await expectOk(s, "stopScreenRecord", {});

      // One stream to the viewer: seq without gaps, an init at each move, never a long silence.
      const got = s.agentServer.messages
        .filter((m) => m.direction === "in" && m.action === "streamBlob")
        .map((m) => ({ at: m.at, ...(m.message as { data: Blob }).data }));
      assertEquals(got.map((b) => b.seq), got.map((_, i) => i));
      assertEquals(got.filter((b) => b.init).length, 4, "own, carried, own, carried");
      const silence = Math.max(...got.slice(1).map((b, i) => b.at - got[i]!.at));
      assert(silence < 1_500, `${silence} ms without a blob`);
      const parts = await storedParts(s);
      for (const part of parts.values()) assertEquals(await decodeErrors(part.file), "");
    });
  },
});

Deno.test({
  name:
    "live view: with live.carriedByRecording false a view runs its own ffmpeg and no part is cut",
  ...real,
  async fn() {
    await withRecordingStack(async (s, x) => {
      await expectOk(s, "startScreenRecord", { segmentId: "apart" });
      await expectOk(s, "startStream", { streamId: "own", display: 0, maxHeight: 360 });
      assertEquals(liveEncoders(x), 3, "two recording encoders and the view's own");
      await sleep(2_000);
      assertEquals(await carriedNow(s), [false]);
      await expectOk(s, "stopStream", { streamId: "own" });
      await expectOk(s, "stopScreenRecord", {});
      assert(blobs(s, "own").length > 5);
      const parts = await storedParts(s);
      assertEquals([...parts.keys()].sort(), ["apart.d0.p0.mp4", "apart.d1.p0.mp4"]);
    }, { env: { AGENT_HELPER_LIVE_CARRIED_BY_RECORDING: "false" } });
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
