/**
 * The recorder's `EncoderPlanner` on the capture module: which backend and encoder each
 * monitor gets, and ffmpeg's argv for a run. After three failed runs in a row a ddagrab
 * monitor falls back to gdigrab (DESIGN.md §4: "DXGI capture falls back to GDI").
 */
import {
  buildTappedEncoderArgs,
  chooseBackends,
  chooseEncoder,
  fallbackBackend,
  tapRefusal,
} from "../capture/mod.ts";

import type { CaptureBackend, H264Encoder, PipelinePlan } from "../capture/types.ts";
import type { OsName } from "../config/paths.ts";
import type { MonitorSettings } from "../recording/params.ts";
import type { EncoderAvailability, EncoderPlan, EncoderPlanner } from "../recording/recorder.ts";
import type { Monitor } from "../workstation/displays.ts";
import type { FfmpegState } from "./agent.ts";

/** Consecutive failed runs before a monitor falls back to the next capture backend. */
export const FALLBACK_AFTER_FAILURES = 3;

export interface PlannerOptions {
  readonly os: OsName;
  /** What this ffmpeg can capture with (FfmpegInfo.captureBackends). */
  readonly captureBackends: readonly string[];
  readonly encoder: H264Encoder;
  readonly drawCursor: boolean;
}

export function createEncoderPlanner(options: PlannerOptions): EncoderPlanner {
  return {
    plan(monitors) {
      return chooseBackends(options.os, options.captureBackends, monitors.length).map((
        backend,
      ) => ({
        backend,
        encoder: options.encoder,
      }));
    },
    args(monitor, plan, settings, failures, taps) {
      return buildTappedEncoderArgs(recordingPlan(monitor, plan, settings, failures), taps);
    },
    tapRefusal(monitor, plan, settings, live) {
      return tapRefusal(recordingPlan(monitor, plan, settings, 0), live);
    },
  };

  function recordingPlan(
    monitor: Monitor,
    plan: EncoderPlan,
    settings: MonitorSettings,
    failures: number,
  ): PipelinePlan {
    const planned = plan.backend as CaptureBackend;
    const fallback = failures >= FALLBACK_AFTER_FAILURES ? fallbackBackend(planned) : null;
    const backend = fallback !== null && options.captureBackends.includes(fallback)
      ? fallback
      : planned;
    return {
      backend,
      area: monitor,
      frameRate: settings.frameRate,
      keyframeIntervalSec: settings.keyframeIntervalSec,
      encoder: plan.encoder as H264Encoder,
      quality: { ...settings.quality },
      drawCursor: options.drawCursor,
    };
  }
}

/** What the recorder may use now: the located, probed ffmpeg and a planner, or why not. */
export function encodersFor(
  state: FfmpegState,
  capture: { readonly encoder: "auto" | H264Encoder; readonly drawCursor: boolean },
  os: OsName,
): EncoderAvailability {
  if (state.kind === "probing") {
    return { ok: false, problem: "ffmpeg is still being checked; try again in a few seconds" };
  }
  if (state.kind === "unusable") return { ok: false, problem: `${state.problem} (${state.fix})` };
  let choice;
  try {
    choice = chooseEncoder(state.info.h264Encoders, capture.encoder);
  } catch (e) {
    return { ok: false, problem: (e as Error).message };
  }
  return {
    ok: true,
    path: state.info.location.path,
    planner: createEncoderPlanner({
      os,
      captureBackends: state.info.captureBackends,
      encoder: choice.encoder,
      drawCursor: capture.drawCursor,
    }),
  };
}
