/**
 * Which H.264 encoders actually work here. Being listed by `ffmpeg -encoders` only means the
 * wrapper was compiled in: NVENC needs an NVIDIA driver, QSV an Intel GPU, VAAPI a render
 * node. So each candidate encodes five black frames with the options the recording will use
 * (same pixel format, device, rate control; see encoders.ts) and counts as usable only if that
 * exits 0 within the time limit. libx264 is checked the same way; it costs milliseconds.
 *
 * Probes run one after another: loading GPU drivers in parallel is slow and has crashed
 * drivers. A probe that fails makes that encoder unusable, with the reason ffmpeg gave. An
 * ffmpeg that cannot be started at all makes every probe meaningless, so that is thrown
 * instead (FfmpegUnusable, retryable false) rather than reported as N broken encoders.
 */
import { FfmpegUnusable } from "../ffmpeg/probe.ts";
import { CommandNotStarted, type CommandRunner, CommandTimedOut } from "../process/runner.ts";
import { encoderArgs, encoderDeviceArgs, encoderFeedFilters, keyframeArgs } from "./encoders.ts";
import { type H264Encoder, isH264Encoder } from "./types.ts";

export interface EncoderProbe {
  readonly encoder: string;
  readonly usable: boolean;
  /** Why it is not usable: ffmpeg's first meaningful error line, at most 200 characters. */
  readonly reason?: string;
}

export const PROBE_TIMEOUT_MS = 10_000;
const PROBE_CRF = 23;
const PROBE_FRAMES = 5;
const MAX_REASON = 200;

/** The argv of one probe encode (after the ffmpeg path). */
export function encoderProbeArgs(encoder: H264Encoder, vaapiDevice?: string): string[] {
  return [
    "-hide_banner",
    "-loglevel",
    "error",
    "-nostdin",
    ...encoderDeviceArgs(encoder, vaapiDevice),
    "-f",
    "lavfi",
    "-i",
    `color=c=black:s=256x256:r=${PROBE_FRAMES}`,
    "-frames:v",
    String(PROBE_FRAMES),
    "-vf",
    encoderFeedFilters(encoder).join(","),
    ...encoderArgs(encoder, PROBE_CRF),
    ...keyframeArgs(encoder, PROBE_FRAMES),
    "-f",
    "null",
    "-",
  ];
}

/** ffmpeg's follow-up lines, which repeat that something failed without saying what. */
const GENERIC = [
  /^Error initializing output stream/,
  /^Error while opening encoder/,
  /^Conversion failed!?$/,
  /^Could not open encoder/,
  /^Error opening output file/,
  /^Error parsing global options/,
  /^Device creation failed/,
  /^Task finished with error code/,
  /^Terminating thread with return code/,
  /^Nothing was written into output file/,
];

/**
 * The line that says what went wrong: the first non-empty line that is not one of ffmpeg's
 * generic follow-ups, with the `[h264_nvenc @ 0x55…]` prefix turned into `h264_nvenc:` (the
 * address changes every run and means nothing in a report). Undefined for an empty stderr.
 */
export function firstMeaningfulLine(stderr: string): string | undefined {
  const lines = stderr.split(/\r?\n/)
    .map((l) => l.trim().replace(/^\[([^\]@]+?) @ 0x[0-9a-fA-F]+\]\s*/, "$1: "))
    .filter((l) => l !== "");
  const specific = lines.find((l) => !GENERIC.some((g) => g.test(l)));
  return specific ?? lines[0];
}

/**
 * ffmpeg rejects an encoder's private option before it looks the encoder up, so an encoder
 * that is not built in shows up as "Unrecognized option 'qp_i'": say what that means.
 */
function failureReason(encoder: string, r: { code: number; stderr: string }): string {
  const line = firstMeaningfulLine(r.stderr);
  if (line === undefined) return `probe encode exited with code ${r.code}`;
  const option = /^Unrecognized option '([^']+)'/.exec(line)?.[1];
  return option === undefined
    ? line
    : `this ffmpeg does not know the option -${option} (${encoder} is not built in, or too old)`;
}

function cut(text: string): string {
  return text.length <= MAX_REASON ? text : `${text.slice(0, MAX_REASON - 1)}…`;
}

/**
 * Probe each candidate once, in order. Throws FfmpegUnusable (retryable false) when the
 * ffmpeg binary cannot be started.
 */
export async function probeEncoders(
  runner: CommandRunner,
  ffmpegPath: string,
  candidates: readonly string[],
  options: { timeoutMs?: number; vaapiDevice?: string } = {},
): Promise<EncoderProbe[]> {
  const timeoutMs = options.timeoutMs ?? PROBE_TIMEOUT_MS;
  const probes: EncoderProbe[] = [];
  for (const encoder of candidates) {
    if (!isH264Encoder(encoder)) {
      probes.push({ encoder, usable: false, reason: `AgentHelper has no settings for ${encoder}` });
      continue;
    }
    try {
      const r = await runner.run(
        ffmpegPath,
        encoderProbeArgs(encoder, options.vaapiDevice),
        { timeoutMs },
      );
      if (r.code === 0) {
        probes.push({ encoder, usable: true });
      } else {
        probes.push({ encoder, usable: false, reason: cut(failureReason(encoder, r)) });
      }
    } catch (e) {
      if (e instanceof CommandNotStarted) {
        throw new FfmpegUnusable(`cannot probe encoders: ${e.message}`, false);
      }
      if (e instanceof CommandTimedOut) {
        probes.push({
          encoder,
          usable: false,
          reason: `probe encode did not finish within ${timeoutMs} ms`,
        });
        continue;
      }
      throw e;
    }
  }
  return probes;
}

/** The names that passed, for `chooseEncoder`. */
export function usableEncoders(probes: readonly EncoderProbe[]): H264Encoder[] {
  return probes.filter((p) => p.usable).map((p) => p.encoder).filter(isH264Encoder);
}
