/**
 * Which monitors the workstation has, for `agentHelperInfo.displays` and
 * `resultGetDisplayInfo` (DESIGN.md §2): `DisplayLister` is the interface, and X11 (Linux) is
 * its one real adapter so far. Windows and macOS answer with {@link DisplaysNotSupported}
 * until issue 5 adds their adapters — never with made-up geometry.
 *
 * X11: the monitors of the X display named by the `display` option (the caller passes the
 * session's `DISPLAY`; nothing here reads the environment), from `xrandr --listmonitors`
 * (RandR monitors: one per active output, with position and primary flag), or, where xrandr
 * is missing or fails, from `xdpyinfo` (one entry per X screen, each at 0,0 in its own
 * coordinate space). Both run through the CommandRunner and are given the display with their
 * `-display` / `--display` option. X11 has no per-monitor scaling, so `scale` is 1. The
 * parsers are pure and tested on captured output.
 */
import type { OsName } from "../config/paths.ts";
import {
  CommandNotStarted,
  type CommandResult,
  type CommandRunner,
  CommandTimedOut,
} from "../process/runner.ts";

/** One monitor, as `displayInfo` in src/protocol/fields.ts. */
export interface DisplayInfo {
  readonly index: number;
  readonly name: string;
  readonly primary: boolean;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** Device pixels per logical pixel (1 = 100 %). */
  readonly scale: number;
}

export interface DisplayLister {
  list(): Promise<DisplayInfo[]>;
}

/** This OS has no display adapter yet (Windows, macOS: issue 5). Retrying will not help. */
export class DisplaysNotSupported extends Error {
  override readonly name = "DisplaysNotSupported";
  readonly retryable = false;
  constructor(readonly os: OsName) {
    super(`listing displays is not supported on ${os} yet`);
  }
}

/** The displays could not be read; says whether trying again could help. */
export class DisplaysUnavailable extends Error {
  override readonly name = "DisplaysUnavailable";
  constructor(message: string, readonly retryable: boolean) {
    super(message);
  }
}

/** What the protocol can carry (fields.ts: indexes 0-63, at most 64 displays, short names). */
const MAX_INDEX = 63;
const MAX_NAME = 256;

function valid(d: DisplayInfo): boolean {
  return d.index >= 0 && d.index <= MAX_INDEX && d.width >= 1 && d.height >= 1;
}

/**
 * `xrandr --listmonitors`:
 * ```
 * Monitors: 2
 *  0: +*DP-1 1920/527x1080/296+0+0  DP-1
 *  1: +HDMI-1 2560/597x1440/336+1920+0  HDMI-1
 * ```
 * `*` marks the primary monitor (`+` an automatic one); "RandR 1.5 not supported" lists none. When none is marked, a single monitor
 * is the primary; of several, none is (X did not say which).
 */
export function parseXrandrMonitors(text: string): DisplayInfo[] {
  // xrandr.c prints " %d: %s%s%s %d/%dx%d/%d+%d+%d ": a negative offset comes out as "+-1280".
  const line = /^\s*(\d+):\s+([+*]*)(\S+)\s+(\d+)\/\d+x(\d+)\/\d+\+(-?\d+)\+(-?\d+)/;
  const found: DisplayInfo[] = [];
  for (const l of text.split("\n")) {
    const m = line.exec(l);
    if (!m) continue;
    const [, index = "", flags = "", name = "", w = "", h = "", x = "", y = ""] = m;
    found.push({
      index: Number(index),
      name: name.slice(0, MAX_NAME),
      primary: flags.includes("*"),
      x: Number(x),
      y: Number(y),
      width: Number(w),
      height: Number(h),
      scale: 1,
    });
  }
  const displays = found.filter(valid).sort((a, b) => a.index - b.index);
  const [only] = displays;
  if (displays.length === 1 && only && !only.primary) return [{ ...only, primary: true }];
  return displays;
}

/**
 * `xdpyinfo`: every `screen #N:` section's `dimensions:    WxH pixels`; the
 * `default screen number` is the primary.
 */
