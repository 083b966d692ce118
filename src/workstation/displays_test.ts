/**
 * The display parsers on captured output, and the X11 lister against a real Xvfb with the real
 * command runner.
 */
import { CommandNotStarted, type CommandRunner, denoCommandRunner } from "../process/runner.ts";
import { assert, assertEquals, assertRejects } from "../testing/assert.ts";
import { startXvfb } from "../testing/xvfb.ts";
import {
  createDisplayLister,
  DisplaysNotSupported,
  DisplaysUnavailable,
  parseXdpyinfo,
  parseXrandrMonitors,
  x11DisplayLister,
} from "./displays.ts";

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

Deno.test("X11 lister: finds the size of a real Xvfb screen (xrandr when installed, else xdpyinfo)", async () => {
  const xvfb = await startXvfb("1600x900");
  try {
    const displays = await x11DisplayLister({ runner: denoCommandRunner }, {
      display: xvfb.display,
    }).list();
    assertEquals(displays.length, 1);
    assertEquals([displays[0]?.width, displays[0]?.height, displays[0]?.primary], [
      1600,
      900,
      true,
    ]);
    // Without xrandr: the xdpyinfo fallback sees the same screen.
    const fallback = await x11DisplayLister({ runner: denoCommandRunner }, {
      display: xvfb.display,
      xrandr: "/nonexistent/xrandr",
    }).list();
    assertEquals(fallback, [
      { index: 0, name: "screen 0", primary: true, x: 0, y: 0, width: 1600, height: 900, scale: 1 },
    ]);
  } finally {
    await xvfb.stop();
  }
});

Deno.test("X11 lister: a display nobody serves is unavailable (retryable)", async () => {
  const e = await assertRejects(
    () => x11DisplayLister({ runner: denoCommandRunner }, { display: ":4999" }).list(),
    DisplaysUnavailable,
    "cannot open X display :4999",
  );
  assert((e as DisplaysUnavailable).retryable);
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

Deno.test("createDisplayLister: Windows and macOS are explicitly not supported yet", async () => {
  for (const os of ["windows", "darwin"] as const) {
    const lister = createDisplayLister({ runner: denoCommandRunner }, { os, display: ":0" });
    await assertRejects(() => lister.list(), DisplaysNotSupported, `not supported on ${os}`);
  }
});
