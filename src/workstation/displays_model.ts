/**
 * The shapes every display adapter shares (DESIGN.md §2 `getDisplayInfo`): `DisplayInfo` is what
 * the protocol carries, `Monitor` adds how ffmpeg captures that monitor, and the two errors say
 * why a list could not be made. Kept apart from the adapters so that they and the factory in
 * displays.ts import it without importing each other.
 */
import type { OsName } from "../config/paths.ts";

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

/**
 * How ffmpeg grabs one monitor.
 * - `x11`: `-f x11grab -video_size WxH -i <display>+x,y`; the monitor's x, y are in that X
 *   screen's own coordinates.
 * - `windows`: `-f lavfi -i ddagrab=output_idx=<outputIndex>`; gdigrab is the fallback and uses
 *   the monitor's x, y, width, height (virtual-desktop coordinates, physical pixels) as
 *   `-offset_x/-offset_y/-video_size`.
 * - `avfoundation`: `-f avfoundation -i <device>`; the whole screen, in pixels.
 */
export type CaptureTarget =
  | {
    readonly kind: "x11";
    /** The X display with its screen, e.g. ":0.1". */
    readonly display: string;
  }
  | {
    readonly kind: "windows";
    /** The DXGI output index, for ddagrab's `output_idx`. */
    readonly outputIndex: number;
    readonly adapterIndex?: number;
  }
  | {
    readonly kind: "avfoundation";
    /** The avfoundation video device index, e.g. "3". */
    readonly device: string;
  };

export interface Monitor extends DisplayInfo {
  readonly capture: CaptureTarget;
}

export interface DisplayLister {
  list(): Promise<Monitor[]>;
}

/**
 * The protocol's view of a monitor: the writers are strict and refuse unknown keys, so
 * `capture` (ours, not AgentServer's business) must not reach them.
 */
export function toDisplayInfo(m: DisplayInfo): DisplayInfo {
  return {
    index: m.index,
    name: m.name,
    primary: m.primary,
    x: m.x,
    y: m.y,
    width: m.width,
    height: m.height,
    scale: m.scale,
  };
}

/** No display adapter for this OS. Retrying will not help. */
export class DisplaysNotSupported extends Error {
  override readonly name = "DisplaysNotSupported";
  readonly retryable = false;
  constructor(readonly os: string) {
    super(`listing displays is not supported on ${os}`);
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
export const MAX_DISPLAYS = 64;
export const MAX_NAME = 256;

/** A monitor the protocol can carry and ffmpeg can grab: a real size, an index in range. */
export function validDisplay(d: DisplayInfo): boolean {
  return d.index >= 0 && d.index < MAX_DISPLAYS && d.width >= 1 && d.height >= 1;
}

/** The first line of a tool's output, short enough for an error message. */
export function firstLine(text: string): string {
  return text.trim().split("\n")[0]?.trim().slice(0, 200) ?? "";
}

/** Kept for callers that name the OS type through this module. */
export type { OsName };