export function parseXdpyinfo(text: string): DisplayInfo[] {
  const defaultScreen = Number(/^default screen number:\s+(\d+)/m.exec(text)?.[1] ?? "0");
  const displays: DisplayInfo[] = [];
  const sections = text.split(/^screen #(\d+):/m);
  // split with a capture group: [before, n0, body0, n1, body1, ...]
  for (let i = 1; i + 1 < sections.length; i += 2) {
    const index = Number(sections[i]);
    const dims = /^\s*dimensions:\s+(\d+)x(\d+) pixels/m.exec(sections[i + 1] ?? "");
    if (!dims) continue;
    displays.push({
      index,
      name: `screen ${index}`,
      primary: index === defaultScreen,
      x: 0,
      y: 0,
      width: Number(dims[1]),
      height: Number(dims[2]),
      scale: 1,
    });
  }
  return displays.filter(valid).sort((a, b) => a.index - b.index);
}

export interface X11DisplayOptions {
  /** The X display to read, e.g. ":0" (the session's DISPLAY); absent: none known. */
  readonly display: string | undefined;
  /** Default "xrandr" (from PATH). */
  readonly xrandr?: string;
  /** Default "xdpyinfo" (from PATH). */
  readonly xdpyinfo?: string;
  /** Per command; default 5000 ms. */
  readonly timeoutMs?: number;
}

const FIX_TOOLS = "install x11-xserver-utils (xrandr) or x11-utils (xdpyinfo)";

function firstLine(text: string): string {
  return text.trim().split("\n")[0]?.slice(0, 200) ?? "";
}

export function x11DisplayLister(
  deps: { readonly runner: CommandRunner },
  options: X11DisplayOptions,
): DisplayLister {
  const timeoutMs = options.timeoutMs ?? 5000;
  const run = async (
    command: string,
    args: string[],
  ): Promise<CommandResult | "missing" | "timeout"> => {
    try {
      return await deps.runner.run(command, args, { timeoutMs });
    } catch (e) {
      if (e instanceof CommandNotStarted) return "missing";
      if (e instanceof CommandTimedOut) return "timeout";
      throw e;
    }
  };
  return {
    async list() {
      const display = options.display?.trim();
      if (!display) {
        throw new DisplaysUnavailable(
          "no X display is known (DISPLAY is not set): the agent must run in the operator's " +
            "graphical session",
          false,
        );
      }
      const xrandr = await run(options.xrandr ?? "xrandr", [
        "--display",
        display,
        "--listmonitors",
      ]);
      if (typeof xrandr === "object" && xrandr.code === 0) {
        const monitors = parseXrandrMonitors(xrandr.stdout);
        if (monitors.length > 0) return monitors;
      }
      const xdpyinfo = await run(options.xdpyinfo ?? "xdpyinfo", ["-display", display]);
      if (xdpyinfo === "missing") {
        throw new DisplaysUnavailable(
          xrandr === "missing"
            ? `cannot list the monitors of ${display}: neither xrandr nor xdpyinfo is installed ` +
              `(${FIX_TOOLS})`
            : `cannot list the monitors of ${display}: xrandr gave none and xdpyinfo is not ` +
              `installed (${FIX_TOOLS})`,
          false,
        );
      }
      if (xdpyinfo === "timeout") {
        throw new DisplaysUnavailable(`xdpyinfo did not answer for ${display}`, true);
      }
      if (xdpyinfo.code !== 0) {
        const why = firstLine(xdpyinfo.stderr) || firstLine(xdpyinfo.stdout) ||
          `exit code ${xdpyinfo.code}`;
        throw new DisplaysUnavailable(`cannot open X display ${display}: ${why}`, true);
      }
      const screens = parseXdpyinfo(xdpyinfo.stdout);
      if (screens.length === 0) {
        throw new DisplaysUnavailable(`xdpyinfo reported no screen for ${display}`, true);
      }
      return screens;
    },
  };
}

/** The lister for this OS: X11 on Linux; an explicit refusal elsewhere (issue 5). */
export function createDisplayLister(
  deps: { readonly runner: CommandRunner },
  options: { readonly os: OsName } & X11DisplayOptions,
): DisplayLister {
  if (options.os !== "linux") {
    const os = options.os;
    return { list: () => Promise.reject(new DisplaysNotSupported(os)) };
  }
  return x11DisplayLister(deps, options);
}
