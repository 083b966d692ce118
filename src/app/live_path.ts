/**
 * The live views wired to the agent's parts: which monitor and capture backend a stream uses
 * (the display lister, and the recording's encoder planner so that both capture the same way),
 * the recording's encoders as their carriers while a monitor is recorded, the registration as
 * the link, and their counters on /metrics.
 */
import type { Logger } from "@logtape/logtape";
import type { Clock } from "../clock/clock.ts";
import type { CaptureBackend } from "../capture/types.ts";
import type { ProcessSpawner } from "../encoder/process.ts";
import { createLiveViews, type LiveViews } from "../live/live_views.ts";
import type { MetricsRegistry } from "../metrics/registry.ts";
import { exportTotals } from "../metrics/totals.ts";
import type { EncoderAvailability, LiveHost } from "../recording/recorder.ts";
import type { DisplayLister } from "../workstation/displays.ts";

export interface AgentLiveDeps {
  readonly clock: Clock;
  readonly spawner: ProcessSpawner;
  readonly log: Logger;
  readonly metrics: MetricsRegistry;
  readonly displays: DisplayLister;
  encoders(): EncoderAvailability;
  send(text: string): Promise<boolean>;
  /** The recording's encoders as carriers; absent: every view runs its own ffmpeg. */
  readonly host?: LiveHost;
}

export interface AgentLiveOptions {
  readonly drawCursor: boolean;
  readonly maxStreams: number;
  readonly maxMessageBytes: number;
}

export function createAgentLive(deps: AgentLiveDeps, options: AgentLiveOptions): LiveViews {
  const live = createLiveViews({
    clock: deps.clock,
    spawner: deps.spawner,
    log: deps.log,
    send: deps.send,
    ...(deps.host ? { host: deps.host } : {}),
    async source(display) {
      const encoders = deps.encoders();
      if (!encoders.ok) return { ok: false, error: `ffmpegUnavailable: ${encoders.problem}` };
      let monitors;
      try {
        monitors = await deps.displays.list();
      } catch (e) {
        return { ok: false, error: `displaysUnavailable: ${(e as Error).message}` };
      }
      const monitor = monitors.find((m) => m.index === display);
      if (!monitor) {
        return {
          ok: false,
          error: `unknownDisplay: display ${display} is not connected (displays: ${
            monitors.map((m) => m.index).join(", ") || "none"
          })`,
        };
      }
      const [plan] = encoders.planner.plan([monitor]);
      if (!plan) return { ok: false, error: `unknownDisplay: no capture for display ${display}` };
      return {
        ok: true,
        ffmpegPath: encoders.path,
        source: {
          backend: plan.backend as CaptureBackend,
          area: monitor,
          drawCursor: options.drawCursor,
        },
      };
    },
  }, { maxStreams: options.maxStreams, maxMessageBytes: options.maxMessageBytes });

  const streams = deps.metrics.gauge({
    name: "agent_helper_live_streams",
    help: "Live views running now.",
  });
  const carried = deps.metrics.gauge({
    name: "agent_helper_live_streams_carried",
    help: "Live views encoded by the recording's encoder of their monitor (one capture for both).",
  });
  deps.metrics.onCollect(() => {
    streams.set(live.totals().streams);
    carried.set(live.status().filter((s) => s.carried).length);
  });
  exportTotals(deps.metrics, {
    sentBytes: {
      name: "agent_helper_live_sent_bytes_total",
      help: "Live-view video bytes handed to AgentServer's link.",
    },
    droppedFragments: {
      name: "agent_helper_live_dropped_fragments_total",
      help: "Live-view fragments dropped because the link was slower than the video.",
    },
  }, () => live.totals());
  return live;
}
