import { FfmpegUnusable } from "../ffmpeg/probe.ts";
import {
  CommandNotStarted,
  type CommandRunner,
  CommandTimedOut,
  denoCommandRunner,
} from "../process/runner.ts";
import { assert, assertEquals, assertRejects } from "../testing/assert.ts";
import {
  encoderProbeArgs,
  firstMeaningfulLine,
  PROBE_TIMEOUT_MS,
  probeEncoders,
  usableEncoders,
} from "./encoder_probe.ts";

// What ffmpeg 5.1 printed here (no GPU), with its generic follow-up lines.
const NVENC_STDERR = `[h264_nvenc @ 0x5625497aa540] Cannot load libcuda.so.1
Error initializing output stream 0:0 -- Error while opening encoder for output stream #0:0 - maybe incorrect parameters such as bit_rate, rate, width or height
`;
const VAAPI_STDERR =
  `[AVHWDeviceContext @ 0x562d7e5bdb80] No VA display found for device /dev/dri/renderD128.
Device creation failed: -22.
Failed to set value '/dev/dri/renderD128' for option 'vaapi_device': Invalid argument
Error parsing global options: Invalid argument
`;

Deno.test("encoder probe: the reason is ffmpeg's first specific line, without the address", () => {
  assertEquals(firstMeaningfulLine(NVENC_STDERR), "h264_nvenc: Cannot load libcuda.so.1");
  assertEquals(
    firstMeaningfulLine(VAAPI_STDERR),
    "AVHWDeviceContext: No VA display found for device /dev/dri/renderD128.",
  );
  assertEquals(firstMeaningfulLine("Unknown encoder 'h264_amf'\n"), "Unknown encoder 'h264_amf'");
  assertEquals(firstMeaningfulLine("\nConversion failed!\n"), "Conversion failed!");
  assertEquals(firstMeaningfulLine("  \n"), undefined);
});

Deno.test("encoder probe: the probe encode uses the recording's own encoder options", () => {
  const x264 = encoderProbeArgs("libx264");
  assert(x264.includes("-nostdin"), "a probe must never wait on stdin");
  assertEquals(x264.slice(x264.indexOf("-f"), x264.indexOf("-f") + 6), [
    "-f",
    "lavfi",
    "-i",
    "color=c=black:s=256x256:r=5",
    "-frames:v",
    "5",
  ]);
  assertEquals(x264.slice(-3), ["-f", "null", "-"]);
  assert(x264.join(" ").includes("-c:v libx264 -crf 23 -preset superfast"));
  const vaapi = encoderProbeArgs("h264_vaapi", "/dev/dri/renderD129");
  assert(vaapi.join(" ").includes("-vaapi_device /dev/dri/renderD129 -f lavfi"));
  assert(vaapi.join(" ").includes("-vf format=nv12,hwupload -c:v h264_vaapi -rc_mode CQP"));
  assert(encoderProbeArgs("h264_videotoolbox").join(" ").includes("-q:v 55"));
});

function fakeRunner(
  answer: (args: readonly string[]) => Promise<{ code: number; stdout: string; stderr: string }>,
) {
  const calls: { command: string; args: readonly string[]; timeoutMs: number | undefined }[] = [];
  const runner: CommandRunner = {
    run(command, args, options) {
      calls.push({ command, args, timeoutMs: options?.timeoutMs });
      return answer(args);
    },
  };
  return { runner, calls };
}

const encoderOf = (args: readonly string[]) => args[args.indexOf("-c:v") + 1] ?? "";

