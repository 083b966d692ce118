/**
 * The `agentHelperInfo` the helper sends AgentServer on every (re)connect (PROTOCOL.md §4,
 * DESIGN.md §2): the workstation's facts, its displays, what its ffmpeg can capture and encode,
 * and the tenant and session when the page gave them. `buildAgentHelperInfo` is pure and its
 * result is the `data` of `buildMessage("wss3", "agentHelperInfo", data)`;
 * `gatherAgentHelperInfo` collects the inputs through their interfaces for the composition root.
 */
import type { Logger } from "@logtape/logtape";
import type { FfmpegInfo } from "../ffmpeg/probe.ts";
import type { WriteData } from "../protocol/catalog.ts";
import { type DisplayInfo, type DisplayLister, toDisplayInfo } from "./displays.ts";
import type { WorkstationFacts } from "./facts.ts";

export type AgentHelperInfoData = WriteData<"wss3", "agentHelperInfo">;

/** The top of the protocol's frame-rate range (fields.ts `frameRate`, 1-30). */
export const MAX_FRAME_RATE = 30;

/** What agentHelperInfo's lists may hold (wss3.ts `capabilities`, fields.ts `displayInfoList`). */
const MAX_DISPLAYS = 64;
const MAX_ENCODERS = 32;
const MAX_BACKENDS = 16;

/**
 * ffmpeg's `lavfi` device is a test-pattern source, not a screen: it is not a capture backend
 * AgentServer should count on.
 */
const NOT_SCREEN_CAPTURE = new Set(["lavfi"]);

export interface SessionIds {
  readonly tenantId?: string | undefined;
  readonly sessionId?: string | undefined;
}

/**
 * `displays`: what the lister found; empty when it could not (the write schema requires the
 * list). `ffmpeg`: null when ffmpeg is missing or unusable — then no encoders and no capture
 * backends are claimed.
 */
export function buildAgentHelperInfo(
  facts: WorkstationFacts,
  displays: readonly DisplayInfo[],
  ffmpeg: FfmpegInfo | null,
  ids: SessionIds = {},
): AgentHelperInfoData {
  const { session: _session, ...fields } = facts;
  const tenantId = ids.tenantId?.trim() ? ids.tenantId : undefined;
  const sessionId = ids.sessionId?.trim() ? ids.sessionId : undefined;
  return {
    ...fields,
    displays: displays.slice(0, MAX_DISPLAYS).map(toDisplayInfo),
    capabilities: {
      encoders: ffmpeg ? ffmpeg.h264Encoders.slice(0, MAX_ENCODERS) : [],
      captureBackends: ffmpeg
        ? ffmpeg.captureBackends.filter((b) => !NOT_SCREEN_CAPTURE.has(b)).slice(0, MAX_BACKENDS)
        : [],
      maxFrameRate: MAX_FRAME_RATE,
    },
    ...(tenantId === undefined ? {} : { tenantId }),
    ...(sessionId === undefined ? {} : { sessionId }),
  };
}

export interface GatherInfoDeps {
  /** The workstation's facts now (e.g. `systemWorkstationFacts(env)`). */
  readonly facts: () => WorkstationFacts;
  readonly displays: DisplayLister;
  /** The last ffmpeg probe's result; null while unknown or unusable. */
  readonly ffmpeg: () => FfmpegInfo | null;
  readonly log: Logger;
}

/**
 * Everything for one `agentHelperInfo`, read fresh (monitors change between reconnects). A
 * display lister that fails is logged and reported as no displays: registration must not
 * wait for, or fail on, a missing X tool.
 */
export async function gatherAgentHelperInfo(
  deps: GatherInfoDeps,
  ids: SessionIds = {},
): Promise<AgentHelperInfoData> {
  let displays: DisplayInfo[] = [];
  try {
    displays = await deps.displays.list();
  } catch (e) {
    deps.log.warn("Displays not reported: {error}", { error: (e as Error).message });
  }
  return buildAgentHelperInfo(deps.facts(), displays, deps.ffmpeg(), ids);
}
