/**
 * What a test reads off the reference supervisor page (src/platform/live_view/web): the page's
 * state from its body's data attributes, and its video element's playback.
 */
import type { Page } from "playwright-core";
import { assert, assertEquals } from "../../src/testing/assert.ts";

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

/** `get()` until `check` holds, every 100 ms, for at most `timeoutMs`. */
export async function poll<T>(
  get: () => Promise<T>,
  check: (value: T) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (check(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The page plays: state playing, the video advancing, at the expected size, near live. */
export async function assertPlays(
  page: Page,
  width: number,
  height: number,
  what: string,
  timeoutMs = 10_000,
): Promise<LivePageSample> {
  const first = await poll(
    () => sampleLivePage(page),
    (s) => s.state === "playing" && s.width === width && s.height === height && s.time > 0,
    `${what} playing at ${width}x${height}`,
    timeoutMs,
  );
  await page.waitForTimeout(1500);
  const later = await sampleLivePage(page);
  assert(!later.paused, `${what} paused`);
  assert(later.time > first.time + 1, `${what} advanced: ${first.time} → ${later.time}`);
  assertEquals([later.width, later.height], [width, height], what);
  assert(
    later.latencyMs >= 0 && later.latencyMs < 1500,
    `${what}: latency ${later.latencyMs} ms`,
  );
  return later;
}
