/**
 * The monitors of an X display (Linux), every X screen of it, and how x11grab reaches each.
 *
 * The caller passes the session's DISPLAY (nothing here reads the environment). An X display
 * can have several X screens (Zaphod setups, `Xvfb -screen 0 … -screen 1 …`), each with its own
 * coordinate space and its own RandR monitors; x11grab opens one screen (`:0.1`) and crops in
 * that screen's coordinates. So the lister asks `xrandr --display <host:display> --screen S
 * --listmonitors` for S = 0, 1, … until xrandr answers "Invalid screen number", and gives every
 * monitor `capture.display = <host:display>.<S>` and its geometry in screen S's coordinates.
 * Indexes run 0.. in (screen, monitor) order.
 *
 * When xrandr is missing, or fails or lists nothing for some screen (e.g. "RandR 1.5 not
 * supported"), `xdpyinfo` gives the screens, and each screen xrandr did not describe becomes one
 * monitor covering the whole screen at 0,0. The primary monitor is the RandR primary of the
 * screen the DISPLAY names (screen 0 unless it says `.S`); monitors of other screens are never
 * primary. X11 has no per-monitor scaling, so `scale` is 1.
 *
 * Names: RandR names repeat across screens (Xvfb calls every screen's monitor "screen"; two GPUs
 * can both have a "DP-1"), and a name must tell monitors apart in AgentServer's UI. A name that
 * occurs more than once gets its screen number appended as ":S" ("screen:0", "screen:1"), like
 * X's own "display.screen" notation; unique names stay as RandR gives them.
 *
 * A Wayland session is refused before any X tool runs (displays_wayland.ts).
 */
import {
  CommandNotStarted,
  type CommandResult,
  type CommandRunner,
  CommandTimedOut,
} from "../process/runner.ts";
import {
  type DisplayInfo,
  type DisplayLister,
  DisplaysUnavailable,
  firstLine,
  MAX_DISPLAYS,
  MAX_NAME,
  type Monitor,
  validDisplay,
} from "./displays_model.ts";
import { isWaylandSession, type SessionKind, waylandUnsupported } from "./displays_wayland.ts";

/**
 * `xrandr --listmonitors`:
 * ```
 * Monitors: 2
 *  0: +*DP-1 1920/527x1080/296+0+0  DP-1
 *  1: +HDMI-1 2560/597x1440/336+1920+0  HDMI-1
 * ```
 * `*` marks the primary monitor (`+` an automatic one); "RandR 1.5 not supported" lists none.
 * When none is marked, a single monitor is the primary; of several, none is (X did not say
 * which).
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
  const displays = found.filter(validDisplay).sort((a, b) => a.index - b.index);
  const [only] = displays;
  if (displays.length === 1 && only && !only.primary) return [{ ...only, primary: true }];
  return displays;
}

/**
 * `xdpyinfo`: every `screen #N:` section's `dimensions:    WxH pixels`, as one entry with
 * index N; the `default screen number` is the primary.
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
  return displays.filter(validDisplay).sort((a, b) => a.index - b.index);
}

/**
 * A DISPLAY string without its screen: ":0.1" → ":0" and screen 1, "host:10" → screen 0. A
 * string not of the form `[host]:N[.S]` is kept whole, as screen 0.
 */
export function splitDisplay(display: string): { base: string; screen: number } {
  const m = /^(.*:\d+)(?:\.(\d+))?$/.exec(display);
  if (!m?.[1]) return { base: display, screen: 0 };
  return { base: m[1], screen: Number(m[2] ?? "0") };
}

/** The monitors RandR (or xdpyinfo) reported for one X screen. */
export interface ScreenMonitors {
  readonly screen: number;
  readonly monitors: readonly DisplayInfo[];
}

/**
 * Numbers the monitors of all screens 0.. in (screen, monitor) order, keeps only the default
 * screen's primary, makes repeated names unique with ":S", and says how x11grab reaches each.
 */
