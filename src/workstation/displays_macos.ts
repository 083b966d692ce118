/**
 * The monitors of a Mac, and the avfoundation device that captures each.
 *
 * Two sources, both through the CommandRunner:
 * - `system_profiler SPDisplaysDataType -json`: per GPU, `spdisplays_ndrvs` lists the displays
 *   with `_name`, `_spdisplays_pixels` ("5120 x 2880": the backing pixels, what avfoundation
 *   records), `_spdisplays_resolution` ("2560 x 1440 @ 60.00Hz": the points the desktop is laid
 *   out in) and `spdisplays_main: "spdisplays_yes"` on the main display. scale = pixels / points.
 * - `ffmpeg -f avfoundation -list_devices true -i ""` (stderr): video devices such as
 *   `[3] Capture screen 0`, i.e. screen K is avfoundation device 3.
 *
 * ffmpeg numbers its screens in CGGetActiveDisplayList order, whose first entry is the main
 * display; system_profiler lists displays by GPU and port. So screen 0 is matched with the main
 * display and screens 1.. with the other displays in system_profiler order — right for the main
 * display, and for the others as long as both orders agree (they do for the usual one-GPU Mac;
 * system_profiler gives no display ID that ffmpeg prints too). A display without a matching
 * screen cannot be captured and is left out.
 *
 * Geometry is in pixels. Neither tool tells where a display sits on the desktop, so x and y are
 * 0 for every monitor — avfoundation captures whole screens, so nothing here needs them.
 */
import {
  CommandNotStarted,
  type CommandResult,
  type CommandRunner,
  CommandTimedOut,
} from "../process/runner.ts";
import {
  type DisplayLister,
  DisplaysUnavailable,
  firstLine,
  MAX_DISPLAYS,
  MAX_NAME,
  type Monitor,
} from "./displays_model.ts";

/** One display as system_profiler describes it, in its order (main display not yet first). */
export interface MacDisplay {
  readonly name: string;
  readonly main: boolean;
  readonly pixelWidth: number;
  readonly pixelHeight: number;
  readonly scale: number;
}

/** "2560 x 1440 @ 60.00Hz", "5120 x 2880", "1920 x 1080 (1080p FHD ...)" → [w, h]. */
function size(text: unknown): [number, number] | undefined {
  if (typeof text !== "string") return undefined;
  const m = /(\d+)\s*x\s*(\d+)/.exec(text);
  if (!m) return undefined;
  const w = Number(m[1]);
  const h = Number(m[2]);
  return w >= 1 && h >= 1 ? [w, h] : undefined;
}

/** Older macOS versions spell some keys without the leading underscore. */
function field(d: Record<string, unknown>, key: string): unknown {
  return d[`_${key}`] ?? d[key];
}

/**
 * `system_profiler SPDisplaysDataType -json`. Displays that are offline
 * (`spdisplays_online: "spdisplays_no"`) or have no pixel size are skipped.
 * @throws SyntaxError when the text is not JSON.
 */
export function parseSystemProfilerDisplays(json: string): MacDisplay[] {
  const root: unknown = JSON.parse(json);
  const gpus = (root as { SPDisplaysDataType?: unknown } | null)?.SPDisplaysDataType;
  const displays: MacDisplay[] = [];
  for (const gpu of Array.isArray(gpus) ? gpus : []) {
    const ndrvs = (gpu as { spdisplays_ndrvs?: unknown } | null)?.spdisplays_ndrvs;
    for (const entry of Array.isArray(ndrvs) ? ndrvs : []) {
      if (typeof entry !== "object" || entry === null) continue;
      const d = entry as Record<string, unknown>;
      if (d.spdisplays_online === "spdisplays_no") continue;
      const points = size(field(d, "spdisplays_resolution"));
      const pixels = size(field(d, "spdisplays_pixels")) ?? points;
      if (!pixels) continue;
      const ratio = points ? pixels[0] / points[0] : 1;
      displays.push({
        name: (typeof d._name === "string" && d._name.trim() ? d._name.trim() : "Display")
          .slice(0, MAX_NAME),
        main: d.spdisplays_main === "spdisplays_yes",
        pixelWidth: pixels[0],
        pixelHeight: pixels[1],
        // The protocol takes 0 < scale <= 16; anything else is a misreading.
        scale: ratio > 0 && ratio <= 16 ? Math.round(ratio * 100) / 100 : 1,
      });
    }
  }
  return displays;
}

/**
 * ffmpeg's avfoundation device list (stderr): screen number → video device index. Only the
 * "video devices" section counts; its lines are `[AVFoundation indev @ 0x…] [3] Capture screen 0`.
 */
