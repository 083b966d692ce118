import { assertEquals, assertThrows } from "../testing/assert.ts";
import { chooseBackends, chooseEncoder, DDA_SESSION_LIMIT, fallbackBackend } from "./choose.ts";
import { CaptureUnsupported } from "./errors.ts";

const WIN = ["gdigrab", "lavfi", "ddagrab"];

Deno.test("choose: one backend per monitor, per OS", () => {
  assertEquals(chooseBackends("linux", ["x11grab", "kmsgrab", "lavfi"], 2), ["x11grab", "x11grab"]);
  assertEquals(chooseBackends("darwin", ["avfoundation", "lavfi"], 1), ["avfoundation"]);
  assertEquals(chooseBackends("windows", WIN, 2), ["ddagrab", "ddagrab"]);
  assertEquals(chooseBackends("linux", ["x11grab"], 0), []);
});

Deno.test("choose: Windows spends at most the free Desktop Duplication slots, GDI for the rest", () => {
  assertEquals(DDA_SESSION_LIMIT, 4);
  assertEquals(chooseBackends("windows", WIN, 6), [
    "ddagrab",
    "ddagrab",
    "ddagrab",
    "ddagrab",
    "gdigrab",
    "gdigrab",
  ]);
  assertEquals(chooseBackends("windows", WIN, 3, 1), ["ddagrab", "gdigrab", "gdigrab"]);
  assertEquals(chooseBackends("windows", WIN, 2, 0), ["gdigrab", "gdigrab"]);
  assertEquals(chooseBackends("windows", WIN, 2, -3), ["gdigrab", "gdigrab"]);
  assertEquals(chooseBackends("windows", ["gdigrab"], 2), ["gdigrab", "gdigrab"]);
  assertEquals(chooseBackends("windows", ["ddagrab"], 4), Array(4).fill("ddagrab"));
});

Deno.test("choose: a missing backend is CaptureUnsupported naming it, not retryable", () => {
  const cases: [Parameters<typeof chooseBackends>, string][] = [
    [["linux", ["kmsgrab", "lavfi"], 1], "this ffmpeg has no x11grab"],
    [["darwin", ["lavfi"], 1], "this ffmpeg has no avfoundation"],
    [["windows", ["lavfi"], 1], "neither ddagrab nor gdigrab"],
    [["windows", ["ddagrab"], 5], "this ffmpeg has no gdigrab, and only 4 of 5 monitors"],
    [["windows", ["ddagrab"], 2, 1], "only 1 of 2 monitors"],
  ];
  for (const [args, text] of cases) {
    const e = assertThrows(() => chooseBackends(...args), CaptureUnsupported, text);
    assertEquals((e as CaptureUnsupported).retryable, false);
  }
  // No monitors need no backend, whatever the ffmpeg has.
  assertEquals(chooseBackends("linux", [], 0), []);
  assertThrows(() => chooseBackends("linux", ["x11grab"], -1), RangeError);
});

Deno.test("choose: ddagrab falls back to gdigrab, nothing else has a fallback", () => {
  assertEquals(fallbackBackend("ddagrab"), "gdigrab");
  assertEquals(fallbackBackend("gdigrab"), null);
  assertEquals(fallbackBackend("x11grab"), null);
  assertEquals(fallbackBackend("avfoundation"), null);
});

Deno.test("choose: auto takes the first usable hardware encoder, else libx264", () => {
  assertEquals(chooseEncoder(["libx264"], "auto"), { encoder: "libx264" });
  assertEquals(chooseEncoder(["libx264", "h264_vaapi", "h264_qsv"], "auto"), {
    encoder: "h264_qsv",
  });
  assertEquals(chooseEncoder(["h264_mf", "libx264", "h264_amf"], "auto"), { encoder: "h264_amf" });
  assertEquals(chooseEncoder(["h264_mf", "libx264"], "auto"), { encoder: "h264_mf" });
  assertEquals(chooseEncoder(["libx264", "h264_nvenc", "h264_qsv"], "auto"), {
    encoder: "h264_nvenc",
  });
  assertEquals(chooseEncoder(["h264_videotoolbox"], "auto"), { encoder: "h264_videotoolbox" });
  // Names this module has no settings for are never chosen.
  assertEquals(chooseEncoder(["libopenh264", "libx264"], "auto"), { encoder: "libx264" });
});

Deno.test("choose: an explicit encoder is honoured if usable, else libx264 with the reason", () => {
  assertEquals(chooseEncoder(["libx264", "h264_nvenc"], "libx264"), { encoder: "libx264" });
  assertEquals(chooseEncoder(["libx264", "h264_nvenc", "h264_qsv"], "h264_qsv"), {
    encoder: "h264_qsv",
  });
  const fallback = chooseEncoder(["libx264", "h264_qsv"], "h264_nvenc");
  assertEquals(fallback.encoder, "libx264");
  assertEquals(
    fallback.reason,
    "h264_nvenc is not usable on this machine (not built into this ffmpeg, or its probe " +
      "encode failed); using libx264",
  );
  // Without libx264, a usable hardware encoder still beats failing.
  assertEquals(chooseEncoder(["h264_qsv"], "h264_nvenc").encoder, "h264_qsv");
});

Deno.test("choose: no usable encoder at all is CaptureUnsupported", () => {
  for (const pref of ["auto", "libx264", "h264_nvenc"] as const) {
    const e = assertThrows(
      () => chooseEncoder(["libopenh264"], pref),
      CaptureUnsupported,
      "no usable H.264 encoder",
    );
    assertEquals((e as CaptureUnsupported).retryable, false);
  }
});
