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

/**
 * Colour conversions, bgr0 → yuv420p, all BT.601 limited range like the default. Measured here
 * (1080p, 5 fps, % of a core): the default (`-pix_fmt yuv420p`, swscale bicubic) ≈ 3.9, about
 * half of the reference point's CPU; via bgr24 ≈ 1.8 — bgr0→bgr24 is a cheap repacking and
 * swscale has a dedicated unscaled bgr24→yuv420p converter, so the generic scaler never runs;
 * `full_chroma_inp` ≈ 2.3 (fast_bilinear) / 1.7 (neighbor) — it reads chroma from every pixel
 * instead of the default's averaged pairs, which apparently is the faster code path.
 */
const DEFAULT_CONVERSION = ["-pix_fmt", "yuv420p"];
const VIA_BGR24 = ["-vf", "format=bgr24,format=yuv420p"];
const FAST_BILINEAR = ["-sws_flags", "fast_bilinear+full_chroma_inp", "-pix_fmt", "yuv420p"];
const NEIGHBOR = ["-sws_flags", "neighbor+full_chroma_inp", "-pix_fmt", "yuv420p"];

/** The list of x264 shortcuts (most are superfast's own values already). */
const LEAN = "rc-lookahead=0:sync-lookahead=0:bframes=0:ref=1:me=dia:subme=1:trellis=0:" +
  "weightp=0:scenecut=0";

/**
 * An encode: a conversion, then x264 options (space-separated, none contain spaces) and,
 * optionally, `-x264-params`.
 */
const encode = (
  name: string,
  conversion: readonly string[],
  options: string,
  x264Params?: string,
): Candidate => ({
  name,
  kind: "encode",
  args: [
    ...X264,
    ...conversion,
    ...options.split(" "),
    ...(x264Params === undefined ? [] : ["-x264-params", x264Params]),
  ],
});

const AQ0 = `${LEAN}:aq-mode=0`;
const AQ1 = `${LEAN}:aq-mode=1`;

export const CANDIDATES: readonly Candidate[] = [
  // What the encode sits on: grabbing alone, then grabbing + each conversion.
  { name: "grab only", kind: "null", args: [] },
  { name: "grab+yuv420p default", kind: "null", args: DEFAULT_CONVERSION },
  { name: "grab+yuv420p via bgr24", kind: "null", args: VIA_BGR24 },
  { name: "grab+yuv420p fast_bilinear", kind: "null", args: FAST_BILINEAR },
  { name: "grab+yuv420p neighbor", kind: "null", args: NEIGHBOR },
  // The reference point of the issue: default conversion, preset superfast, crf 23.
  encode("superfast", DEFAULT_CONVERSION, "-preset superfast"),
  encode("ultrafast", DEFAULT_CONVERSION, "-preset ultrafast"),
  encode("veryfast", DEFAULT_CONVERSION, "-preset veryfast"),
  encode("superfast stillimage", DEFAULT_CONVERSION, "-preset superfast -tune stillimage"),
  encode("superfast lean aq0", DEFAULT_CONVERSION, "-preset superfast", AQ0),
  encode("superfast lean aq1", DEFAULT_CONVERSION, "-preset superfast", AQ1),
  encode("superfast crf28", DEFAULT_CONVERSION, "-preset superfast -crf 28"),
  encode("superfast crf30", DEFAULT_CONVERSION, "-preset superfast -crf 30"),
  encode("superfast crf32", DEFAULT_CONVERSION, "-preset superfast -crf 32"),
  // Cheaper conversions with the encoders that came out best offline.
  encode("bgr24 superfast crf30", VIA_BGR24, "-preset superfast -crf 30"),
  encode("bgr24 sf lean aq1 crf30", VIA_BGR24, "-preset superfast -crf 30", AQ1),
  encode("bgr24 sf lean aq0 crf30", VIA_BGR24, "-preset superfast -crf 30", AQ0),
  encode("bgr24 sf lean aq0 crf32", VIA_BGR24, "-preset superfast -crf 32", AQ0),
  encode("bgr24 sf lean aq0 crf34", VIA_BGR24, "-preset superfast -crf 34", AQ0),
  encode("bgr24 ultrafast cabac crf28", VIA_BGR24, "-preset ultrafast -crf 28", "cabac=1"),
  encode("fbl sf lean aq0 crf32", FAST_BILINEAR, "-preset superfast -crf 32", AQ0),
  encode("neighbor sf lean aq0 crf32", NEIGHBOR, "-preset superfast -crf 32", AQ0),
  encode("neighbor sf lean aq1 crf30", NEIGHBOR, "-preset superfast -crf 30", AQ1),
];
