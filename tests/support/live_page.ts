/**
 * What a test reads off the reference supervisor page (src/platform/live_view/web): the page's
 * state from its body's data attributes, and its video element's playback.
 */
import type { Page } from "playwright-core";

/** The few DOM members the in-page callbacks use (this file is checked without the DOM lib). */
interface VideoLike {
  readonly currentTime: number;
  readonly paused: boolean;
  readonly videoWidth: number;
  readonly videoHeight: number;
}

export interface LivePageSample {
  readonly state: string;
  readonly time: number;
  readonly paused: boolean;
  readonly width: number;
  readonly height: number;
  readonly latencyMs: number;
  readonly resets: number;
  readonly closeCode: string | undefined;
}

export function sampleLivePage(page: Page): Promise<LivePageSample> {
  return page.$eval("body", (body) => {
    const data = (body as unknown as { dataset: Record<string, string | undefined> }).dataset;
    const v = (body as unknown as { querySelector(s: string): unknown })
      .querySelector("video") as VideoLike;
    return {
      state: data["state"] ?? "",
      time: v.currentTime,
      paused: v.paused,
      width: v.videoWidth,
      height: v.videoHeight,
      latencyMs: Number(data["latencyMs"] ?? NaN),
      resets: Number(data["resets"] ?? 0),
      closeCode: data["closeCode"],
    };
  });
}
