/**
 * The macOS lister, which cannot run here: its parsers and the pairing of displays with
 * avfoundation screens, on sample outputs constructed from the formats Apple's system_profiler
 * and ffmpeg's avfoundation device print (not captured on a Mac), and the commands it runs
 * through a fake runner.
 */
import type { CommandResult, CommandRunner } from "../process/runner.ts";
import { assertEquals, assertRejects, assertThrows } from "../testing/assert.ts";
import { DisplaysUnavailable } from "./displays_model.ts";
import {
  combineMacDisplays,
  macDisplayLister,
  parseAvfoundationScreens,
  parseSystemProfilerDisplays,
} from "./displays_macos.ts";

// A MacBook Pro (Apple silicon) with its Retina panel and an external 5K display set as the main
// display, the external listed second, as system_profiler lists them by port.
const PROFILER_TWO = `{
  "SPDisplaysDataType" : [
    {
      "_name" : "Apple M1 Pro",
      "spdisplays_mtlgpufamilysupport" : "spdisplays_metal3",
      "spdisplays_ndrvs" : [
        {
          "_name" : "Color LCD",
          "_spdisplays_display-product-id" : "a050",
          "_spdisplays_display-vendor-id" : "610",
          "_spdisplays_displayID" : "1",
          "_spdisplays_pixels" : "3024 x 1964",
          "_spdisplays_resolution" : "1512 x 982 @ 120.00Hz",
          "spdisplays_ambient_brightness" : "spdisplays_yes",
          "spdisplays_connection_type" : "spdisplays_internal",
          "spdisplays_display_type" : "spdisplays_built-in-liquid-retina-xdr",
          "spdisplays_mirror" : "spdisplays_off",
          "spdisplays_online" : "spdisplays_yes",
          "spdisplays_pixelresolution" : "spdisplays_3024x1964Retina"
        },
        {
          "_name" : "LG UltraFine",
          "_spdisplays_display-product-id" : "5b71",
          "_spdisplays_display-vendor-id" : "1e6d",
          "_spdisplays_displayID" : "3",
          "_spdisplays_pixels" : "5120 x 2880",
          "_spdisplays_resolution" : "2560 x 1440 @ 60.00Hz",
          "spdisplays_main" : "spdisplays_yes",
          "spdisplays_mirror" : "spdisplays_off",
          "spdisplays_online" : "spdisplays_yes",
          "spdisplays_pixelresolution" : "spdisplays_5120x2880Retina"
        }
      ],
      "sppci_bus" : "spdisplays_builtin",
      "sppci_cores" : "16",
      "sppci_device_type" : "spdisplays_gpu",
      "sppci_model" : "Apple M1 Pro",
      "sppci_vendor" : "sppci_vendor_Apple"
    }
  ]
}
`;

// An older Intel Mac: no pixel field, "spdisplays_resolution" without the underscore, and a
// GPU with no display attached (no spdisplays_ndrvs).
const PROFILER_OLD = `{
  "SPDisplaysDataType" : [
    { "_name" : "Intel Iris Plus Graphics 655", "sppci_model" : "Intel Iris Plus Graphics 655" },
    {
      "_name" : "Radeon Pro 560X",
      "spdisplays_ndrvs" : [
        {
          "_name" : "DELL U2415",
          "spdisplays_resolution" : "1920 x 1200 @ 60 Hz",
          "spdisplays_main" : "spdisplays_yes"
        },
        { "_name" : "Sleeping", "_spdisplays_resolution" : "1920 x 1080", "spdisplays_online" : "spdisplays_no" }
      ]
    }
  ]
}`;

// ffmpeg -f avfoundation -list_devices true -i "" (stderr), with a camera and an iPhone
// (Continuity Camera) ahead of the screens.
const AVFOUNDATION = `[AVFoundation indev @ 0x7fa1b2c04a80] AVFoundation video devices:
[AVFoundation indev @ 0x7fa1b2c04a80] [0] FaceTime HD Camera
[AVFoundation indev @ 0x7fa1b2c04a80] [1] Operator's iPhone Camera
[AVFoundation indev @ 0x7fa1b2c04a80] [2] Capture screen 0
[AVFoundation indev @ 0x7fa1b2c04a80] [3] Capture screen 1
[AVFoundation indev @ 0x7fa1b2c04a80] AVFoundation audio devices:
[AVFoundation indev @ 0x7fa1b2c04a80] [0] MacBook Pro Microphone
[AVFoundation indev @ 0x7fa1b2c04a80] [1] Capture screen 7
[in#0 @ 0x7fa1b2c04580] Error opening input: Input/output error
Error opening input file .
`;

