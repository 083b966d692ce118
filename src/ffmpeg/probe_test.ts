import { CommandNotStarted, type CommandRunner, denoCommandRunner } from "../process/runner.ts";
import { assert, assertEquals, assertRejects } from "../testing/assert.ts";
import { locateFfmpeg } from "./locate.ts";
import {
  captureBackendsOf,
  FfmpegUnusable,
  h264EncodersOf,
  parseListing,
  parseVersion,
  probeFfmpeg,
} from "./probe.ts";

const DEVICES = `Devices:
 D. = Demuxing supported
 .E = Muxing supported
 --
 DE alsa            ALSA audio output
 D  kmsgrab         KMS screen capture
 D  lavfi           Libavfilter virtual input device
 DE video4linux2,v4l2 Video4Linux2 output device
 D  x11grab         X11 screen capture, using XCB
`;
const ENCODERS = `Encoders:
 V..... = Video
 ------
 V....D libx264              libx264 H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10 (codec h264)
 V....D h264_nvenc           NVIDIA NVENC H.264 encoder (codec h264)
 V..... h264_qsv             H.264 / AVC (Intel Quick Sync Video acceleration) (codec h264)
 A....D aac                  AAC (Advanced Audio Coding)
`;
const FILTERS = `Filters:
  T.. = Timeline support
  | = Source or sink filter
 ... abench            A->A       Benchmark part of a filtergraph.
 ..C ddagrab           |->V       Grab Windows Desktop images using Desktop Duplication API
`;

Deno.test("ffmpeg probe: parsers read version, devices, filters and encoders", () => {
  assertEquals(
    parseVersion("ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026"),
    "5.1.9-0+deb12u1",
  );
  assertEquals(parseVersion("not ffmpeg"), undefined);
  const devices = parseListing(DEVICES);
  assert(devices.has("x11grab") && devices.has("v4l2") && !devices.has("Demuxing"));
  assertEquals(captureBackendsOf(devices, parseListing(FILTERS)), [
    "x11grab",
    "kmsgrab",
    "lavfi",
    "ddagrab",
  ]);
  assertEquals(h264EncodersOf(parseListing(ENCODERS)), ["libx264", "h264_nvenc", "h264_qsv"]);
});

Deno.test("ffmpeg probe: the real ffmpeg on this machine reports x11grab and libx264", async () => {
  const found = locateFfmpeg({
    os: "linux",
    env: { PATH: Deno.env.get("PATH") ?? "" },
    execPath: Deno.execPath(),
    projectRoot: null,
    isFile: (p) => {
      try {
        return Deno.statSync(p).isFile;
      } catch {
        return false;
      }
    },
  }, "");
  assert(found.ok, "ffmpeg missing: install the Debian package ffmpeg (scripts/run.sh test does)");
  const info = await probeFfmpeg(denoCommandRunner, found.location);
  assert(/^\d+\.\d+/.test(info.version), info.version);
  assert(info.captureBackends.includes("x11grab"), info.captureBackends.join());
  assert(info.h264Encoders.includes("libx264"), info.h264Encoders.join());
});

Deno.test("ffmpeg probe: a missing binary or a non-ffmpeg is a clear, typed error", async () => {
  const missing = await assertRejects(
    () => probeFfmpeg(denoCommandRunner, { path: "/nonexistent/ffmpeg", source: "config" }),
    FfmpegUnusable,
    "not found",
  );
  assertEquals((missing as FfmpegUnusable).retryable, false);
  const notFfmpeg: CommandRunner = {
    run: () => Promise.resolve({ code: 0, stdout: "hello", stderr: "" }),
  };
  await assertRejects(
    () => probeFfmpeg(notFfmpeg, { path: "/bin/echo", source: "PATH" }),
    FfmpegUnusable,
    "does not look like ffmpeg",
  );
  const failing: CommandRunner = {
    run: () => Promise.reject(new CommandNotStarted("x", "permission denied")),
  };
  await assertRejects(
    () => probeFfmpeg(failing, { path: "/x", source: "PATH" }),
    FfmpegUnusable,
    "permission denied",
  );
});
