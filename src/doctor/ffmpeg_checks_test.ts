import { CommandNotStarted } from "../process/runner.ts";
import { assertEquals, assertStringIncludes } from "../testing/assert.ts";
import { fakeSystem, FFMPEG, ffmpegReplies, ScriptedRunner } from "./fake_doctor.ts";
import { ffmpegFindings, h264Findings } from "./ffmpeg_checks.ts";
import type { Finding } from "./report.ts";

const lines = (f: Finding[]) => f.map((x) => `${x.verdict} ${x.detail}`);
const NVENC_GONE = { encoder: "h264_nvenc", usable: false, reason: "Cannot load libcuda.so.1" };

Deno.test("H.264: usable encoders are OK and the line says which one recordings use", () => {
  const f = h264Findings([
    { encoder: "libx264", usable: true },
    { encoder: "h264_vaapi", usable: true },
  ], "auto");
  assertEquals(lines(f), [
    "OK libx264: usable (probe encode passed)",
    "OK h264_vaapi: usable (probe encode passed)",
    "OK recordings use h264_vaapi",
  ]);
});

Deno.test("H.264: a listed hardware encoder that fails its probe is skipped under auto, with why", () => {
  const f = h264Findings([{ encoder: "libx264", usable: true }, NVENC_GONE], "auto");
  assertEquals(lines(f), [
    "OK libx264: usable (probe encode passed)",
    "OK h264_nvenc: listed, not usable here (skipped): Cannot load libcuda.so.1",
    "OK recordings use libx264",
  ]);
});

Deno.test("H.264: the configured encoder failing its probe is WARN, and the fallback too", () => {
  const f = h264Findings([{ encoder: "libx264", usable: true }, NVENC_GONE], "h264_nvenc");
  assertEquals(f.map((x) => x.verdict), ["OK", "WARN", "WARN"]);
  assertStringIncludes(f[1]!.detail, "h264_nvenc (capture.encoder): not usable here");
  assertStringIncludes(f[1]!.fix ?? "", 'capture.encoder to "auto"');
  assertStringIncludes(f[2]!.detail, "using libx264");
  // Configured but not even compiled in: only the fallback line says so.
  const absent = h264Findings([{ encoder: "libx264", usable: true }], "h264_qsv");
  assertEquals(absent.map((x) => x.verdict), ["OK", "WARN"]);
  assertStringIncludes(absent[1]!.detail, "h264_qsv is not usable on this machine");
});

Deno.test("H.264: libx264 broken is WARN while hardware works; nothing usable is FAIL", () => {
  const hw = h264Findings([
    { encoder: "libx264", usable: false, reason: "exit 1" },
    { encoder: "h264_nvenc", usable: true },
  ], "auto");
  assertEquals(hw.map((x) => x.verdict), ["WARN", "OK", "OK"]);
  assertEquals(hw[2]!.detail, "recordings use h264_nvenc");
  const none = h264Findings([{ encoder: "libx264", usable: false }, NVENC_GONE], "auto");
  assertEquals(none.map((x) => x.verdict), ["WARN", "OK", "FAIL"]);
  assertStringIncludes(none[2]!.detail, "no usable H.264 encoder");
  assertEquals(h264Findings([], "auto").map((x) => x.verdict), ["FAIL"]);
});

Deno.test("ffmpeg: the probe encodes run with the located ffmpeg, one per listed encoder", async () => {
  const runner = new ScriptedRunner(
    ffmpegReplies(["libx264", "h264_nvenc"]),
    (line) =>
      line.includes("h264_nvenc")
        ? {
          code: 1,
          stderr: "[h264_nvenc @ 0x55d1] Cannot load libcuda.so.1\nConversion failed!\n",
        }
        : { code: 0 },
  );
  const sys = fakeSystem({ runner, files: { [FFMPEG]: "binary" } });
  const r = await ffmpegFindings(sys, FFMPEG, "auto");
  assertEquals(lines(r.findings), [
    `OK 7.1-test at ${FFMPEG} (config)`,
    "OK backends: x11grab, lavfi",
    "OK libx264: usable (probe encode passed)",
    "OK h264_nvenc: listed, not usable here (skipped): h264_nvenc: Cannot load libcuda.so.1",
    "OK recordings use libx264",
  ]);
  const probes = runner.calls.filter((c) => c.includes("-f lavfi"));
  assertEquals(probes.length, 2);
  assertStringIncludes(probes[1]!, "-c:v h264_nvenc");
});

Deno.test("ffmpeg: missing, broken, without capture, and unable to probe", async () => {
  const missing = await ffmpegFindings(fakeSystem(), "/nowhere/ffmpeg", "auto");
  assertEquals(lines(missing.findings).length, 1);
  assertStringIncludes(missing.findings[0]!.fix ?? "", "ffmpeg.path");

  const broken = await ffmpegFindings(
    fakeSystem({
      files: { [FFMPEG]: "x" },
      runner: new ScriptedRunner({}, () => ({ code: 1, stderr: "Illegal instruction" })),
    }),
    FFMPEG,
    "auto",
  );
  assertEquals(broken.findings.map((x) => `${x.verdict} ${x.topic}`), ["FAIL ffmpeg"]);

  const noCapture = await ffmpegFindings(
    fakeSystem({
      files: { [FFMPEG]: "x" },
      runner: new ScriptedRunner(ffmpegReplies(["libx264"], ["lavfi"])),
    }),
    FFMPEG,
    "auto",
  );
  assertEquals(noCapture.findings[1]!.verdict, "FAIL");
  assertStringIncludes(noCapture.findings[1]!.detail, "none of x11grab");

  // ffmpeg answers its listings, then cannot be started for the probe encode.
  const vanished = await ffmpegFindings(
    fakeSystem({
      files: { [FFMPEG]: "x" },
      runner: new ScriptedRunner(ffmpegReplies(), () => new CommandNotStarted(FFMPEG, "not found")),
    }),
    FFMPEG,
    "auto",
  );
  const last = vanished.findings.at(-1)!;
  assertEquals([last.verdict, last.topic], ["FAIL", "H.264"]);
  assertStringIncludes(last.detail, "cannot probe encoders");
});
