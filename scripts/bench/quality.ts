/**
 * SSIM of an encode against a lossless reference of the same frames.
 *
 * A screen capture cannot be repeated, so the frames are captured once and written twice by one
 * ffmpeg (see bare_ffmpeg.ts `captureWithReference`): the H.264 under test and an FFV1 file of the
 * grabbed bgr0 pixels, untouched. Here both are brought to yuv420p and compared with the `ssim`
 * filter: the test as decoded; the reference converted by swscale's plain path (bicubic, the
 * matrix the test was encoded with: ffmpeg's default BT.601 or the agent's BT.709, limited
 * range), i.e. what `-pix_fmt yuv420p` or `scale=out_color_matrix=bt709` makes of the same
 * frames. So for an encode that converts that way the score is the encoder's loss alone, and a
 * cheaper conversion (via bgr24, point-sampled chroma, …) is charged with its own error too.
 * Chroma subsampling itself is not charged: the pipeline is yuv420p by design. "All" weighs
 * Y, U, V by their sample counts (4:1:1).
 */

/** The RGB→YUV matrix the encode under test used (limited range either way). */
export type ColorMatrix = "bt601" | "bt709";

/** The reference's conversion to yuv420p for each matrix. */
const REFERENCE_SCALE: Record<ColorMatrix, string> = {
  bt601: "scale=flags=bicubic",
  bt709: "scale=flags=bicubic:out_color_matrix=bt709:out_range=tv",
};

/** Mean SSIM over the frames compared, per plane and overall, and the worst frame's overall. */
export interface Ssim {
  readonly y: number;
  readonly u: number;
  readonly v: number;
  readonly all: number;
  readonly minAll: number;
  readonly frames: number;
}

/** Parses the `ssim` filter's summary line ("SSIM Y:… U:… V:… All:… (…)") from ffmpeg stderr. */
export function parseSsimSummary(stderr: string): Omit<Ssim, "minAll" | "frames"> | null {
  const m = /SSIM Y:([\d.]+) .*?U:([\d.]+) .*?V:([\d.]+) .*?All:([\d.]+)/.exec(stderr);
  if (!m) return null;
  return { y: Number(m[1]), u: Number(m[2]), v: Number(m[3]), all: Number(m[4]) };
}

/**
 * Compares `testPath` (yuv420p video encoded with `matrix`) to `referencePath` (lossless
 * capture) frame by frame.
 * Frames are paired by index, not timestamp: both files hold the same frames in the same order,
 * but their containers store timestamps with different time bases and start offsets.
 */
export async function ssim(
  testPath: string,
  referencePath: string,
  matrix: ColorMatrix = "bt601",
): Promise<Ssim> {
  const statsFile = await Deno.makeTempFile({ prefix: "bench-ssim-", suffix: ".log" });
  try {
    const graph = [
      "[0:v]settb=1/5,setpts=N[t]",
      `[1:v]${REFERENCE_SCALE[matrix]},format=yuv420p,settb=1/5,setpts=N[r]`,
      `[t][r]ssim=stats_file=${statsFile}`,
    ].join(";");
    const out = await new Deno.Command("ffmpeg", {
      args: [
        "-hide_banner",
        "-nostdin",
        "-i",
        testPath,
        "-i",
        referencePath,
        "-lavfi",
        graph,
        "-f",
        "null",
        "-",
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    const summary = parseSsimSummary(stderr);
    if (!out.success || !summary) {
      throw new Error(`ssim failed (exit ${out.code}):\n${stderr.slice(-2000)}`);
    }
    // Per-frame lines: "n:1 Y:0.99 U:0.99 V:0.99 All:0.99 (20.1)".
    const perFrame = (await Deno.readTextFile(statsFile)).split("\n")
      .map((line) => /All:([\d.]+)/.exec(line)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number);
    return {
      ...summary,
      minAll: perFrame.length > 0 ? Math.min(...perFrame) : summary.all,
      frames: perFrame.length,
    };
  } finally {
    await Deno.remove(statsFile).catch(() => {});
  }
}
