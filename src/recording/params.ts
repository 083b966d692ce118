/**
 * The encoding settings of one monitor for one segment: the config's `capture` defaults, its
 * per-display overrides, then AgentServer's `params` (possibly per call, PROTOCOL.md §5), in
 * that order; a key absent at one level keeps the level below. Pure.
 */

export interface Quality {
  readonly crf: number;
  readonly maxBitrateKbps: number;
  readonly maxHeight: number;
}

export interface DisplayQuality {
  readonly display: number;
  readonly crf?: number | undefined;
  readonly maxBitrateKbps?: number | undefined;
  readonly maxHeight?: number | undefined;
}

/** The config's `capture` section (schema.ts). */
export interface CaptureDefaults {
  readonly frameRate: number;
  readonly keyframeIntervalSec: number;
  readonly quality: Quality;
  readonly displays: readonly DisplayQuality[];
}

/** `params` of startScreenRecord / restartScreenRecord (wss3.ts). */
export interface RecordParams {
  readonly frameRate?: number | undefined;
  readonly keyframeIntervalSec?: number | undefined;
  readonly quality?: readonly DisplayQuality[] | undefined;
}

export interface MonitorSettings {
  readonly frameRate: number;
  readonly keyframeIntervalSec: number;
  readonly quality: Quality;
}

function overlay(base: Quality, over: DisplayQuality | undefined): Quality {
  if (!over) return base;
  return {
    crf: over.crf ?? base.crf,
    maxBitrateKbps: over.maxBitrateKbps ?? base.maxBitrateKbps,
    maxHeight: over.maxHeight ?? base.maxHeight,
  };
}

export function settingsFor(
  defaults: CaptureDefaults,
  params: RecordParams | undefined,
  display: number,
): MonitorSettings {
  const configured = overlay(
    defaults.quality,
    defaults.displays.find((d) => d.display === display),
  );
  return {
    frameRate: params?.frameRate ?? defaults.frameRate,
    keyframeIntervalSec: params?.keyframeIntervalSec ?? defaults.keyframeIntervalSec,
    quality: overlay(configured, params?.quality?.find((d) => d.display === display)),
  };
}

export function sameSettings(a: MonitorSettings, b: MonitorSettings): boolean {
  return a.frameRate === b.frameRate && a.keyframeIntervalSec === b.keyframeIntervalSec &&
    a.quality.crf === b.quality.crf && a.quality.maxBitrateKbps === b.quality.maxBitrateKbps &&
    a.quality.maxHeight === b.quality.maxHeight;
}
