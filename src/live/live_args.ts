/**
 * The live view's encoder (issue 8): `startStream` asks for one monitor shown to a supervisor
 * "live", encoded with its own frame rate and size, tuned for latency rather than for bytes:
 * as one more output of the recording's ffmpeg while the monitor is recorded (capture/taps.ts),
 * else by an ffmpeg of its own with the argv below. The recording's own output is the same
 * either way.
 *
 * Target: glass to glass at most 1 s at 5 fps. Measured here (live_args_run_test.ts, Xvfb,
 * a change made just after a capture tick, the worst case): a change on the screen is in a
 * streamBlob ready to send ~390 ms later, about two frame intervals; it was ~590 ms without
 * force-cfr, and a frame waits up to a whole keyframe interval more with the recording's
 * fragments (they come out in one burst per interval). Where the time goes:
 * - capture waits for the next frame tick: 0–1 frame interval (0–200 ms at 5 fps);
 * - libx264 (preset ultrafast: a view is watched, not kept, so CPU counts more than bytes)
 *   emits each frame as soon as it is encoded: no lookahead, no B-frames, one thread
 *   (frame threads would hold frames back), and force-cfr (else x264 holds each frame until
 *   the next arrives: one more frame interval, measured); encoding itself is the small rest;
 * - the mp4 muxer cuts a fragment after every frame (frag_every_frame) instead of at
 *   keyframes. With the recording's layout a frame would wait for the rest of its keyframe
 *   interval (up to 2 s by default); per frame it waits only for the next frame, whose
 *   timestamp closes it: one frame interval;
 * - then the queue (fragment_queue.ts), wss3, AgentServer's fan-out and the browser's MSE
 *   buffer, which the page keeps short by playing near the live edge.
 * At 1 fps the muxer alone costs 1 s: a supervisor who asks for 1 fps gets that.
 *
 * Keyframes every 2 s, as the recording's default: where the stream resumes after the queue
 * dropped fragments for a slow link (a viewer then waits up to 2 s). A viewer joining late
 * starts at once from AgentServer's copy of the last keyframe and what followed it, and a view
 * handed from one encoder to another gets the same from the agent (recording/tap_router.ts).
 * Every 1 s, as first built, cost about 0.1–0.15 × the recording's CPU more (the keyframe is
 * the dearest frame to encode; docs/benchmarks.md, "Live view"), for a shorter wait after drops
 * only. A keyframe is the largest frame, so the bit rate is capped: the VBV buffer
 * (2 s of the cap, see bitrateCapArgs) also bounds any one frame, hence any one fragment, to
 * {@link liveMaxFrameBytes}, well inside one wss3 message (blob.ts, tested there).
 *
 * libx264 only, whatever the recording uses: its delay is zero frames with the settings above
 * and it is always there. Hardware encoders may hold frames back with their defaults (NVENC's
 * delay, QSV's async depth), and their low-delay options are not verified on real hardware
 * here. CPU: docs/benchmarks.md, "Live view" (scripts/bench/live.ts).
 */
import { buildEncoderArgs, validatePlan } from "../capture/pipeline.ts";
import type { PipelinePlan } from "../capture/types.ts";

/** startStream's `frameRate` when absent (the product's default rate, DESIGN.md §2). */
export const DEFAULT_LIVE_FRAME_RATE = 5;
/** startStream's `maxHeight` when absent: taller monitors are scaled down to it; 0 = native. */
export const DEFAULT_LIVE_MAX_HEIGHT = 720;
/** Seconds between keyframes: how long a resume after drops may wait (see the top). */
export const LIVE_KEYFRAME_INTERVAL_SEC = 2;
/**
 * Quality: a little better than the recording's default (CRF 34), since a monitor scaled down
 * to 720p has smaller text to keep legible. With the live preset (ultrafast, pipeline.ts) on the
 * office scene: SSIM 0.992 against the same frames scaled losslessly, ~400 kbit/s
 * (scripts/bench/live_encoder.ts).
 */
export const LIVE_CRF = 30;
/**
 * Peak bit rate, kbit/s. Bounds the link's load per viewer stream and, through the VBV buffer
 * (2 s of this), the largest single frame to 375 kB.
 */
export const LIVE_MAX_BITRATE_KBPS = 1500;

/** What startStream asks for; its `data` can be passed as is. */
export interface LiveRequest {
  /** 1–30, integer; default {@link DEFAULT_LIVE_FRAME_RATE}. */
  readonly frameRate?: number | undefined;
  /** Default {@link DEFAULT_LIVE_MAX_HEIGHT}; 0 keeps the native height. */
  readonly maxHeight?: number | undefined;
}

/**
 * The pieces of the recording's plan the live view shares: where the monitor is and how it is
 * captured (the backend the recording currently uses, after any DXGI → GDI fallback).
 */
export type LiveSource = Pick<PipelinePlan, "backend" | "area" | "drawCursor">;

/** Deployment overrides of the live encoder's quality (none come from startStream). */
export interface LiveTuning {
  readonly crf?: number | undefined;
  readonly maxBitrateKbps?: number | undefined;
}

/**
 * The live encoder's plan for one monitor. Throws CapturePlanInvalid naming the value when the
 * request is out of range (frameRate not an integer 1–30, maxHeight 1), for resultStartStream.
 */
export function buildLivePlan(
  source: LiveSource,
  request: LiveRequest = {},
  tuning: LiveTuning = {},
): PipelinePlan {
  const plan: PipelinePlan = {
    backend: source.backend,
    area: source.area,
    drawCursor: source.drawCursor,
    frameRate: request.frameRate ?? DEFAULT_LIVE_FRAME_RATE,
    keyframeIntervalSec: LIVE_KEYFRAME_INTERVAL_SEC,
    encoder: "libx264",
    quality: {
      crf: tuning.crf ?? LIVE_CRF,
      maxBitrateKbps: tuning.maxBitrateKbps ?? LIVE_MAX_BITRATE_KBPS,
      maxHeight: request.maxHeight ?? DEFAULT_LIVE_MAX_HEIGHT,
    },
    // More threads would add frames of delay (x264 frame threading); one is enough at 720p.
    threads: 1,
    lowLatency: true,
  };
  validatePlan(plan);
  return plan;
}

/** ffmpeg's argv (after the ffmpeg path) for {@link buildLivePlan}; same process contract. */
export function buildLiveArgs(
  source: LiveSource,
  request: LiveRequest = {},
  tuning: LiveTuning = {},
): string[] {
  return buildEncoderArgs(buildLivePlan(source, request, tuning));
}

/**
 * The largest frame the plan's VBV buffer lets libx264 write, in bytes (`-bufsize` is twice the
 * cap, in kbit), or undefined without a cap. A fragment is one frame plus ~100 bytes of boxes.
 */
export function liveMaxFrameBytes(plan: PipelinePlan): number | undefined {
  const kbps = plan.quality.maxBitrateKbps;
  return kbps > 0 ? kbps * 2 * 1000 / 8 : undefined;
}
