/**
 * The monitors of a Windows desktop, from one PowerShell run.
 *
 * The script first makes its process per-monitor DPI aware: otherwise Windows hands a
 * DPI-unaware process scaled ("logical") monitor bounds, while ddagrab and gdigrab work in
 * physical pixels — a 150 % monitor would be cropped to two thirds. It then lists
 * `System.Windows.Forms.Screen.AllScreens` (device name, primary flag, bounds in virtual-desktop
 * coordinates) and each monitor's effective DPI (GetDpiForMonitor; scale 1 where that is not
 * available, before Windows 8.1), and prints them as JSON.
 *
 * Capture: `outputIndex` is the monitor's position in AllScreens, taken as its DXGI output index
 * for ddagrab. AllScreens follows EnumDisplayMonitors, which matches the DXGI output order in the
 * usual single-adapter case; with several adapters (or an unusual driver) it may not, and gdigrab,
 * which needs only the desktop offsets and size given here, is the fallback.
 *
 * The script goes to powershell.exe as -EncodedCommand (base64 of UTF-16LE), not -Command: the
 * script holds double quotes and newlines, which Windows command-line quoting and powershell.exe's
 * own argument joining do not carry through reliably.
 */
import { CommandNotStarted, type CommandRunner, CommandTimedOut } from "../process/runner.ts";
import {
  type DisplayLister,
  DisplaysUnavailable,
  firstLine,
  MAX_DISPLAYS,
  MAX_NAME,
  type Monitor,
} from "./displays_model.ts";

/** The PowerShell script that prints the screens as JSON (one object per screen). */
export function windowsScreensScript(): string {
  return `$ErrorActionPreference = 'Stop'
Add-Type -TypeDefinition @'
using System;
using System.Runtime.InteropServices;
public static class AgentHelperDpi {
  [StructLayout(LayoutKind.Sequential)] public struct POINT { public int X; public int Y; }
  [DllImport("user32.dll")] public static extern bool SetProcessDpiAwarenessContext(IntPtr value);
  [DllImport("user32.dll")] public static extern bool SetProcessDPIAware();
  [DllImport("user32.dll")] public static extern IntPtr MonitorFromPoint(POINT pt, uint flags);
  [DllImport("shcore.dll")] public static extern int GetDpiForMonitor(IntPtr monitor, int type, out uint dpiX, out uint dpiY);
}
'@
# Per-monitor v2 (-4) needs Windows 10 1703; older systems get system-wide awareness.
$aware = $false
try { $aware = [AgentHelperDpi]::SetProcessDpiAwarenessContext([IntPtr]::new(-4)) } catch { }
if (-not $aware) { [void][AgentHelperDpi]::SetProcessDPIAware() }
Add-Type -AssemblyName System.Windows.Forms
$screens = @(foreach ($s in [System.Windows.Forms.Screen]::AllScreens) {
  $b = $s.Bounds
  $scale = 1.0
  try {
    $p = New-Object AgentHelperDpi+POINT
    $p.X = $b.X + [int]($b.Width / 2); $p.Y = $b.Y + [int]($b.Height / 2)
    $h = [AgentHelperDpi]::MonitorFromPoint($p, 2)
    $dx = [uint32]0; $dy = [uint32]0
    if ([AgentHelperDpi]::GetDpiForMonitor($h, 0, [ref]$dx, [ref]$dy) -eq 0 -and $dx -gt 0) { $scale = $dx / 96.0 }
  } catch { }
  [pscustomobject]@{
    DeviceName = $s.DeviceName
    Primary = $s.Primary
    Bounds = [pscustomobject]@{ X = $b.X; Y = $b.Y; Width = $b.Width; Height = $b.Height }
    Scale = $scale
  }
})
ConvertTo-Json -InputObject $screens -Depth 3 -Compress
`;
}

