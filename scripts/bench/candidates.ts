/**
 * The settings encoder_settings.ts compares: ffmpeg output options placed after the x11grab
 * input (1920x1080 bgr0 at 5 fps) and before the format options (fragmented MP4, or `-f null`
 * for "no encode" rows that price the capture and the colour conversion alone).
 *
 * Every encode keeps what the agent needs: libx264, yuv420p, one thread, a keyframe every
 * 10 frames (2 s at 5 fps — fragments are cut there). Rows named "601" convert the way the
 * issue's reference point did (ffmpeg's default, BT.601); the others the way the agent does
 * (src/capture/pipeline.ts: BT.709 limited range, tagged).
 */
import { COLOUR_TAGS, RGB_TO_YUV } from "../../src/capture/mod.ts";
import type { ColorMatrix } from "./quality.ts";

export interface Candidate {
  readonly name: string;
  /** "null": nothing encoded, only the CPU is of interest. */
  readonly kind: "encode" | "null";
  readonly args: readonly string[];
  /** The conversion's matrix, for the SSIM reference. */
  readonly matrix: ColorMatrix;
}

/** libx264 with what every candidate shares. */
const X264 = ["-c:v", "libx264", "-threads", "1", "-g", "10"];

/** The agent's colour tags; metadata only, no cost. */
const TAGS_709 = COLOUR_TAGS;

/**
 * Colour conversions, bgr0 → yuv420p. Measured here (1080p, 5 fps, % of a core): the plain
 * swscale path — `-pix_fmt yuv420p` (BT.601) or the agent's `scale=out_color_matrix=bt709` —
 * ≈ 4, half of the reference point's CPU. Via bgr24 ≈ 2: bgr0→bgr24 is a cheap repacking and
 * swscale has a dedicated unscaled bgr24→yuv420p converter (it honours the BT.709 matrix: a
 * test colour came out within 1 code value of the plain path), so the generic scaler never runs.
 * `neighbor+full_chroma_inp` ≈ 1.7 but point-samples chroma (U/V SSIM 0.989 against the plain
 * path, colour fringes on coloured text). `fast_bilinear` alone was no faster and
 * `fast_bilinear+full_chroma_inp` cost luma accuracy (Y SSIM 0.995), so neither is listed.
 */
const RGB_TO_709 = RGB_TO_YUV;
const CONVERT_601 = ["-pix_fmt", "yuv420p"];
const CONVERT_709 = ["-vf", `scale=${RGB_TO_709},format=yuv420p`, ...TAGS_709];
const VIA_BGR24_709 = ["-vf", `format=bgr24,scale=${RGB_TO_709},format=yuv420p`, ...TAGS_709];
const NEIGHBOR_709 = [
  "-vf",
  `scale=flags=neighbor+full_chroma_inp:${RGB_TO_709},format=yuv420p`,
  ...TAGS_709,
];

/** The list of x264 shortcuts (most are superfast's own values already). */
const LEAN = "rc-lookahead=0:sync-lookahead=0:bframes=0:ref=1:me=dia:subme=1:trellis=0:" +
  "weightp=0:scenecut=0";

/**
 * What came out best offline (encodes of a recorded scene, many settings, repeated):
 * - me=umh:merange=64 finds the table's scroll (tens of pixels per frame at 5 fps; dia and hex
 *   reach 16): scroll frames cost a third of the bits, and no CPU, since static blocks are
 *   skipped before any motion search.
 * - no-deblock: on text the deblocking filter only smears; fewer bits, higher SSIM, less CPU.
 * - aq-strength=1.2 (as -tune stillimage): shifts bits from text blocks to flat ones; -10 %.
 * - bframes=0, scenecut=0: keyframes exactly every 10 frames (a scroll must not add one) and
 *   each frame out as soon as it is in; ffmpeg's RSS 118 MB instead of 169.
 * Keyframes are ~80 % of the bits at one every 2 s; crf moves them least per unit of quality.
 */
const SCREEN = "bframes=0:scenecut=0:weightp=0:rc-lookahead=0:sync-lookahead=0:me=umh:" +
  "merange=64:no-deblock=1:aq-strength=1.2";

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
  matrix: conversion === CONVERT_601 ? "bt601" : "bt709",
});

const grab = (name: string, args: readonly string[], matrix: ColorMatrix): Candidate => ({
  name,
  kind: "null",
  args,
  matrix,
});

export const CANDIDATES: readonly Candidate[] = [
  // What the encode sits on: grabbing alone, then grabbing + each conversion.
  grab("grab only", [], "bt601"),
  grab("grab+601 plain", CONVERT_601, "bt601"),
  grab("grab+709 plain", CONVERT_709, "bt709"),
  grab("grab+709 via bgr24", VIA_BGR24_709, "bt709"),
  grab("grab+709 neighbor", NEIGHBOR_709, "bt709"),
  // The reference point (default conversion, superfast, crf 23) and the usual suspects.
  encode("601 superfast", CONVERT_601, "-preset superfast"),
  encode("601 ultrafast", CONVERT_601, "-preset ultrafast"),
  encode("601 veryfast", CONVERT_601, "-preset veryfast"),
  encode("601 superfast lean aq0", CONVERT_601, "-preset superfast", `${LEAN}:aq-mode=0`),
  encode("601 superfast lean aq1", CONVERT_601, "-preset superfast", `${LEAN}:aq-mode=1`),
  encode("601 superfast umh64", CONVERT_601, "-preset superfast", "me=umh:merange=64"),
  // The agent's settings at the time of writing (encoders.ts, pipeline.ts; crf from its config).
  encode("agent: sf stillimage crf30", CONVERT_709, "-preset superfast -tune stillimage -crf 30"),
  encode("bgr24 sf stillimage crf30", VIA_BGR24_709, "-preset superfast -tune stillimage -crf 30"),
  encode("bgr24 ultrafast cabac crf30", VIA_BGR24_709, "-preset ultrafast -crf 30", "cabac=1"),
  // The screen-content settings at a few crf values, and with the other conversions.
  encode("bgr24 sf screen crf30", VIA_BGR24_709, "-preset superfast -crf 30", SCREEN),
  encode("bgr24 sf screen crf32", VIA_BGR24_709, "-preset superfast -crf 32", SCREEN),
  encode("bgr24 sf screen crf34", VIA_BGR24_709, "-preset superfast -crf 34", SCREEN),
  encode(
    "bgr24 sf screen aq0 crf34",
    VIA_BGR24_709,
    "-preset superfast -crf 34",
    `${SCREEN}:aq-mode=0`,
  ),
  encode("709 sf screen crf32", CONVERT_709, "-preset superfast -crf 32", SCREEN),
  encode("neighbor sf screen crf32", NEIGHBOR_709, "-preset superfast -crf 32", SCREEN),
];