Deno.test("encoder probe: exit code decides, timeouts and unknown names are unusable", async () => {
  const { runner, calls } = fakeRunner((args) => {
    const enc = encoderOf(args);
    if (enc === "h264_qsv") return Promise.reject(new CommandTimedOut("ffmpeg", 2000));
    if (enc === "h264_nvenc") return Promise.resolve({ code: 1, stdout: "", stderr: NVENC_STDERR });
    if (enc === "h264_amf") {
      return Promise.resolve({ code: 1, stdout: "", stderr: "x".repeat(500) });
    }
    if (enc === "h264_vaapi") return Promise.resolve({ code: 187, stdout: "", stderr: "" });
    if (enc === "h264_mf") {
      const stderr = "Unrecognized option 'rate_control'.\nError splitting the argument list\n";
      return Promise.resolve({ code: 1, stdout: "", stderr });
    }
    return Promise.resolve({ code: 0, stdout: "", stderr: "" });
  });
  const probes = await probeEncoders(
    runner,
    "/opt/ffmpeg",
    ["libx264", "h264_nvenc", "h264_qsv", "libopenh264", "h264_amf", "h264_vaapi", "h264_mf"],
    { timeoutMs: 2000 },
  );
  assertEquals(probes.slice(0, 4), [
    { encoder: "libx264", usable: true },
    { encoder: "h264_nvenc", usable: false, reason: "h264_nvenc: Cannot load libcuda.so.1" },
    { encoder: "h264_qsv", usable: false, reason: "probe encode did not finish within 2000 ms" },
    {
      encoder: "libopenh264",
      usable: false,
      reason: "AgentHelper has no settings for libopenh264",
    },
  ]);
  assertEquals(probes[4]?.reason?.length, 200);
  assertEquals(probes[5]?.reason, "probe encode exited with code 187");
  assertEquals(
    probes[6]?.reason,
    "this ffmpeg does not know the option -rate_control (h264_mf is not built in, or too old)",
  );
  assertEquals(usableEncoders(probes), ["libx264"]);
  // One at a time, in order, with the binary and limit given; unknown names are not run.
  assertEquals(calls.map((c) => encoderOf(c.args)), [
    "libx264",
    "h264_nvenc",
    "h264_qsv",
    "h264_amf",
    "h264_vaapi",
    "h264_mf",
  ]);
  assert(calls.every((c) => c.command === "/opt/ffmpeg" && c.timeoutMs === 2000));
});

Deno.test("encoder probe: probes never overlap", async () => {
  let running = 0;
  let most = 0;
  const { runner } = fakeRunner(async () => {
    most = Math.max(most, ++running);
    await new Promise((r) => setTimeout(r, 5));
    running--;
    return { code: 0, stdout: "", stderr: "" };
  });
  const probes = await probeEncoders(runner, "ffmpeg", ["libx264", "h264_nvenc", "h264_qsv"]);
  assertEquals(probes.length, 3);
  assertEquals(most, 1);
  assertEquals(PROBE_TIMEOUT_MS, 10_000);
});

Deno.test("encoder probe: an ffmpeg that cannot start is one error that says retry won't help", async () => {
  const e = await assertRejects(
    () => probeEncoders(denoCommandRunner, "/nonexistent/ffmpeg", ["libx264", "h264_nvenc"]),
    FfmpegUnusable,
    "cannot start /nonexistent/ffmpeg: not found",
  );
  assertEquals((e as FfmpegUnusable).retryable, false);
  const { runner } = fakeRunner(() => Promise.reject(new CommandNotStarted("ffmpeg", "x")));
  await assertRejects(() => probeEncoders(runner, "ffmpeg", ["libx264"]), FfmpegUnusable);
  // Anything else is a bug to surface, not an unusable encoder.
  const { runner: broken } = fakeRunner(() => Promise.reject(new TypeError("boom")));
  await assertRejects(() => probeEncoders(broken, "ffmpeg", ["libx264"]), TypeError, "boom");
});

Deno.test("encoder probe: on this machine (ffmpeg 5.1, no GPU) only libx264 works", async () => {
  const list = await new Deno.Command("ffmpeg", { args: ["-hide_banner", "-encoders"] }).output();
  const listed = new TextDecoder().decode(list.stdout);
  const candidates = ["libx264", "h264_nvenc", "h264_qsv", "h264_vaapi"];
  for (const c of candidates) assert(listed.includes(` ${c} `), `this ffmpeg does not list ${c}`);

  const probes = await probeEncoders(denoCommandRunner, "ffmpeg", candidates);
  assertEquals(probes.map((p) => [p.encoder, p.usable]), [
    ["libx264", true],
    ["h264_nvenc", false],
    ["h264_qsv", false],
    ["h264_vaapi", false],
  ]);
  assertEquals(probes[0]?.reason, undefined);
  for (const p of probes.slice(1)) {
    assert(p.reason && p.reason.length > 0 && p.reason.length <= 200, JSON.stringify(p));
    assert(!/ @ 0x/.test(p.reason), p.reason);
  }
});
