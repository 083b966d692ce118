/**
 * The encoder: which ffmpeg the agent finds, whether it has this OS's screen capture, and
 * which H.264 encoders really work. Being listed by `ffmpeg -encoders` only means compiled in,
 * so each listed encoder gets the agent's own probe encode (encoder_probe.ts) and the line
 * says what the agent will use, as it would choose at start.
 */
import { ffmpegLocateDeps, type SystemDeps } from "../app/system.ts";
import { chooseEncoder } from "../capture/choose.ts";
import { type EncoderProbe, probeEncoders, usableEncoders } from "../capture/encoder_probe.ts";
import type { H264Encoder } from "../capture/types.ts";
import { locateFfmpeg } from "../ffmpeg/locate.ts";
import { type FfmpegInfo, probeFfmpeg } from "../ffmpeg/probe.ts";
import { fail, type Finding, ok, warn } from "./report.ts";

const CAPTURE_FOR_OS = {
  linux: ["x11grab"],
  windows: ["ddagrab", "gdigrab"],
  darwin: ["avfoundation"],
} as const;

/** One line per probed encoder, then the one the agent will use. */
export function h264Findings(
  probes: readonly EncoderProbe[],
  preference: "auto" | H264Encoder,
): Finding[] {
  const topic = "H.264";
  if (probes.length === 0) {
    return [fail(topic, "this ffmpeg has no H.264 encoder", "use an ffmpeg built with libx264")];
  }
  const out: Finding[] = probes.map((p) => {
    if (p.usable) return ok(topic, `${p.encoder}: usable (probe encode passed)`);
    const why = p.reason ?? "probe encode failed";
    if (p.encoder === "libx264") {
      return warn(
        topic,
        `libx264: not usable: ${why}`,
        "use an ffmpeg with a working libx264: it is the fallback of every hardware encoder",
      );
    }
    if (p.encoder === preference) {
      return warn(
        topic,
        `${p.encoder} (capture.encoder): not usable here: ${why}`,
        `install or update the GPU driver ${p.encoder} needs, or set capture.encoder to "auto"`,
      );
    }
    return ok(topic, `${p.encoder}: listed, not usable here (skipped): ${why}`);
  });
  try {
    const choice = chooseEncoder(usableEncoders(probes), preference);
    out.push(
      choice.reason === undefined ? ok(topic, `recordings use ${choice.encoder}`) : warn(
        topic,
        choice.reason,
        `set capture.encoder to "auto" or to ${choice.encoder}, or make ${preference} work`,
      ),
    );
  } catch (e) {
    out.push(fail(topic, (e as Error).message, "use an ffmpeg built with a working libx264"));
  }
  return out;
}

export async function ffmpegFindings(
  sys: SystemDeps,
  configPath: string,
  preference: "auto" | H264Encoder,
): Promise<{ findings: Finding[]; info?: FfmpegInfo }> {
  const located = locateFfmpeg(ffmpegLocateDeps(sys), configPath);
  if (!located.ok) return { findings: [fail("ffmpeg", located.problem, located.fix)] };
  let info: FfmpegInfo;
  try {
    info = await probeFfmpeg(sys.runner, located.location);
  } catch (e) {
    return {
      findings: [fail("ffmpeg", (e as Error).message, "replace it with a working ffmpeg build")],
    };
  }
  const findings = [
    ok("ffmpeg", `${info.version} at ${info.location.path} (${info.location.source})`),
  ];
  const wanted = CAPTURE_FOR_OS[sys.platform.os];
  const has = wanted.filter((b) => info.captureBackends.includes(b));
  findings.push(
    has.length > 0 ? ok("capture", `backends: ${info.captureBackends.join(", ")}`) : fail(
      "capture",
      `this ffmpeg has none of ${wanted.join(", ")}`,
      "use an ffmpeg built with screen capture for this OS",
    ),
  );
  try {
    const probes = await probeEncoders(sys.runner, info.location.path, info.h264Encoders);
    findings.push(...h264Findings(probes, preference));
  } catch (e) {
    findings.push(
      fail("H.264", (e as Error).message, "check that the file is a working ffmpeg build"),
    );
  }
  return { findings, info };
}
