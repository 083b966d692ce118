/**
 * Which monitors the workstation has and how ffmpeg captures each, for `getDisplayInfo` and
 * `agentHelperInfo.displays` (DESIGN.md §2): `createDisplayLister` picks the adapter for the OS
 * — X11 on Linux (displays_x11.ts, refusing Wayland sessions), PowerShell on Windows
 * (displays_windows.ts), system_profiler plus ffmpeg's avfoundation list on macOS
 * (displays_macos.ts). The shared shapes live in displays_model.ts and are re-exported here, so
 * callers import this module only. Callers pass environment values (DISPLAY,
 * XDG_SESSION_TYPE, WAYLAND_DISPLAY) as options; nothing here reads the environment.
 *
 * The protocol carries `DisplayInfo`; a `Monitor` adds its `capture` target, which must be
 * dropped with `toDisplayInfo` before a protocol writer sees it.
 */
import type { OsName } from "../config/paths.ts";
import type { CommandRunner } from "../process/runner.ts";
import { macDisplayLister } from "./displays_macos.ts";
import { type DisplayLister, DisplaysNotSupported } from "./displays_model.ts";
import { windowsDisplayLister } from "./displays_windows.ts";
import { x11DisplayLister } from "./displays_x11.ts";

export {
  type CaptureTarget,
  type DisplayInfo,
  type DisplayLister,
  DisplaysNotSupported,
  DisplaysUnavailable,
  type Monitor,
  toDisplayInfo,
} from "./displays_model.ts";

export interface DisplayListerOptions {
  readonly os: OsName;
  /** Linux: the session's DISPLAY, e.g. ":0". */
  readonly display?: string | undefined;
  /** Linux: XDG_SESSION_TYPE ("x11", "wayland", ...). */
  readonly sessionType?: string | undefined;
  /** Linux: WAYLAND_DISPLAY. */
  readonly waylandDisplay?: string | undefined;
  /** macOS: the ffmpeg whose avfoundation device numbers the recorder will use. */
  readonly ffmpegPath?: string | undefined;
  /** Windows: default "powershell.exe". */
  readonly powershell?: string | undefined;
  /** Per command; each adapter has its own default. */
  readonly timeoutMs?: number | undefined;
}

export function createDisplayLister(
  deps: { readonly runner: CommandRunner },
  options: DisplayListerOptions,
): DisplayLister {
  switch (options.os) {
    case "linux":
      return x11DisplayLister(deps, {
        display: options.display,
        sessionType: options.sessionType,
        waylandDisplay: options.waylandDisplay,
        timeoutMs: options.timeoutMs,
      });
    case "windows":
      return windowsDisplayLister(deps, {
        powershell: options.powershell,
        timeoutMs: options.timeoutMs,
      });
    case "darwin":
      return macDisplayLister(deps, {
        ffmpegPath: options.ffmpegPath,
        timeoutMs: options.timeoutMs,
      });
    default: {
      // An OS name from outside the type (a new platform, a bad cast): say so, do not guess.
      const os: string = options.os;
      return { list: () => Promise.reject(new DisplaysNotSupported(os)) };
    }
  }
}
