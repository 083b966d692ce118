import { DisplaysUnavailable } from "../workstation/displays.ts";
import type { FfmpegInfo } from "../ffmpeg/probe.ts";
import { assertEquals, assertStringIncludes } from "../testing/assert.ts";
import { displayFindings } from "./display_checks.ts";
import { fakeLister, fakeSystem, FFMPEG, monitor, ScriptedRunner } from "./fake_doctor.ts";
import type { Finding } from "./report.ts";

const INFO: FfmpegInfo = {
  location: { path: FFMPEG, source: "config" },
  version: "7.1",
  captureBackends: ["x11grab", "lavfi"],
  h264Encoders: ["libx264"],
};
const GRAB = `${FFMPEG} -hide_banner -f x11grab -i :0 -frames:v 1 -f null -`;
const FRAME = {
  code: 0,
  stderr: "Stream #0:0: Video: rawvideo (BGR[0] / 0x524742), bgr0, 1920x1080, 30 fps",
};
const lines = (f: Finding[]) => f.map((x) => `${x.verdict} ${x.topic}: ${x.detail}`);

Deno.test("display: a frame of DISPLAY is grabbed and the monitors are listed", async () => {
  const seen: unknown[] = [];
  const runner = new ScriptedRunner({ [GRAB]: FRAME });
  const f = await displayFindings(
    fakeSystem({ runner, env: { DISPLAY: ":0", XDG_SESSION_TYPE: "x11" } }),
    INFO,
    fakeLister([monitor(0, 1920, 1080), monitor(1, 1280, 1024, 1920)], seen),
  );
  assertEquals(lines(f), [
    "OK display: captured one frame of :0, 1920x1080",
    "OK monitors: 2: 1920x1080 (primary) at 0,0; 1280x1024 at 1920,0",
  ]);
  assertEquals(seen, [{
    os: "linux",
    display: ":0",
    sessionType: "x11",
    waylandDisplay: undefined,
  }]);
});

Deno.test("display: a failed grab, a failed listing and no monitors", async () => {
  const runner = new ScriptedRunner({
    [GRAB]: {
      code: 1,
      stderr: "[x11grab @ 0x1] Cannot open display :0, error 1.\n:0: Input/output error",
    },
  });
  const sys = fakeSystem({ runner, env: { DISPLAY: ":0" } });
  const f = await displayFindings(
    sys,
    INFO,
    fakeLister(new DisplaysUnavailable("cannot open X display :0: xrandr failed", true)),
  );
  assertEquals(f.map((x) => `${x.verdict} ${x.topic}`), ["FAIL display", "FAIL monitors"]);
  assertStringIncludes(f[0]!.detail, "cannot capture :0: :0: Input/output error");
  assertStringIncludes(f[1]!.detail, "cannot list the monitors: cannot open X display");
  assertStringIncludes(f[1]!.fix ?? "", "xrandr");
  const none = await displayFindings(sys, undefined, fakeLister([]));
  assertEquals(lines(none), ["WARN monitors: none found: nothing would be recorded"]);
});

Deno.test("display: no DISPLAY, and a Wayland session even with XWayland, are FAIL", async () => {
  const lister = fakeLister([monitor(0, 800, 600)]);
  const noDisplay = await displayFindings(fakeSystem({ env: {} }), INFO, lister);
  assertEquals(lines(noDisplay), ["FAIL display: DISPLAY is not set: no X11 screen to capture"]);
  for (
    const env of [
      { DISPLAY: ":0", XDG_SESSION_TYPE: "wayland" },
      { WAYLAND_DISPLAY: "wayland-0" },
    ]
  ) {
    const f = await displayFindings(fakeSystem({ env }), INFO, lister);
    assertEquals(f.map((x) => `${x.verdict} ${x.topic}`), ["FAIL display"], JSON.stringify(env));
    assertStringIncludes(f[0]!.detail, "a Wayland session");
    assertStringIncludes(f[0]!.fix ?? "", "X11 (Xorg) session");
  }
});

Deno.test("display: elsewhere no test capture yet, but the monitors as the agent lists them", async () => {
  const seen: unknown[] = [];
  const f = await displayFindings(
    fakeSystem({ os: "darwin" }),
    INFO,
    fakeLister([monitor(0, 2880, 1800)], seen),
  );
  assertEquals(lines(f), [
    "WARN display: no test capture on darwin yet",
    "OK monitors: 1: 2880x1800 (primary) at 0,0",
  ]);
  assertEquals(seen, [{ os: "darwin", ffmpegPath: FFMPEG }]);
  const win = await displayFindings(
    fakeSystem({ os: "windows" }),
    undefined,
    fakeLister(new Error("powershell.exe: not found")),
  );
  assertEquals(win.map((x) => x.verdict), ["WARN", "FAIL"]);
  assertStringIncludes(win[1]!.fix ?? "", "test recording");
});
