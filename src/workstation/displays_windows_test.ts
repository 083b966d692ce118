/**
 * The Windows lister, which cannot run here: its JSON parser on sample output in the shape its
 * script prints (constructed from the documented Screen / ConvertTo-Json behaviour, not captured
 * on Windows), the script it builds, and the command it hands the runner (a fake one).
 */
import { CommandNotStarted, type CommandRunner, CommandTimedOut } from "../process/runner.ts";
import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "../testing/assert.ts";
import { DisplaysUnavailable } from "./displays_model.ts";
import {
  encodePowerShell,
  parseWindowsScreens,
  windowsDisplayLister,
  windowsScreensCommand,
  windowsScreensScript,
} from "./displays_windows.ts";

// Two monitors: a 150 % laptop panel (primary) and a 100 % monitor to its left.
const TWO_SCREENS = JSON.stringify([
  {
    DeviceName: "\\\\.\\DISPLAY1",
    Primary: true,
    Bounds: { X: 0, Y: 0, Width: 2880, Height: 1800 },
    Scale: 1.5,
  },
  {
    DeviceName: "\\\\.\\DISPLAY2",
    Primary: false,
    Bounds: { X: -1920, Y: 360, Width: 1920, Height: 1080 },
    Scale: 1,
  },
]);

// ConvertTo-Json of a one-item pipeline prints the object, not an array; pretty-printed, with
// the raw System.Drawing.Rectangle's extra properties and no Scale.
const ONE_SCREEN = `{
    "DeviceName":  "\\\\\\\\.\\\\DISPLAY1",
    "Primary":  true,
    "Bounds":  {
                   "Location":  { "IsEmpty":  true, "X":  0, "Y":  0 },
                   "Size":  { "IsEmpty":  false, "Width":  1920, "Height":  1080 },
                   "X":  0,
                   "Y":  0,
                   "Width":  1920,
                   "Height":  1080,
                   "Left":  0,
                   "Top":  0,
                   "Right":  1920,
                   "Bottom":  1080,
                   "IsEmpty":  false
               }
}`;

Deno.test("parseWindowsScreens: an array of screens, physical geometry, scale, DXGI order", () => {
  assertEquals(parseWindowsScreens(TWO_SCREENS), [
    {
      index: 0,
      name: "DISPLAY1",
      primary: true,
      x: 0,
      y: 0,
      width: 2880,
      height: 1800,
      scale: 1.5,
      capture: { kind: "windows", outputIndex: 0 },
    },
    {
      index: 1,
      name: "DISPLAY2",
      primary: false,
      x: -1920,
      y: 360,
      width: 1920,
      height: 1080,
      scale: 1,
      capture: { kind: "windows", outputIndex: 1 },
    },
  ]);
});

Deno.test("parseWindowsScreens: a single object (ConvertTo-Json unwraps one item), scale 1 when unknown", () => {
  assertEquals(parseWindowsScreens(ONE_SCREEN), [
    {
      index: 0,
      name: "DISPLAY1",
      primary: true,
      x: 0,
      y: 0,
      width: 1920,
      height: 1080,
      scale: 1,
      capture: { kind: "windows", outputIndex: 0 },
    },
  ]);
});

Deno.test("parseWindowsScreens: unusable entries skipped but their output index kept; bad JSON throws", () => {
  const monitors = parseWindowsScreens(JSON.stringify([
    { DeviceName: "\\\\.\\DISPLAY1", Primary: false, Bounds: { X: 0, Y: 0, Width: 0, Height: 0 } },
    { Primary: true, Bounds: { X: 0, Y: 0, Width: 1280, Height: 1024 }, Scale: 99 },
  ]));
  assertEquals(monitors.map((m) => [m.index, m.name, m.scale, m.capture]), [
    [0, "DISPLAY2", 1, { kind: "windows", outputIndex: 1 }],
  ]);
  assertEquals(parseWindowsScreens("\uFEFF[]"), []);
  assertEquals(parseWindowsScreens("null"), []);
  assertThrows(() => parseWindowsScreens("Add-Type : error"), SyntaxError);
});

Deno.test("windowsScreensScript: DPI aware before it reads the screens, JSON out", () => {
  const script = windowsScreensScript();
  const aware = script.indexOf(
    "[AgentHelperDpi]::SetProcessDpiAwarenessContext([IntPtr]::new(-4))",
  );
  const fallback = script.indexOf("[AgentHelperDpi]::SetProcessDPIAware()");
  const screens = script.indexOf("[System.Windows.Forms.Screen]::AllScreens");
  assert(aware > 0 && fallback > aware && screens > fallback, "awareness comes first");
  for (const part of ["GetDpiForMonitor", "DeviceName", "Primary", "Bounds", "ConvertTo-Json"]) {
    assertStringIncludes(script, part);
  }
});

Deno.test("encodePowerShell: base64 of UTF-16LE, as -EncodedCommand wants", () => {
  // "dir" in UTF-16LE is 64 00 69 00 72 00.
  assertEquals(encodePowerShell("dir"), "ZABpAHIA");
  const script = windowsScreensScript();
  const bytes = Uint8Array.from(atob(encodePowerShell(script)), (c) => c.charCodeAt(0));
  assertEquals(new TextDecoder("utf-16le").decode(bytes), script);
});

Deno.test("Windows lister: runs powershell.exe with the script through the runner", async () => {
  const calls: { command: string; args: readonly string[]; timeoutMs: number | undefined }[] = [];
  const runner: CommandRunner = {
    run: (command, args, options) => {
      calls.push({ command, args, timeoutMs: options?.timeoutMs });
      return Promise.resolve({ code: 0, stdout: `${TWO_SCREENS}\r\n`, stderr: "" });
    },
  };
  const monitors = await windowsDisplayLister({ runner }).list();
  assertEquals(monitors.map((m) => m.name), ["DISPLAY1", "DISPLAY2"]);
  const [command, args] = windowsScreensCommand({});
  assertEquals(calls, [{ command: "powershell.exe", args, timeoutMs: 10_000 }]);
  assertEquals(args.slice(0, 3), ["-NoProfile", "-NonInteractive", "-EncodedCommand"]);
  assertEquals(command, "powershell.exe");
  assertEquals(
    windowsScreensCommand({ powershell: "C:\\ps\\powershell.exe" })[0],
    "C:\\ps\\powershell.exe",
  );
});

Deno.test("Windows lister: failures say whether a retry can help", async () => {
  const lister = (run: CommandRunner["run"]) => windowsDisplayLister({ runner: { run } });
  const expect = async (run: CommandRunner["run"], text: string, retryable: boolean) => {
    const e = await assertRejects(() => lister(run).list(), DisplaysUnavailable, text);
    assertEquals((e as DisplaysUnavailable).retryable, retryable, text);
  };
  await expect(
    (c) => Promise.reject(new CommandNotStarted(c, "not found")),
    "cannot be started",
    false,
  );
  await expect((c) => Promise.reject(new CommandTimedOut(c, 10_000)), "did not answer", true);
  await expect(
    () => Promise.resolve({ code: 1, stdout: "", stderr: "Add-Type : Cannot add type.\r\n" }),
    "PowerShell failed: Add-Type : Cannot add type.",
    true,
  );
  await expect(
    () => Promise.resolve({ code: 0, stdout: "WARNING: something", stderr: "" }),
    "printed no JSON",
    false,
  );
  await expect(
    () => Promise.resolve({ code: 0, stdout: "", stderr: "" }),
    "no active monitor",
    true,
  );
});
