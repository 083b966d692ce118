/**
 * The X11 lister: its parsers on captured output, the screen-by-screen logic with a fake runner,
 * and the real thing against Xvfb with one and with two X screens — each monitor it reports is
 * then grabbed with the real ffmpeg's x11grab, as the recorder will.
 */
import {
  CommandNotStarted,
  type CommandResult,
  type CommandRunner,
  denoCommandRunner,
} from "../process/runner.ts";
import { assert, assertEquals, assertRejects } from "../testing/assert.ts";
import { startXvfb } from "../testing/xvfb.ts";
import { DisplaysUnavailable, type Monitor } from "./displays_model.ts";
import {
  assembleX11Monitors,
  parseXdpyinfo,
  parseXrandrMonitors,
  splitDisplay,
  x11DisplayLister,
} from "./displays_x11.ts";

// Captured from `xdpyinfo -display :377` on Xvfb with two screens (1600x900, 800x600); the
// long lists of visuals after each screen's first lines are cut ("...").
const XDPYINFO_TWO_SCREENS = `name of display:    :377
version number:    11.0
vendor string:    The X.Org Foundation
vendor release number:    12101007
X.Org version: 1.21.1.7
maximum request size:  16777212 bytes
motion buffer size:  256
bitmap unit, bit order, padding:    32, LSBFirst, 32
image byte order:    LSBFirst
number of supported pixmap formats:    6
supported pixmap formats:
    depth 1, bits_per_pixel 1, scanline_pad 32
    depth 4, bits_per_pixel 8, scanline_pad 32
    depth 8, bits_per_pixel 8, scanline_pad 32
    depth 16, bits_per_pixel 16, scanline_pad 32
    depth 24, bits_per_pixel 32, scanline_pad 32
    depth 32, bits_per_pixel 32, scanline_pad 32
keycode range:    minimum 8, maximum 255
focus:  PointerRoot
number of extensions:    22
    BIG-REQUESTS
    Composite
    DAMAGE
    DOUBLE-BUFFER
    GLX
    Generic Event Extension
    MIT-SCREEN-SAVER
    MIT-SHM
    Present
    RANDR
    RECORD
    RENDER
    SECURITY
    SHAPE
    SYNC
    X-Resource
    XC-MISC
    XFIXES
    XInputExtension
    XKEYBOARD
    XTEST
    XVideo
default screen number:    0
number of screens:    2

screen #0:
  dimensions:    1600x900 pixels (406x229 millimeters)
  resolution:    100x100 dots per inch
  depths (6):    24, 1, 4, 8, 16, 32
  root window id:    0x9f7
  depth of root window:    24 planes
  number of colormaps:    minimum 1, maximum 1
  default colormap:    0x20
  default number of colormap cells:    256
  ...

screen #1:
  dimensions:    800x600 pixels (203x152 millimeters)
  resolution:    100x100 dots per inch
  depths (6):    24, 1, 4, 8, 16, 32
  root window id:    0x9f9
  depth of root window:    24 planes
  number of colormaps:    minimum 1, maximum 1
  default colormap:    0x3d
  default number of colormap cells:    256
  ...
`;

// In the layout xrandr.c prints for --listmonitors: " %d: %s%s%s %d/%dx%d/%d+%d+%d " + outputs.
const XRANDR_THREE = `Monitors: 3
 0: +*DP-1 1920/527x1080/296+0+0  DP-1
 1: +HDMI-1 2560/597x1440/336+1920+0  HDMI-1
 2: +eDP-1 1280/344x800/194+-1280+280  eDP-1
`;

Deno.test("parseXrandrMonitors: position, size, primary; negative offsets", () => {
  assertEquals(parseXrandrMonitors(XRANDR_THREE), [
    { index: 0, name: "DP-1", primary: true, x: 0, y: 0, width: 1920, height: 1080, scale: 1 },
    {
      index: 1,
      name: "HDMI-1",
      primary: false,
      x: 1920,
      y: 0,
      width: 2560,
      height: 1440,
      scale: 1,
    },
    {
      index: 2,
      name: "eDP-1",
      primary: false,
      x: -1280,
      y: 280,
      width: 1280,
      height: 800,
      scale: 1,
    },
  ]);
});