export function assembleX11Monitors(
  screens: readonly ScreenMonitors[],
  base: string,
  defaultScreen: number,
): Monitor[] {
  const uses = new Map<string, number>();
  for (const s of screens) {
    for (const m of s.monitors) uses.set(m.name, (uses.get(m.name) ?? 0) + 1);
  }
  const out: Monitor[] = [];
  for (const s of [...screens].sort((a, b) => a.screen - b.screen)) {
    for (const m of s.monitors) {
      if (out.length >= MAX_DISPLAYS) return out;
      const suffix = (uses.get(m.name) ?? 0) > 1 ? `:${s.screen}` : "";
      out.push({
        index: out.length,
        name: m.name.slice(0, MAX_NAME - suffix.length) + suffix,
        primary: s.screen === defaultScreen && m.primary,
        x: m.x,
        y: m.y,
        width: m.width,
        height: m.height,
        scale: 1,
        capture: { kind: "x11", display: `${base}.${s.screen}` },
      });
    }
  }
  return out;
}

export interface X11DisplayOptions extends SessionKind {
  /** The X display to read, e.g. ":0" (the session's DISPLAY); absent: none known. */
  readonly display: string | undefined;
  /** Default "xrandr" (from PATH). */
  readonly xrandr?: string | undefined;
  /** Default "xdpyinfo" (from PATH). */
  readonly xdpyinfo?: string | undefined;
  /** Per command; default 5000 ms. */
  readonly timeoutMs?: number | undefined;
}

const FIX_TOOLS = "install x11-xserver-utils (xrandr) or x11-utils (xdpyinfo)";

/** xrandr's answer to `--screen S` past the last screen: "Invalid screen number 2 (display has 2)". */
const PAST_LAST_SCREEN = /Invalid screen number \d+/;

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

  /**
   * RandR monitors screen by screen; `complete` when xrandr described every screen up to the
   * one it called invalid. Stops at the first screen it could not describe: xdpyinfo then says
   * how many screens there are.
   */
  const randrScreens = async (base: string) => {
    const screens: ScreenMonitors[] = [];
    let total = 0;
    for (let s = 0; s < MAX_DISPLAYS && total < MAX_DISPLAYS; s++) {
      const r = await run(options.xrandr ?? "xrandr", [
        "--display",
        base,
        "--screen",
        String(s),
        "--listmonitors",
      ]);
      if (typeof r !== "object") return { screens, complete: false, xrandr: r };
      if (r.code !== 0) {
        const complete = s > 0 && PAST_LAST_SCREEN.test(r.stderr);
        return { screens, complete, xrandr: "failed" as const };
      }
      const monitors = parseXrandrMonitors(r.stdout);
      if (monitors.length === 0) return { screens, complete: false, xrandr: "failed" as const };
      screens.push({ screen: s, monitors });
      total += monitors.length;
    }
    return { screens, complete: true, xrandr: "ok" as const };
  };

  return {
    async list() {
      if (isWaylandSession(options)) throw waylandUnsupported(options);
      const display = options.display?.trim();
      if (!display) {
        throw new DisplaysUnavailable(
          "no X display is known (DISPLAY is not set): the agent must run in the operator's " +
            "graphical session",
          false,
        );
      }
      const { base, screen: defaultScreen } = splitDisplay(display);
      const randr = await randrScreens(base);
      if (randr.complete) return assembleX11Monitors(randr.screens, base, defaultScreen);

      // The DISPLAY as given, so xdpyinfo's default screen is the one the session names.
      const xdpyinfo = await run(options.xdpyinfo ?? "xdpyinfo", ["-display", display]);
      if (xdpyinfo === "missing") {
        throw new DisplaysUnavailable(
          randr.xrandr === "missing"
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
      const whole = parseXdpyinfo(xdpyinfo.stdout);
      if (whole.length === 0) {
        throw new DisplaysUnavailable(`xdpyinfo reported no screen for ${display}`, true);
      }
      const described = new Map(randr.screens.map((s) => [s.screen, s.monitors]));
      return assembleX11Monitors(
        whole.map((screen) => ({
          screen: screen.index,
          monitors: described.get(screen.index) ?? [screen],
        })),
        base,
        defaultScreen,
      );
    },
  };
}
