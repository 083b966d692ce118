/**
 * The live path's pure pieces run together against a real screen: the live encoder records an
 * Xvfb screen, its pipe goes through the fMP4 reader, the queue and the streamBlob builder, and
 * AgentServer's side reads the messages back. The screen turns from black to white meanwhile;
 * the time from that change to the streamBlob holding its first white frame is glass to glass
 * as far as the helper goes (the link, AgentServer and the browser come on top).
 */
import type { CaptureArea } from "../capture/types.ts";
import { createFragmentReader } from "../fmp4/reader.ts";
import { parseInbound } from "../protocol/catalog.ts";
import { assert, assertEquals } from "../testing/assert.ts";
import { startXvfb } from "../testing/xvfb.ts";
import { encodeStreamBlob, maxPayloadBytes } from "./blob.ts";
import { createFragmentQueue, DEFAULT_QUEUE_MAX_BYTES } from "./fragment_queue.ts";
import { buildLiveArgs, LIVE_KEYFRAME_INTERVAL_SEC } from "./live_args.ts";

const STREAM_ID = "live-test-1";
const FPS = 5;

async function run(cmd: string, args: string[], stdin?: Uint8Array): Promise<Uint8Array> {
  const child = new Deno.Command(cmd, {
    args,
    stdin: stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin) {
    const writer = child.stdin.getWriter();
    await writer.write(stdin);
    await writer.close();
  }
  const out = await child.output();
  assertEquals(out.code, 0, `${cmd}: ${new TextDecoder().decode(out.stderr)}`);
  return out.stdout;
}

async function until(done: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !done(); waited += 20) {
    if (waited > 15_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("live (x11grab, Xvfb): a screen change is in a streamBlob well within 1 s", async () => {
  const xvfb = await startXvfb("1280x720");
  try {
    const display = xvfb.display;
    await run("xsetroot", ["-display", display, "-solid", "black"]);
    const area: CaptureArea = {
      x: 0,
      y: 0,
      width: 1280,
      height: 720,
      capture: { kind: "x11", display },
    };
    const args = buildLiveArgs({ backend: "x11grab", area, drawCursor: false }, { frameRate: FPS });
    const child = new Deno.Command("ffmpeg", {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stderr = new Response(child.stderr).text();
    const guard = setTimeout(() => child.kill("SIGKILL"), 30_000);

    const reader = createFragmentReader();
    const queue = createFragmentQueue({
      maxBytes: DEFAULT_QUEUE_MAX_BYTES,
      maxFragments: FPS,
      maxFragmentBytes: maxPayloadBytes(STREAM_ID),
    });
    /** Each streamBlob's text, and when it was ready to send. */
    const blobs: { text: string; at: number }[] = [];
    const pump = (async () => {
      for await (const chunk of child.stdout) {
        for (const event of reader.push(chunk)) {
          if (event.kind === "init") queue.setInit(event.bytes);
          else queue.push(event);
        }
        // The link here is fast: everything is taken as soon as it is queued.
        for (let item = queue.take(); item; item = queue.take()) {
          const blob = { streamId: STREAM_ID, seq: item.seq, bytes: item.bytes };
          const text = encodeStreamBlob({ ...blob, init: item.kind === "init" });
          blobs.push({ text, at: performance.now() });
        }
      }
      assertEquals(reader.end(), []);
    })();

    await until(() => blobs.length > 1 + 2 * FPS, "two seconds of fragments");
    const before = blobs.length;
    const changedAt = performance.now();
    await run("xsetroot", ["-display", display, "-solid", "white"]);
    await until(() => blobs.length > before + 2 * FPS, "two more seconds");
    const stdin = child.stdin.getWriter();
    await stdin.write(new TextEncoder().encode("q"));
    await stdin.close();
    const status = await child.status;
    clearTimeout(guard);
    await pump;
    assertEquals(status.code, 0, (await stderr).slice(-2000));

    // AgentServer's side: every blob reads, in order, the init first.
    const data = blobs.map(({ text }) => {
      const read = parseInbound("wss3", text, "agentServer");
      assert(read.ok && read.message.action === "streamBlob", text.slice(0, 200));
      return read.message.data;
    });
    assertEquals(data.map((d) => d.seq), data.map((_, i) => i));
    assertEquals(data.map((d) => d.init === true), data.map((_, i) => i === 0));
    assertEquals(queue.stats().droppedFragments, 0);

    // The bytes play: one frame per fragment, a keyframe every LIVE_KEYFRAME_INTERVAL_SEC.
    const file = await Deno.makeTempFile({ suffix: ".mp4" });
    try {
      const parts = data.map((d) => Uint8Array.fromBase64(d.payload));
      await Deno.writeFile(file, await new Blob(parts).bytes());
      const luma = await run("ffmpeg", [
        ...["-v", "error", "-i", file, "-vf", "scale=1:1,format=gray"],
        ...["-fps_mode", "passthrough", "-f", "rawvideo", "pipe:1"],
      ]);
      const fragments = blobs.length - 1;
      assertEquals(luma.length, fragments, "a frame per fragment");
      const probe = new TextDecoder().decode(
        await run("ffprobe", ["-v", "error", "-show_entries", "packet=flags", "-of", "csv", file]),
      );
      const keys = probe.trim().split("\n").map((line) => line.includes("K"));
      assertEquals(keys, keys.map((_, i) => i % (FPS * LIVE_KEYFRAME_INTERVAL_SEC) === 0));

      // Black until the change, white from some frame on, and that frame's blob came soon.
      const white = [...luma].findIndex((y) => y > 128);
      assert(white >= before - 1, `frame ${white} is white before the change (blob ${before})`);
      assert([...luma].slice(white).every((y) => y > 128), `flicker after frame ${white}`);
      const latencyMs = blobs[white + 1]!.at - changedAt;
      assert(latencyMs > 0 && latencyMs < 1000, `glass to blob: ${latencyMs.toFixed(0)} ms`);
    } finally {
      await Deno.remove(file);
    }
  } finally {
    await xvfb.stop();
  }
});
