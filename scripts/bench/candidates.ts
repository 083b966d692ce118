/**
 * The settings encoder_settings.ts compares: ffmpeg output options placed after the x11grab
 * input (1920x1080 bgr0 at 5 fps) and before the format options (fragmented MP4, or `-f null`
 * for "no encode" rows that price the capture and the colour conversion alone).
 *
 * Every encode keeps what the agent needs: libx264, yuv420p, one thread, a keyframe every
 * 10 frames (2 s at 5 fps — fragments are cut there).
 */

export interface Candidate {
  readonly name: string;
  /** "null": nothing encoded, only the CPU is of interest. */
  readonly kind: "encode" | "null";
  readonly args: readonly string[];
}

/** libx264 with what every candidate shares. */
const X264 = ["-c:v", "libx264", "-threads", "1", "-g", "10"];

const encode = (name: string, ...args: string[]): Candidate => ({
  name,
  kind: "encode",
  args: [...X264, ...args],
});

export const CANDIDATES: readonly Candidate[] = [
  // The reference point of the issue: default conversion, preset superfast, crf 23.
  encode("superfast", "-pix_fmt", "yuv420p", "-preset", "superfast"),
  // What the encode sits on: grabbing alone, then grabbing + conversion.
  { name: "grab only", kind: "null", args: [] },
  { name: "grab+yuv420p bicubic", kind: "null", args: ["-pix_fmt", "yuv420p"] },
];
