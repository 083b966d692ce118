/**
 * Xvfb for the benchmark: one X server with k screens of the same size, so two "monitors" are
 * :N.0 and :N.1 of one server — what x11grab sees on a real two-head X setup without Xinerama.
 * The sizes are the bench's own (1920x1080 by default), whatever the tests' default is.
 */
import { startXvfb as startTestXvfb, type Xvfb } from "../../src/testing/xvfb.ts";

export type XvfbServer = Xvfb;

export interface XvfbOptions {
  /** Number of screens; default 1. */
  readonly screens?: number;
  /** Each screen's size; default 1920x1080. */
  readonly width?: number;
  readonly height?: number;
}

export function startXvfb(options: XvfbOptions = {}): Promise<XvfbServer> {
  const size = `${options.width ?? 1920}x${options.height ?? 1080}`;
  return startTestXvfb(Array.from({ length: options.screens ?? 1 }, () => size));
}