Deno.test("parseXrandrMonitors: a single unmarked monitor is the primary; several stay unmarked", () => {
  assertEquals(parseXrandrMonitors("Monitors: 1\n 0: +screen 1280/339x720/191+0+0  screen\n"), [
    { index: 0, name: "screen", primary: true, x: 0, y: 0, width: 1280, height: 720, scale: 1 },
  ]);
  const two = parseXrandrMonitors(
    "Monitors: 2\n 0: +A 800/1x600/1+0+0  A\n 1: +B 800/1x600/1+800+0  B\n",
  );
  assertEquals(two.map((d) => d.primary), [false, false]);
  assertEquals(parseXrandrMonitors("RandR 1.5 not supported\n"), []);
  assertEquals(parseXrandrMonitors(""), []);
});

Deno.test("parseXdpyinfo: one entry per X screen, the default screen is the primary", () => {
  assertEquals(parseXdpyinfo(XDPYINFO_TWO_SCREENS), [
    { index: 0, name: "screen 0", primary: true, x: 0, y: 0, width: 1600, height: 900, scale: 1 },
    { index: 1, name: "screen 1", primary: false, x: 0, y: 0, width: 800, height: 600, scale: 1 },
  ]);
  assertEquals(parseXdpyinfo('xdpyinfo:  unable to open display ":5".\n'), []);
});

Deno.test("splitDisplay: the screen comes off, host and display number stay", () => {
  assertEquals(splitDisplay(":0"), { base: ":0", screen: 0 });
  assertEquals(splitDisplay(":78.1"), { base: ":78", screen: 1 });
  assertEquals(splitDisplay("localhost:10.0"), { base: "localhost:10", screen: 0 });
  assertEquals(splitDisplay("::1:3.2"), { base: "::1:3", screen: 2 });
  assertEquals(splitDisplay("weird"), { base: "weird", screen: 0 });
});

Deno.test("assembleX11Monitors: indexes in (screen, monitor) order, repeated names get :S, one primary", () => {
  const one = (name: string, primary: boolean, x = 0) => ({
    index: 0,
    name,
    primary,
    x,
    y: 0,
    width: 800,
    height: 600,
    scale: 1,
  });
  const monitors = assembleX11Monitors(
    [
      { screen: 1, monitors: [one("screen", true)] },
      { screen: 0, monitors: [one("screen", true), one("HDMI-1", false, 800)] },
    ],
    "host:3",
    0,
  );
  assertEquals(
    monitors.map((m) => [m.index, m.name, m.primary, m.x, m.capture]),
    [
      [0, "screen:0", true, 0, { kind: "x11", display: "host:3.0" }],
      [1, "HDMI-1", false, 800, { kind: "x11", display: "host:3.0" }],
      [2, "screen:1", false, 0, { kind: "x11", display: "host:3.1" }],
    ],
  );
  // The DISPLAY named screen 1: its monitor is the primary.
  assertEquals(
    assembleX11Monitors(
      [
        { screen: 0, monitors: [one("A", true)] },
        { screen: 1, monitors: [one("B", true)] },
      ],
      ":0",
      1,
    ).map((m) => m.primary),
    [false, true],
  );
});

/** A runner that answers from a table keyed by the command line, and records the calls. */
function fakeRunner(answers: Record<string, CommandResult | "missing">): {
  runner: CommandRunner;
  calls: string[];
} {
  const calls: string[] = [];
  return {
    calls,
    runner: {
      run: (command, args) => {
        const line = [command, ...args].join(" ");
        calls.push(line);
        const answer = answers[line] ?? answers[command];
        if (answer === undefined || answer === "missing") {
          return Promise.reject(new CommandNotStarted(command, "not found"));
        }
        return Promise.resolve(answer);
      },
    },
  };
}

