/**
 * The x11grab pipeline, run for real: ffmpeg records an Xvfb screen for ~3 s, is asked to stop
 * with "q" on stdin as the agent will, and ffprobe checks what came out of the pipe. The live
 * view's low-latency variant is run too: a fragment per frame, keyframes where the plan says.
 */
import { assert, assertEquals, assertStringIncludes } from "../testing/assert.ts";
import { startXvfb } from "../testing/xvfb.ts";
import { buildEncoderArgs } from "./pipeline.ts";
import type { PipelinePlan } from "./types.ts";

const SECONDS = 3;

interface Recording {
  code: number;
  stderr: string;
  bytes: Uint8Array;
}

/** Runs ffmpeg with the argv, sends "q" after `SECONDS`, returns stdout as written to a file. */
async function record(args: string[]): Promise<Recording> {
  const file = await Deno.makeTempFile({ prefix: "capture-", suffix: ".mp4" });
  try {
    const out = await Deno.open(file, { write: true, truncate: true });
    const child = new Deno.Command("ffmpeg", {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stdoutDone = child.stdout.pipeTo(out.writable);
    const stderr = new Response(child.stderr).text();
    const guard = setTimeout(() => child.kill("SIGKILL"), (SECONDS + 20) * 1000);
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const stdin = child.stdin.getWriter();
    await stdin.write(new TextEncoder().encode("q"));
    await stdin.close();
    const status = await child.status;
    clearTimeout(guard);
    await stdoutDone;
    return { code: status.code, stderr: await stderr, bytes: await Deno.readFile(file) };
  } finally {
    await Deno.remove(file);
  }
}

async function ffprobe(bytes: Uint8Array, entries: string[]): Promise<Record<string, unknown>> {
  const file = await Deno.makeTempFile({ suffix: ".mp4" });
  try {
    await Deno.writeFile(file, bytes);
    const out = await new Deno.Command("ffprobe", {
      args: ["-v", "error", ...entries, "-of", "json", file],
    }).output();
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    return JSON.parse(new TextDecoder().decode(out.stdout));
  } finally {
    await Deno.remove(file);
  }
}

/** The top-level MP4 box types, in order. */
function topLevelBoxes(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const types: string[] = [];
  let at = 0;
  while (at + 8 <= bytes.length) {
    let size = view.getUint32(at);
    types.push(new TextDecoder().decode(bytes.subarray(at + 4, at + 8)));
    if (size === 1) size = Number(view.getBigUint64(at + 8));
    if (size === 0) break;
    at += size;
  }
  return types;
}

function x11Plan(display: string, over: Partial<PipelinePlan>): PipelinePlan {
  return {
    backend: "x11grab",
    area: { x: 0, y: 0, width: 1280, height: 720, capture: { kind: "x11", display } },
    frameRate: 5,
    keyframeIntervalSec: 1,
    encoder: "libx264",
    quality: { crf: 23, maxBitrateKbps: 0, maxHeight: 0 },
    drawCursor: true,
    ...over,
  };
}

async function check(
  plan: PipelinePlan,
  expected: { width: number; height: number },
): Promise<void> {
  const rec = await record(buildEncoderArgs(plan));
  assertEquals(rec.code, 0, rec.stderr.slice(-2000));
  // -progress pipe:2 puts key=value blocks on stderr for the stall watchdog.
  assertStringIncludes(rec.stderr, "progress=continue");
  assertStringIncludes(rec.stderr, "progress=end");
  assertStringIncludes(rec.stderr, "frame=");

  const streams = await ffprobe(rec.bytes, [
    "-count_frames",
    "-show_entries",
    "stream=codec_name,width,height,pix_fmt,nb_read_frames,r_frame_rate,color_space,color_range",
  ]);
  const s = (streams.streams as Record<string, string | number>[])[0];
  assert(s, JSON.stringify(streams));
  const F = plan.frameRate;
  assertEquals(
    {
      codec: s.codec_name,
      width: s.width,
      height: s.height,
      pix_fmt: s.pix_fmt,
      rate: s.r_frame_rate,
      color: s.color_space,
      range: s.color_range,
    },
    {
      codec: "h264",
      ...expected,
      pix_fmt: "yuv420p",
      rate: `${F}/1`,
      color: "bt709",
      range: "tv",
    },
  );
  const frames = Number(s.nb_read_frames);
  // ffmpeg needs a moment to start and stops on "q" at once: allow one second either way.
  assert(Math.abs(frames - F * SECONDS) <= F, `${frames} frames, expected about ${F * SECONDS}`);

  // A keyframe exactly every F × k frames, and nowhere else.
  const gop = Math.round(F * plan.keyframeIntervalSec);
  const perFrame = await ffprobe(rec.bytes, ["-show_entries", "frame=key_frame"]);
  const keys = (perFrame.frames as { key_frame: number }[]).map((f) => f.key_frame);
  assertEquals(keys, keys.map((_, i) => (i % gop === 0 ? 1 : 0)));

  // Fragmented: header first, then one moof+mdat per keyframe interval, no trailer.
  const boxes = topLevelBoxes(rec.bytes);
  assertEquals(boxes.slice(0, 2), ["ftyp", "moov"]);
  assertEquals(boxes.filter((b) => b === "moof").length, Math.ceil(frames / gop));
  assert(!boxes.includes("mfra"), boxes.join());
}

Deno.test("pipeline (x11grab, Xvfb): records playable fragmented H.264 and stops on q", async (t) => {
  const xvfb = await startXvfb("1280x720");
  try {
    await t.step(
      "native size, 5 fps",
      () => check(x11Plan(xvfb.display, {}), { width: 1280, height: 720 }),
    );
    await t.step("maxHeight 360 and a bitrate cap", () =>
      check(
        x11Plan(xvfb.display, { quality: { crf: 28, maxBitrateKbps: 500, maxHeight: 360 } }),
        { width: 640, height: 360 },
      ));
    await t.step("an odd-sized area off the origin, 10 fps, no cursor", () =>
      check(
        x11Plan(xvfb.display, {
          area: {
            x: 10,
            y: 20,
            width: 641,
            height: 361,
            capture: { kind: "x11", display: xvfb.display },
          },
          frameRate: 10,
          keyframeIntervalSec: 0.5,
          drawCursor: false,
        }),
        { width: 640, height: 360 },
      ));
  } finally {
    await xvfb.stop();
  }
});

Deno.test("pipeline (x11grab, Xvfb, lowLatency): a fragment per frame that plays", async () => {
  const xvfb = await startXvfb("1280x720");
  try {
    const plan = x11Plan(xvfb.display, {
      quality: { crf: 30, maxBitrateKbps: 0, maxHeight: 360 },
      lowLatency: true,
    });
    const rec = await record(buildEncoderArgs(plan));
    assertEquals(rec.code, 0, rec.stderr.slice(-2000));

    const boxes = topLevelBoxes(rec.bytes);
    assertEquals(boxes.slice(0, 2), ["ftyp", "moov"]);
    assert(!boxes.includes("mfra"), boxes.join());
    // Packets are frames here (one video stream, no B-frames).
    const probe = await ffprobe(rec.bytes, ["-show_entries", "packet=flags,duration"]);
    const packets = probe.packets as { flags: string; duration: number }[];
    const frames = packets.length;
    assert(Math.abs(frames - 5 * SECONDS) <= 5, `${frames} frames`);
    assertEquals(boxes.filter((b) => b === "moof").length, frames, "one fragment per frame");
    assertEquals(boxes.filter((b) => b === "mdat").length, frames);
    // Keyframes still every F × k = 5 frames, and constant frame durations (force-cfr keeps
    // the timestamps as they were).
    const keys = packets.map((p) => p.flags.startsWith("K"));
    assertEquals(keys, keys.map((_, i) => i % 5 === 0));
    assertEquals(new Set(packets.slice(0, -1).map((p) => p.duration)).size, 1);

    // It plays: every frame decodes, without a single complaint from the decoder.
    const file = await Deno.makeTempFile({ suffix: ".mp4" });
    try {
      await Deno.writeFile(file, rec.bytes);
      const decode = await new Deno.Command("ffmpeg", {
        args: ["-v", "error", "-i", file, "-f", "null", "-"],
      }).output();
      assertEquals(decode.code, 0);
      assertEquals(new TextDecoder().decode(decode.stderr), "");
    } finally {
      await Deno.remove(file);
    }
    const streams = await ffprobe(rec.bytes, [
      "-count_frames",
      "-show_entries",
      "stream=width,height,nb_read_frames",
    ]);
    const s = (streams.streams as Record<string, string | number>[])[0];
    assertEquals([s?.width, s?.height, Number(s?.nb_read_frames)], [640, 360, frames]);
  } finally {
    await xvfb.stop();
  }
});
