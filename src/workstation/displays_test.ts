/**
 * The factory picks the adapter by OS (seen through the commands each runs, with a fake runner),
 * and `toDisplayInfo` leaves only what the protocol carries. Each adapter has its own test file.
 */
import type { OsName } from "../config/paths.ts";
import { CommandNotStarted, type CommandRunner } from "../process/runner.ts";
import { buildMessage } from "../protocol/catalog.ts";
import { assertEquals, assertRejects } from "../testing/assert.ts";
import {
  createDisplayLister,
  DisplaysNotSupported,
  DisplaysUnavailable,
  type Monitor,
  toDisplayInfo,
} from "./displays.ts";

function recordingRunner(): { runner: CommandRunner; commands: string[] } {
  const commands: string[] = [];
  return {
    commands,
    runner: {
      run: (command) => {
        commands.push(command);
        return Promise.reject(new CommandNotStarted(command, "not found"));
      },
    },
  };
}

Deno.test("createDisplayLister: X11 tools on Linux, PowerShell on Windows, system_profiler on macOS", async () => {
  const cases: [OsName, string[]][] = [
    ["linux", ["xrandr", "xdpyinfo"]],
    ["windows", ["C:\\ps.exe"]],
    ["darwin", ["system_profiler"]],
  ];
  for (const [os, expected] of cases) {
    const { runner, commands } = recordingRunner();
    const lister = createDisplayLister({ runner }, {
      os,
      display: ":0",
      powershell: "C:\\ps.exe",
      ffmpegPath: "/opt/ffmpeg",
    });
    await assertRejects(() => lister.list(), DisplaysUnavailable);
    assertEquals(commands, expected, os);
  }
});

Deno.test("createDisplayLister: an OS outside the known three is refused plainly", async () => {
  const lister = createDisplayLister(recordingRunner(), { os: "plan9" as OsName });
  await assertRejects(() => lister.list(), DisplaysNotSupported, "not supported on plan9");
});

Deno.test("toDisplayInfo: drops capture, so the strict protocol writer accepts the list", () => {
  const monitor: Monitor = {
    index: 0,
    name: "DP-1",
    primary: true,
    x: 0,
    y: 0,
    width: 1920,
    height: 1080,
    scale: 1,
    capture: { kind: "x11", display: ":0.0" },
  };
  const info = toDisplayInfo(monitor);
  assertEquals(info, {
    index: 0,
    name: "DP-1",
    primary: true,
    x: 0,
    y: 0,
    width: 1920,
    height: 1080,
    scale: 1,
  });
  buildMessage("wss3", "resultGetDisplayInfo", { result: "success", displays: [info] });
});
