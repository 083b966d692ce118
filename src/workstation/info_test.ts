/**
 * agentHelperInfo from facts, displays and the ffmpeg probe: accepted by the wss3 writer, and
 * honest when ffmpeg or the displays are unknown. The last test gathers this machine's real
 * facts and a real Xvfb's display.
 */
import { getLogger } from "@logtape/logtape";
import type { FfmpegInfo } from "../ffmpeg/probe.ts";
import { denoCommandRunner } from "../process/runner.ts";
import { buildMessage } from "../protocol/catalog.ts";
import { assert, assertEquals } from "../testing/assert.ts";
import { startXvfb } from "../testing/xvfb.ts";
import { PRODUCT_VERSION } from "../version.ts";
import { createDisplayLister, type DisplayInfo } from "./displays.ts";
import type { WorkstationFacts } from "./facts.ts";
import { buildAgentHelperInfo, gatherAgentHelperInfo, MAX_FRAME_RATE } from "./info.ts";
import { parseOsRelease, systemWorkstationFacts } from "./system_facts.ts";

const FACTS: WorkstationFacts = {
  computerName: "VDI-OPS-017",
  realComputerName: "cac-jo-257",
  realComputerIP: "192.168.7.21",
  osLogin: "operator1",
  osDomain: "CORP",
  versionAgentHelper: "AgentHelper 1.2.3",
  osVersion: "Windows 10.0.22631",
  session: "horizon",
};

const DISPLAYS: DisplayInfo[] = [
  { index: 0, name: "DP-1", primary: true, x: 0, y: 0, width: 1920, height: 1080, scale: 1 },
  { index: 1, name: "HDMI-1", primary: false, x: 1920, y: 0, width: 2560, height: 1440, scale: 1 },
];

const FFMPEG: FfmpegInfo = {
  location: { path: "/usr/bin/ffmpeg", source: "PATH" },
  version: "5.1.6-0+deb12u1",
  captureBackends: ["x11grab", "kmsgrab", "lavfi"],
  h264Encoders: ["libx264", "h264_vaapi"],
};

Deno.test("buildAgentHelperInfo: every field, accepted by the wss3 writer", () => {
  const data = buildAgentHelperInfo(FACTS, DISPLAYS, FFMPEG, {
    tenantId: "tenant-1",
    sessionId: "session-42",
  });
  assertEquals(data, {
    computerName: "VDI-OPS-017",
    realComputerName: "cac-jo-257",
    realComputerIP: "192.168.7.21",
    osLogin: "operator1",
    osDomain: "CORP",
    versionAgentHelper: "AgentHelper 1.2.3",
    osVersion: "Windows 10.0.22631",
    displays: DISPLAYS,
    capabilities: {
      encoders: ["libx264", "h264_vaapi"],
      captureBackends: ["x11grab", "kmsgrab"],
      maxFrameRate: MAX_FRAME_RATE,
    },
    tenantId: "tenant-1",
    sessionId: "session-42",
  });
  const message = buildMessage("wss3", "agentHelperInfo", data);
  assertEquals([message.action, message.version], ["agentHelperInfo", "1.0"]);
});

Deno.test("buildAgentHelperInfo: no ffmpeg, no displays, no ids, few facts: still a valid message", () => {
  const data = buildAgentHelperInfo(
    { versionAgentHelper: PRODUCT_VERSION, osVersion: "Linux 6.1.0", session: "rdp" },
    [],
    null,
    { tenantId: "", sessionId: undefined },
  );
  assertEquals(data, {
    versionAgentHelper: PRODUCT_VERSION,
    osVersion: "Linux 6.1.0",
    displays: [],
    capabilities: { encoders: [], captureBackends: [], maxFrameRate: 30 },
  });
  buildMessage("wss3", "agentHelperInfo", data);
});

Deno.test("parseOsRelease: PRETTY_NAME, quoted or not", () => {
  assertEquals(
    parseOsRelease('NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'),
    "Debian GNU/Linux 12 (bookworm)",
  );
  assertEquals(parseOsRelease("ID=alpine\nPRETTY_NAME=Alpine\n"), "Alpine");
  assertEquals(parseOsRelease("PRETTY_NAME='Fedora 40'\n"), "Fedora 40");
  assertEquals(parseOsRelease('PRETTY_NAME="say \\"hi\\""'), 'say "hi"');
  assertEquals(parseOsRelease("NAME=x\n"), undefined);
});

Deno.test("gatherAgentHelperInfo: this machine's facts and a real Xvfb's screen", async () => {
  const xvfb = await startXvfb("1024x768");
  try {
    const platform = { os: "linux" as const, env: { USER: "tester", DISPLAY: xvfb.display } };
    const data = await gatherAgentHelperInfo({
      facts: () => systemWorkstationFacts(platform),
      displays: createDisplayLister({ runner: denoCommandRunner }, {
        os: "linux",
        display: platform.env.DISPLAY,
      }),
      ffmpeg: () => null,
      log: getLogger(["agent-helper", "test"]),
    }, { tenantId: "t-1" });
    assertEquals(data.osLogin, "tester");
    assert(data.computerName && data.computerName === data.realComputerName);
    assertEquals(data.displays.map((d) => [d.width, d.height, d.primary]), [[1024, 768, true]]);
    assertEquals(data.tenantId, "t-1");
    buildMessage("wss3", "agentHelperInfo", data);
  } finally {
    await xvfb.stop();
  }
});

Deno.test("gatherAgentHelperInfo: a failing display lister means no displays, not no message", async () => {
  const data = await gatherAgentHelperInfo({
    facts: () => FACTS,
    displays: createDisplayLister({ runner: denoCommandRunner }, { os: "windows", display: "" }),
    ffmpeg: () => FFMPEG,
    log: getLogger(["agent-helper", "test"]),
  });
  assertEquals(data.displays, []);
  assertEquals(data.capabilities.encoders, ["libx264", "h264_vaapi"]);
});
