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

/**
 * Colour conversions, bgr0 → yuv420p. The default (`-pix_fmt yuv420p`: swscale, bicubic) takes
 * half of the reference point's CPU: for packed RGB input swscale builds chroma from every other
 * pixel in plain C and then runs its generic vertical scaler. Going through bgr24 instead hits
 * swscale's unscaled bgr24→yuv420p converter (one SIMD pass, same BT.601 matrix), and bgr0→bgr24
 * is a cheap SIMD shuffle; `full_chroma_inp` takes the SIMD full-width input path instead of the
 * C half-width one.
 */
const DEFAULT_CONVERSION = ["-pix_fmt", "yuv420p"];
const VIA_BGR24 = ["-vf", "format=bgr24,format=yuv420p"];
const FAST_BILINEAR = ["-sws_flags", "fast_bilinear+full_chroma_inp", "-pix_fmt", "yuv420p"];
const NEIGHBOR = ["-sws_flags", "neighbor+full_chroma_inp", "-pix_fmt", "yuv420p"];

/** The list of x264 shortcuts (most are superfast's own values already). */
const LEAN = "rc-lookahead=0:sync-lookahead=0:bframes=0:ref=1:me=dia:subme=1:trellis=0:" +
  "weightp=0:scenecut=0";

export const CANDIDATES: readonly Candidate[] = [
  // What the encode sits on: grabbing alone, then grabbing + each conversion.
  { name: "grab only", kind: "null", args: [] },
  { name: "grab+yuv420p default", kind: "null", args: DEFAULT_CONVERSION },
  { name: "grab+yuv420p via bgr24", kind: "null", args: VIA_BGR24 },
  { name: "grab+yuv420p fast_bilinear", kind: "null", args: FAST_BILINEAR },
  { name: "grab+yuv420p neighbor", kind: "null", args: NEIGHBOR },
  // The reference point of the issue: default conversion, preset superfast, crf 23.
  encode("superfast", ...DEFAULT_CONVERSION, "-preset", "superfast"),
  encode("ultrafast", ...DEFAULT_CONVERSION, "-preset", "ultrafast"),
  encode("veryfast", ...DEFAULT_CONVERSION, "-preset", "veryfast"),
  encode(
    "superfast stillimage",
    ...DEFAULT_CONVERSION,
    "-preset",
    "superfast",
    "-tune",
    "stillimage",
  ),
  encode(
    "superfast lean aq0",
    ...DEFAULT_CONVERSION,
    "-preset",
    "superfast",
    "-x264-params",
    `${LEAN}:aq-mode=0`,
  ),
  encode(
    "superfast lean aq1",
    ...DEFAULT_CONVERSION,
    "-preset",
    "superfast",
    "-x264-params",
    `${LEAN}:aq-mode=1`,
  ),
  encode("superfast crf28", ...DEFAULT_CONVERSION, "-preset", "superfast", "-crf", "28"),
  encode("superfast crf30", ...DEFAULT_CONVERSION, "-preset", "superfast", "-crf", "30"),
  encode("superfast crf32", ...DEFAULT_CONVERSION, "-preset", "superfast", "-crf", "32"),
  // Cheaper conversion with the encoders that came out best offline.
  encode("bgr24 superfast crf30", ...VIA_BGR24, "-preset", "superfast", "-crf", "30"),
  encode(
    "bgr24 sf lean aq0 crf30",
    ...VIA_BGR24,
    "-preset",
    "superfast",
    "-crf",
    "30",
    "-x264-params",
    `${LEAN}:aq-mode=0`,
  ),
  encode(
    "bgr24 sf lean aq0 crf32",
    ...VIA_BGR24,
    "-preset",
    "superfast",
    "-crf",
    "32",
    "-x264-params",
    `${LEAN}:aq-mode=0`,
  ),
  encode(
    "bgr24 ultrafast cabac crf28",
    ...VIA_BGR24,
    "-preset",
    "ultrafast",
    "-crf",
    "28",
    "-x264-params",
    "cabac=1",
  ),
  encode(
    "fbl sf lean aq0 crf32",
    ...FAST_BILINEAR,
    "-preset",
    "superfast",
    "-crf",
    "32",
    "-x264-params",
    `${LEAN}:aq-mode=0`,
  ),
  encode(
    "neighbor sf lean aq0 crf32",
    ...NEIGHBOR,
    "-preset",
    "superfast",
    "-crf",
    "32",
    "-x264-params",
    `${LEAN}:aq-mode=0`,
  ),
];