/** powershell.exe's -EncodedCommand form: base64 of the script's UTF-16LE bytes. */
export function encodePowerShell(script: string): string {
  const bytes = new Uint8Array(script.length * 2);
  for (let i = 0; i < script.length; i++) {
    const unit = script.charCodeAt(i);
    bytes[2 * i] = unit & 0xff;
    bytes[2 * i + 1] = unit >> 8;
  }
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** "\\.\DISPLAY1" → "DISPLAY1": the device-namespace prefix says nothing to a person. */
function displayName(deviceName: unknown, position: number): string {
  const raw = typeof deviceName === "string" ? deviceName.replace(/^\\\\\.\\/, "").trim() : "";
  return (raw || `DISPLAY${position + 1}`).slice(0, MAX_NAME);
}

/**
 * The script's JSON: an array of `{DeviceName, Primary, Bounds: {X, Y, Width, Height}, Scale}`,
 * or a single such object (ConvertTo-Json unwraps one-element pipelines). Entries without a
 * usable size are skipped; their position still counts as a DXGI output.
 * @throws SyntaxError when the text is not JSON.
 */
export function parseWindowsScreens(json: string): Monitor[] {
  // A UTF-8 byte-order mark can lead PowerShell's redirected output.
  const parsed: unknown = JSON.parse(json.replace(/^\uFEFF/, ""));
  const items: unknown[] = Array.isArray(parsed) ? parsed : parsed === null ? [] : [parsed];
  const monitors: Monitor[] = [];
  items.forEach((item, position) => {
    if (typeof item !== "object" || item === null || monitors.length >= MAX_DISPLAYS) return;
    const s = item as Record<string, unknown>;
    const bounds = (typeof s.Bounds === "object" && s.Bounds !== null ? s.Bounds : {}) as Record<
      string,
      unknown
    >;
    const x = num(bounds.X) ?? 0;
    const y = num(bounds.Y) ?? 0;
    const width = num(bounds.Width) ?? 0;
    const height = num(bounds.Height) ?? 0;
    if (width < 1 || height < 1) return;
    const scale = num(s.Scale);
    monitors.push({
      index: monitors.length,
      name: displayName(s.DeviceName, position),
      primary: s.Primary === true,
      x: Math.round(x),
      y: Math.round(y),
      width: Math.round(width),
      height: Math.round(height),
      // The protocol takes 0 < scale <= 16; anything else is a misreading.
      scale: scale !== undefined && scale > 0 && scale <= 16 ? Math.round(scale * 100) / 100 : 1,
      capture: { kind: "windows", outputIndex: position },
    });
  });
  return monitors;
}

export interface WindowsDisplayOptions {
  /** Default "powershell.exe" (from PATH). */
  readonly powershell?: string | undefined;
  /** Default 10 000 ms: PowerShell plus Add-Type's compile can take seconds on a cold start. */
  readonly timeoutMs?: number | undefined;
}

/** The command line the lister runs: `[command, args]`. */
export function windowsScreensCommand(options: WindowsDisplayOptions): [string, string[]] {
  return [options.powershell ?? "powershell.exe", [
    "-NoProfile",
    "-NonInteractive",
    "-EncodedCommand",
    encodePowerShell(windowsScreensScript()),
  ]];
}

export function windowsDisplayLister(
  deps: { readonly runner: CommandRunner },
  options: WindowsDisplayOptions = {},
): DisplayLister {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    async list() {
      const [command, args] = windowsScreensCommand(options);
      let result;
      try {
        result = await deps.runner.run(command, args, { timeoutMs });
      } catch (e) {
        if (e instanceof CommandNotStarted) {
          throw new DisplaysUnavailable(
            `cannot list the monitors: ${command} cannot be started (${e.reason})`,
            false,
          );
        }
        if (e instanceof CommandTimedOut) {
          throw new DisplaysUnavailable(
            `cannot list the monitors: PowerShell did not answer within ${timeoutMs} ms`,
            true,
          );
        }
        throw e;
      }
      if (result.code !== 0) {
        // A locked or switching desktop can make the enumeration fail for a moment.
        const why = firstLine(result.stderr) || firstLine(result.stdout) ||
          `exit code ${result.code}`;
        throw new DisplaysUnavailable(`cannot list the monitors: PowerShell failed: ${why}`, true);
      }
      let monitors: Monitor[];
      try {
        monitors = parseWindowsScreens(result.stdout.trim() || "[]");
      } catch {
        // The script and the parser disagree: no retry will change that.
        throw new DisplaysUnavailable(
          `cannot list the monitors: PowerShell printed no JSON: ${firstLine(result.stdout)}`,
          false,
        );
      }
      if (monitors.length === 0) {
        // No active monitor now (all off, a remote session reconnecting): may change.
        throw new DisplaysUnavailable("Windows reports no active monitor", true);
      }
      return monitors;
    },
  };
}
