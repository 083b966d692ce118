/**
 * What an ffmpeg can do: its version, the screen-capture backends it has, and its H.264
 * encoders. Parsers are pure (tested on real output); `probeFfmpeg` runs the binary.
 * A hardware encoder listed here is only a candidate: the recording issue proves it with a
 * probe encode before use.
 */
import { CommandNotStarted, type CommandRunner } from "../process/runner.ts";
import { H264_ENCODER_NAMES } from "../capture/types.ts";
import type { FfmpegLocation } from "./locate.ts";

/** Screen capture: input devices, plus Windows' ddagrab, which is a filter source. */
export const CAPTURE_DEVICES = ["x11grab", "kmsgrab", "gdigrab", "avfoundation", "lavfi"] as const;
export const CAPTURE_FILTERS = ["ddagrab"] as const;
/**
 * The H.264 encoders the agent has settings for, and libopenh264, which it lists so that a
 * build offering only that one is recognised (and refused with a reason) rather than unseen.
 */
export const H264_ENCODERS = [...H264_ENCODER_NAMES, "libopenh264"] as const;

export interface FfmpegInfo {
  readonly location: FfmpegLocation;
  readonly version: string;
  readonly captureBackends: readonly string[];
  readonly h264Encoders: readonly string[];
}

export function parseVersion(text: string): string | undefined {
  return /^ffmpeg version (\S+)/m.exec(text)?.[1];
}

/**
 * Names in a `-devices` / `-filters` / `-encoders` listing: each entry line is a flags column
 * (letters, dots, `|`; devices may leave one blank) followed by the name. Legend lines carry
 * " = " and are skipped.
 */
export function parseListing(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    if (line.includes(" = ")) continue;
    const [flags, name] = line.trim().split(/\s+/);
    if (flags && name && /^[A-Z.|]{1,6}$/.test(flags)) {
      for (const n of name.split(",")) names.add(n);
    }
  }
  return names;
}

export function captureBackendsOf(devices: Set<string>, filters: Set<string>): string[] {
  return [
    ...CAPTURE_DEVICES.filter((d) => devices.has(d)),
    ...CAPTURE_FILTERS.filter((f) => filters.has(f)),
  ];
}

export function h264EncodersOf(encoders: Set<string>): string[] {
  return H264_ENCODERS.filter((e) => encoders.has(e));
}

/** The probe failed; says whether trying again could help. */
export class FfmpegUnusable extends Error {
  override readonly name = "FfmpegUnusable";
  constructor(message: string, readonly retryable: boolean) {
    super(message);
  }
}

export async function probeFfmpeg(
  runner: CommandRunner,
  location: FfmpegLocation,
): Promise<FfmpegInfo> {
  const run = async (flag: string) => {
    try {
      const r = await runner.run(location.path, ["-hide_banner", flag], { timeoutMs: 15_000 });
      if (r.code !== 0) {
        throw new FfmpegUnusable(
          `${location.path} ${flag} exited with ${r.code}: ${r.stderr.trim().slice(0, 200)}`,
          false,
        );
      }
      return r.stdout;
    } catch (e) {
      if (e instanceof FfmpegUnusable) throw e;
      throw new FfmpegUnusable((e as Error).message, !(e instanceof CommandNotStarted));
    }
  };
  const versionText = await run("-version");
  const version = parseVersion(versionText);
  if (!version) {
    throw new FfmpegUnusable(`${location.path} does not look like ffmpeg (no version line)`, false);
  }
  const [devices, filters, encoders] = await Promise.all([
    run("-devices"),
    run("-filters"),
    run("-encoders"),
  ]);
  return {
    location,
    version,
    captureBackends: captureBackendsOf(parseListing(devices), parseListing(filters)),
    h264Encoders: h264EncodersOf(parseListing(encoders)),
  };
}
