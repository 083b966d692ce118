/**
 * Which encoder of a monitor's recording is the one that counts, as a pure state machine: the
 * recording's ffmpeg also carries the live views of its monitor (capture/taps.ts), and the set
 * of views can only change with a new process. So a change of views starts a second encoder
 * (a new "generation") beside the running one, and hands over once the new one writes its
 * first output: only then is the old one asked to finish. The old part ends on the old
 * encoder's last frame and the new part begins on the new encoder's first, captured while the
 * old one was still running: the two overlap by a frame or so and leave no gap, where a stop
 * and a start would lose the new process's start-up (a few hundred ms) from the recording.
 *
 * If the new generation fails before its first output (ffmpeg cannot open a live view's pipe,
 * a fifth Desktop Duplication session is refused, …) or stays silent past the deadline, it is
 * dropped and the old one goes on as if nothing happened; the views it was to add are dropped,
 * and the monitor takes no new ones (`broken`; views may still go): their owner gives them
 * encoders of their own. `monitor_track.ts` is the shell.
 */

/** One encoder configuration of the track: its number and the live views (tap ids) it carries. */
export interface Generation {
  readonly no: number;
  readonly taps: readonly string[];
}

export type HandoverState =
  | { readonly phase: "idle"; readonly next: number }
  | {
    readonly phase: "steady";
    readonly current: Generation;
    readonly next: number;
    readonly broken: boolean;
  }
  | {
    readonly phase: "switching";
    readonly current: Generation;
    readonly incoming: Generation;
    readonly next: number;
    readonly broken: boolean;
  }
  | { readonly phase: "stopped"; readonly next: number };

export type HandoverEvent =
  | { readonly type: "start" }
  | { readonly type: "setTaps"; readonly taps: readonly string[] }
  /** Generation `no` wrote its first recording output (its init segment). */
  | { readonly type: "produced"; readonly no: number }
  /** A run of generation `no` ended before it produced, or it gave up. */
  | { readonly type: "failed"; readonly no: number; readonly why: string }
  | { readonly type: "deadline"; readonly no: number }
  | { readonly type: "finish" };

export type HandoverEffect =
  | { readonly type: "spawn"; readonly generation: Generation }
  /** Ask the generation's encoder to finish; its output so far is kept (a retiring part). */
  | { readonly type: "retire"; readonly no: number }
  /** Stop the generation's encoder and ignore its recording output: it never counted. */
  | { readonly type: "abandon"; readonly no: number }
  | { readonly type: "startDeadline"; readonly no: number }
  | { readonly type: "cancelDeadline"; readonly no: number }
  /** These views are no longer carried by this monitor's encoder, and why. */
  | { readonly type: "tapsDropped"; readonly taps: readonly string[]; readonly why: string };

export interface HandoverStep {
  readonly state: HandoverState;
  readonly effects: readonly HandoverEffect[];
  /** For setTaps: whether the new set will be carried (false: idle, stopped or broken). */
  readonly accepted?: boolean;
}

/** How long a new generation has to write its first output before it is given up. */
export const HANDOVER_DEADLINE_MS = 10_000;

export const INITIAL_HANDOVER: HandoverState = { phase: "idle", next: 1 };

const sameTaps = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((t, i) => t === b[i]);

export function step(state: HandoverState, event: HandoverEvent): HandoverStep {
  const same: HandoverStep = { state, effects: [] };
  switch (event.type) {
    case "start": {
      // Again after a stop (a resume): generation numbers go on, so no late event is mistaken.
      if (state.phase !== "idle" && state.phase !== "stopped") return same;
      const current = { no: state.next, taps: [] };
      return {
        state: { phase: "steady", current, next: state.next + 1, broken: false },
        effects: [{ type: "spawn", generation: current }],
      };
    }
    case "setTaps": {
      if (state.phase === "idle" || state.phase === "stopped") return { ...same, accepted: false };
      // Broken: only views may go (a smaller set), none may come.
      if (state.broken && !event.taps.every((t) => state.current.taps.includes(t))) {
        return { ...same, accepted: false };
      }
      const effects: HandoverEffect[] = [];
      if (state.phase === "switching") {
        // A newer set replaces the one still starting: that encoder never counted.
        effects.push(
          { type: "cancelDeadline", no: state.incoming.no },
          { type: "abandon", no: state.incoming.no },
        );
        if (sameTaps(event.taps, state.current.taps)) {
          return {
            state: {
              phase: "steady",
              current: state.current,
              next: state.next,
              broken: state.broken,
            },
            effects,
            accepted: true,
          };
        }
      } else if (sameTaps(event.taps, state.current.taps)) {
        return { ...same, accepted: true };
      }
      const incoming = { no: state.next, taps: [...event.taps] };
      effects.push(
        { type: "spawn", generation: incoming },
        { type: "startDeadline", no: incoming.no },
      );
      return {
        state: {
          phase: "switching",
          current: state.current,
          incoming,
          next: state.next + 1,
          broken: state.broken,
        },
        effects,
        accepted: true,
      };
    }
    case "produced": {
      if (state.phase !== "switching" || event.no !== state.incoming.no) return same;
      return {
        state: {
          phase: "steady",
          current: state.incoming,
          next: state.next,
          broken: state.broken,
        },
        effects: [
          { type: "cancelDeadline", no: event.no },
          { type: "retire", no: state.current.no },
        ],
      };
    }
    case "failed":
    case "deadline": {
      if (state.phase !== "switching" || event.no !== state.incoming.no) return same;
      const why = event.type === "failed"
        ? event.why
        : `no output within ${HANDOVER_DEADLINE_MS / 1000} s`;
      const effects: HandoverEffect[] = [
        ...(event.type === "failed" ? [{ type: "cancelDeadline" as const, no: event.no }] : []),
        { type: "abandon", no: event.no },
      ];
      // The old encoder goes on with the views it carries; those the new one was to add are
      // dropped (their owner gives them encoders of their own), and no view is added again.
      const added = state.incoming.taps.filter((t) => !state.current.taps.includes(t));
      if (added.length > 0) {
        effects.push({
          type: "tapsDropped",
          taps: added,
          why: `the recording's encoder cannot carry live views: ${why}`,
        });
      }
      return {
        state: { phase: "steady", current: state.current, next: state.next, broken: true },
        effects,
      };
    }
    case "finish": {
      if (state.phase === "stopped") return same;
      if (state.phase === "idle") {
        return { state: { phase: "stopped", next: state.next }, effects: [] };
      }
      const effects: HandoverEffect[] = [{ type: "retire", no: state.current.no }];
      const carried = [...state.current.taps];
      if (state.phase === "switching") {
        effects.push(
          { type: "cancelDeadline", no: state.incoming.no },
          { type: "abandon", no: state.incoming.no },
        );
        carried.push(...state.incoming.taps);
      }
      const taps = [...new Set(carried)];
      if (taps.length > 0) {
        effects.push({ type: "tapsDropped", taps, why: "the recording's encoder stopped" });
      }
      return { state: { phase: "stopped", next: state.next }, effects };
    }
  }
}
