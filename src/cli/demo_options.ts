/**
 * `demo`'s options, checked before anything starts (pure): how long the recording script runs,
 * how many monitors the demo's own X display has, at what frame rate the agent records, and
 * whether the platform keeps running afterwards.
 */
export interface DemoOptions {
  /** Total length of the recording script, seconds. */
  readonly seconds: number;
  /** Monitors of the Xvfb display the demo starts when there is no display (1–4). */
  readonly monitors: number;
  readonly fps: number;
  /** Keep the platform (and its playback page) running until Ctrl-C. */
  readonly keep: boolean;
}

export const DEMO_DEFAULTS: DemoOptions = { seconds: 20, monitors: 2, fps: 5, keep: false };

const LIMITS = {
  seconds: [8, 3600],
  monitors: [1, 4],
  fps: [1, 30],
} as const;

export type DemoOptionsResult =
  | { readonly ok: true; readonly options: DemoOptions }
  | { readonly ok: false; readonly error: string };

export function parseDemoOptions(raw: {
  readonly seconds?: string | undefined;
  readonly monitors?: string | undefined;
  readonly fps?: string | undefined;
  readonly keep?: boolean | undefined;
}): DemoOptionsResult {
  const out = { ...DEMO_DEFAULTS, keep: raw.keep ?? false };
  for (const key of ["seconds", "monitors", "fps"] as const) {
    const text = raw[key];
    if (text === undefined) continue;
    const [min, max] = LIMITS[key];
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min || n > max) {
      return { ok: false, error: `--${key} must be a whole number from ${min} to ${max}` };
    }
    out[key] = n;
  }
  return { ok: true, options: out };
}