export function parseAvfoundationScreens(stderr: string): Map<number, string> {
  const screens = new Map<number, string>();
  let video = false;
  for (const line of stderr.split("\n")) {
    if (/AVFoundation video devices:/.test(line)) video = true;
    else if (/AVFoundation audio devices:/.test(line)) video = false;
    if (!video) continue;
    const m = /\]\s*\[(\d+)\]\s+Capture screen (\d+)\s*$/.exec(line);
    if (m?.[1] && m[2] && !screens.has(Number(m[2]))) screens.set(Number(m[2]), m[1]);
  }
  return screens;
}

/**
 * The monitors: the main display first (it is ffmpeg's screen 0), the rest in system_profiler
 * order; display K gets screen K's device, and a display with no screen is left out.
 */
export function combineMacDisplays(
  displays: readonly MacDisplay[],
  screens: ReadonlyMap<number, string>,
): Monitor[] {
  const main = displays.findIndex((d) => d.main);
  const ordered = main < 0
    ? [...displays]
    : [displays[main] as MacDisplay, ...displays.filter((_, i) => i !== main)];
  const monitors: Monitor[] = [];
  ordered.forEach((d, k) => {
    const device = screens.get(k);
    if (device === undefined || monitors.length >= MAX_DISPLAYS) return;
    monitors.push({
      index: monitors.length,
      name: d.name,
      // Without a marked main display, ffmpeg's screen 0 is still the main one.
      primary: main < 0 ? k === 0 : d.main,
      x: 0,
      y: 0,
      width: d.pixelWidth,
      height: d.pixelHeight,
      scale: d.scale,
      capture: { kind: "avfoundation", device },
    });
  });
  return monitors;
}

export interface MacDisplayOptions {
  /** The ffmpeg the recorder uses (its avfoundation device numbers are the ones that count). */
  readonly ffmpegPath?: string | undefined;
  /** Default "system_profiler" (from PATH). */
  readonly systemProfiler?: string | undefined;
  /** Per command; default 15 000 ms (system_profiler can take seconds). */
  readonly timeoutMs?: number | undefined;
}

export function macDisplayLister(
  deps: { readonly runner: CommandRunner },
  options: MacDisplayOptions = {},
): DisplayLister {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const run = async (command: string, args: string[], what: string): Promise<CommandResult> => {
    try {
      return await deps.runner.run(command, args, { timeoutMs });
    } catch (e) {
      if (e instanceof CommandNotStarted) {
        throw new DisplaysUnavailable(
          `cannot list the monitors: ${what} (${command}) cannot be started (${e.reason})`,
          false,
        );
      }
      if (e instanceof CommandTimedOut) {
        throw new DisplaysUnavailable(
          `cannot list the monitors: ${what} did not answer within ${timeoutMs} ms`,
          true,
        );
      }
      throw e;
    }
  };
  return {
    async list() {
      const profiler = await run(
        options.systemProfiler ?? "system_profiler",
        ["SPDisplaysDataType", "-json"],
        "system_profiler",
      );
      if (profiler.code !== 0) {
        const why = firstLine(profiler.stderr) || `exit code ${profiler.code}`;
        throw new DisplaysUnavailable(`system_profiler failed: ${why}`, true);
      }
      let displays: MacDisplay[];
      try {
        displays = parseSystemProfilerDisplays(profiler.stdout);
      } catch {
        throw new DisplaysUnavailable("system_profiler printed no JSON", false);
      }
      if (displays.length === 0) {
        // Lid closed without an external display, or displays asleep: may change.
        throw new DisplaysUnavailable("macOS reports no active display", true);
      }
      // ffmpeg exits non-zero here by design (the input "" cannot be opened); the list is on
      // stderr either way.
      const ffmpeg = options.ffmpegPath ?? "ffmpeg";
      const devices = await run(
        ffmpeg,
        ["-hide_banner", "-f", "avfoundation", "-list_devices", "true", "-i", ""],
        "ffmpeg",
      );
      const screens = parseAvfoundationScreens(devices.stderr);
      if (screens.size === 0) {
        throw new DisplaysUnavailable(
          `${ffmpeg} lists no avfoundation screen to capture: ` +
            (firstLine(devices.stderr) || `exit code ${devices.code}`) +
            ` (an ffmpeg built without avfoundation cannot record the screen; see ${ffmpeg} -devices)`,
          false,
        );
      }
      return combineMacDisplays(displays, screens);
    },
  };
}
