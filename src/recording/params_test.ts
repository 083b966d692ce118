import { assertEquals } from "../testing/assert.ts";
import { type CaptureDefaults, sameSettings, settingsFor } from "./params.ts";

const DEFAULTS: CaptureDefaults = {
  frameRate: 5,
  keyframeIntervalSec: 2,
  quality: { crf: 30, maxBitrateKbps: 0, maxHeight: 0 },
  displays: [{ display: 1, crf: 26, maxHeight: 720 }],
};

Deno.test("config defaults, then the config's display override, then AgentServer's params", () => {
  assertEquals(settingsFor(DEFAULTS, undefined, 0), {
    frameRate: 5,
    keyframeIntervalSec: 2,
    quality: { crf: 30, maxBitrateKbps: 0, maxHeight: 0 },
  });
  assertEquals(settingsFor(DEFAULTS, undefined, 1).quality, {
    crf: 26,
    maxBitrateKbps: 0,
    maxHeight: 720,
  });
  const params = { frameRate: 10, quality: [{ display: 1, maxBitrateKbps: 400 }] };
  assertEquals(settingsFor(DEFAULTS, params, 1), {
    frameRate: 10,
    keyframeIntervalSec: 2,
    quality: { crf: 26, maxBitrateKbps: 400, maxHeight: 720 },
  });
  assertEquals(settingsFor(DEFAULTS, params, 0).quality.maxBitrateKbps, 0);
});

Deno.test("sameSettings tells whether a running encoder can go on", () => {
  const a = settingsFor(DEFAULTS, undefined, 0);
  assertEquals(sameSettings(a, settingsFor(DEFAULTS, {}, 0)), true);
  assertEquals(sameSettings(a, settingsFor(DEFAULTS, { frameRate: 6 }, 0)), false);
  assertEquals(
    sameSettings(a, settingsFor(DEFAULTS, { quality: [{ display: 0, crf: 29 }] }, 0)),
    false,
  );
});