Deno.test("parseSystemProfilerDisplays: pixels, scale = pixels / points, the main display", () => {
  assertEquals(parseSystemProfilerDisplays(PROFILER_TWO), [
    { name: "Color LCD", main: false, pixelWidth: 3024, pixelHeight: 1964, scale: 2 },
    { name: "LG UltraFine", main: true, pixelWidth: 5120, pixelHeight: 2880, scale: 2 },
  ]);
  assertEquals(parseSystemProfilerDisplays(PROFILER_OLD), [
    { name: "DELL U2415", main: true, pixelWidth: 1920, pixelHeight: 1200, scale: 1 },
  ]);
  assertEquals(parseSystemProfilerDisplays('{"SPDisplaysDataType": []}'), []);
  assertEquals(parseSystemProfilerDisplays("{}"), []);
  assertThrows(() => parseSystemProfilerDisplays("system_profiler: crashed"), SyntaxError);
});

Deno.test("parseAvfoundationScreens: screen number to video device index, video section only", () => {
  assertEquals([...parseAvfoundationScreens(AVFOUNDATION)], [[0, "2"], [1, "3"]]);
  assertEquals(parseAvfoundationScreens("Unknown input format: 'avfoundation'\n").size, 0);
});

Deno.test("combineMacDisplays: the main display is screen 0, geometry in pixels at 0,0", () => {
  const monitors = combineMacDisplays(
    parseSystemProfilerDisplays(PROFILER_TWO),
    parseAvfoundationScreens(AVFOUNDATION),
  );
  assertEquals(monitors, [
    {
      index: 0,
      name: "LG UltraFine",
      primary: true,
      x: 0,
      y: 0,
      width: 5120,
      height: 2880,
      scale: 2,
      capture: { kind: "avfoundation", device: "2" },
    },
    {
      index: 1,
      name: "Color LCD",
      primary: false,
      x: 0,
      y: 0,
      width: 3024,
      height: 1964,
      scale: 2,
      capture: { kind: "avfoundation", device: "3" },
    },
  ]);
  // A display ffmpeg has no screen for cannot be captured: left out.
  const one = combineMacDisplays(parseSystemProfilerDisplays(PROFILER_TWO), new Map([[0, "1"]]));
  assertEquals(one.map((m) => [m.index, m.name, m.capture]), [
    [0, "LG UltraFine", { kind: "avfoundation", device: "1" }],
  ]);
});

Deno.test("macOS lister: system_profiler, then the given ffmpeg's device list, through the runner", async () => {
  const calls: string[] = [];
  const runner: CommandRunner = {
    run: (command, args) => {
      calls.push([command, ...args].join(" "));
      const result: CommandResult = command === "system_profiler"
        ? { code: 0, stdout: PROFILER_TWO, stderr: "" }
        : { code: 1, stdout: "", stderr: AVFOUNDATION };
      return Promise.resolve(result);
    },
  };
  const monitors = await macDisplayLister({ runner }, { ffmpegPath: "/opt/ah/ffmpeg" }).list();
  assertEquals(monitors.map((m) => [m.name, m.capture]), [
    ["LG UltraFine", { kind: "avfoundation", device: "2" }],
    ["Color LCD", { kind: "avfoundation", device: "3" }],
  ]);
  assertEquals(calls, [
    "system_profiler SPDisplaysDataType -json",
    "/opt/ah/ffmpeg -hide_banner -f avfoundation -list_devices true -i ",
  ]);
});

Deno.test("macOS lister: no screen in ffmpeg's list is unavailable, not retryable", async () => {
  const runner: CommandRunner = {
    run: (command) =>
      Promise.resolve(
        command === "system_profiler"
          ? { code: 0, stdout: PROFILER_TWO, stderr: "" }
          : { code: 1, stdout: "", stderr: "Unknown input format: 'avfoundation'\n" },
      ),
  };
  const e = await assertRejects(
    () => macDisplayLister({ runner }).list(),
    DisplaysUnavailable,
    "Unknown input format",
  );
  assertEquals((e as DisplaysUnavailable).retryable, false);
});