const ok = (stdout: string): CommandResult => ({ code: 0, stdout, stderr: "" });
const PAST_LAST = (n: number): CommandResult => ({
  code: 1,
  stdout: "",
  stderr: `Invalid screen number ${n} (display has ${n})\n`,
});

Deno.test("X11 lister: asks xrandr screen by screen until it says the screen is invalid", async () => {
  const { runner, calls } = fakeRunner({
    "xrandr --display :5 --screen 0 --listmonitors": ok(XRANDR_THREE),
    "xrandr --display :5 --screen 1 --listmonitors": ok(
      "Monitors: 1\n 0: +*DP-1 1280/1x1024/1+0+0  DP-1\n",
    ),
    "xrandr --display :5 --screen 2 --listmonitors": PAST_LAST(2),
  });
  const monitors = await x11DisplayLister({ runner }, { display: ":5.0" }).list();
  assertEquals(
    monitors.map((m) => [m.index, m.name, m.primary, m.x, m.width, m.capture]),
    [
      [0, "DP-1:0", true, 0, 1920, { kind: "x11", display: ":5.0" }],
      [1, "HDMI-1", false, 1920, 2560, { kind: "x11", display: ":5.0" }],
      [2, "eDP-1", false, -1280, 1280, { kind: "x11", display: ":5.0" }],
      [3, "DP-1:1", false, 0, 1280, { kind: "x11", display: ":5.1" }],
    ],
  );
  assertEquals(calls.length, 3);
});

Deno.test("X11 lister: a screen xrandr cannot describe is taken whole from xdpyinfo", async () => {
  const { runner, calls } = fakeRunner({
    "xrandr --display :377 --screen 0 --listmonitors": ok(
      "Monitors: 2\n 0: +*L 800/1x900/1+0+0  L\n 1: +R 800/1x900/1+800+0  R\n",
    ),
    "xrandr --display :377 --screen 1 --listmonitors": ok("RandR 1.5 not supported\n"),
    "xdpyinfo -display :377": ok(XDPYINFO_TWO_SCREENS),
  });
  const monitors = await x11DisplayLister({ runner }, { display: ":377" }).list();
  assertEquals(monitors.map((m) => [m.name, m.primary, m.width, m.height, m.capture.kind]), [
    ["L", true, 800, 900, "x11"],
    ["R", false, 800, 900, "x11"],
    ["screen 1", false, 800, 600, "x11"],
  ]);
  assertEquals(monitors[2]?.capture, { kind: "x11", display: ":377.1" });
  assertEquals(calls.at(-1), "xdpyinfo -display :377");
});

Deno.test("X11 lister: without xrandr every screen is one monitor from xdpyinfo", async () => {
  const { runner } = fakeRunner({ "xdpyinfo -display :377.1": ok(XDPYINFO_TWO_SCREENS) });
  const monitors: Monitor[] = await x11DisplayLister({ runner }, { display: ":377.1" }).list();
  assertEquals(monitors.map((m) => [m.index, m.name, m.capture]), [
    [0, "screen 0", { kind: "x11", display: ":377.0" }],
    [1, "screen 1", { kind: "x11", display: ":377.1" }],
  ]);
});

Deno.test("X11 lister: no DISPLAY, or neither tool installed, is said plainly", async () => {
  const missing: CommandRunner = {
    run: (command) => Promise.reject(new CommandNotStarted(command, "not found")),
  };
  const none = await assertRejects(
    () => x11DisplayLister({ runner: missing }, { display: undefined }).list(),
    DisplaysUnavailable,
    "DISPLAY is not set",
  );
  assertEquals((none as DisplaysUnavailable).retryable, false);
  await assertRejects(
    () => x11DisplayLister({ runner: missing }, { display: ":0" }).list(),
    DisplaysUnavailable,
    "neither xrandr nor xdpyinfo is installed",
  );
});

Deno.test("X11 lister: a display nobody serves is unavailable (retryable)", async () => {
  const e = await assertRejects(
    () => x11DisplayLister({ runner: denoCommandRunner }, { display: ":4999" }).list(),
    DisplaysUnavailable,
    "cannot open X display :4999",
  );
  assert((e as DisplaysUnavailable).retryable);
});

/** What the recorder will run for one monitor: one frame through x11grab must work. */
async function grabOneFrame(m: Monitor): Promise<CommandResult> {
  assert(m.capture.kind === "x11");
  return await denoCommandRunner.run("ffmpeg", [
    "-hide_banner",
    "-loglevel",
    "error",
    "-f",
    "x11grab",
    "-video_size",
    `${m.width}x${m.height}`,
    "-i",
    `${m.capture.display}+${m.x},${m.y}`,
    "-frames:v",
    "1",
    "-f",
    "null",
    "-",
  ], { timeoutMs: 30_000 });
}

Deno.test("X11 lister: finds the size of a real Xvfb screen (xrandr when installed, else xdpyinfo)", async () => {
  const xvfb = await startXvfb("1600x900");
  try {
    const displays = await x11DisplayLister({ runner: denoCommandRunner }, {
      display: xvfb.display,
    }).list();
    assertEquals(displays.length, 1);
    assertEquals(
      [displays[0]?.width, displays[0]?.height, displays[0]?.primary, displays[0]?.capture],
      [1600, 900, true, { kind: "x11", display: `${xvfb.display}.0` }],
    );
    // Without xrandr: the xdpyinfo fallback sees the same screen.
    const fallback = await x11DisplayLister({ runner: denoCommandRunner }, {
      display: xvfb.display,
      xrandr: "/nonexistent/xrandr",
    }).list();
    assertEquals(fallback, [
      {
        index: 0,
        name: "screen 0",
        primary: true,
        x: 0,
        y: 0,
        width: 1600,
        height: 900,
        scale: 1,
        capture: { kind: "x11", display: `${xvfb.display}.0` },
      },
    ]);
  } finally {
    await xvfb.stop();
  }
});

Deno.test("X11 lister: a real Xvfb with two X screens gives two monitors, each grabbable by ffmpeg", async () => {
  const xvfb = await startXvfb(["1920x1080", "1280x720"]);
  try {
    const n = xvfb.display;
    for (const xrandr of [undefined, "/nonexistent/xrandr"]) {
      const monitors = await x11DisplayLister({ runner: denoCommandRunner }, {
        display: n,
        xrandr,
      }).list();
      assertEquals(
        monitors.map((m) => [m.index, m.primary, m.x, m.y, m.width, m.height, m.capture]),
        [
          [0, true, 0, 0, 1920, 1080, { kind: "x11", display: `${n}.0` }],
          [1, false, 0, 0, 1280, 720, { kind: "x11", display: `${n}.1` }],
        ],
      );
      // Xvfb names both RandR monitors "screen"; xdpyinfo's are "screen 0", "screen 1".
      assertEquals(
        monitors.map((m) => m.name),
        xrandr ? ["screen 0", "screen 1"] : ["screen:0", "screen:1"],
      );
      for (const m of monitors) {
        const grab = await grabOneFrame(m);
        assertEquals(grab.code, 0, `x11grab ${JSON.stringify(m.capture)}: ${grab.stderr}`);
      }
    }
    // DISPLAY naming screen 1 makes its monitor the primary.
    const fromScreen1 = await x11DisplayLister({ runner: denoCommandRunner }, {
      display: `${n}.1`,
    }).list();
    assertEquals(fromScreen1.map((m) => [m.primary, m.capture]), [
      [false, { kind: "x11", display: `${n}.0` }],
      [true, { kind: "x11", display: `${n}.1` }],
    ]);
  } finally {
    await xvfb.stop();
  }
});
