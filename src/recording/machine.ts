/**
 * The recording's command logic (DESIGN.md §2, §4) as a pure state machine: AgentServer's
 * start / restart / pause / resume / stop, and the registration's "stop everything". `step`
 * decides what is allowed in which phase, which effect the shell performs, and which reply
 * each command gets; `recorder.ts` performs the effects (encoders, parts, files).
 *
 * Phases: `idle` → `starting` (monitors are being listed and encoders spawned; the reply to
 * `startScreenRecord` waits for the outcome) → `recording` ⇄ `paused` → `stopping` (encoders
 * finish their last fragment; the reply to `stopScreenRecord` waits) → `idle`. A restart
 * changes the segment without leaving `recording` (or `paused`): the encoders go on and the
 * cut falls on their next keyframe. After-call work is simply more of `recording`: only a
 * stop ends it.
 *
 * Every refusal is an `error` reply whose `resultDesc` starts with a code from
 * {@link RecordingRefusal} and says what to do.
 */

export interface SegmentSpec {
  readonly segmentId: string;
  readonly interactionId?: string;
  readonly workItemIds: readonly string[];
}

export type CommandKind = "start" | "restart" | "pause" | "resume" | "stop";

export type RecordingState =
  | { readonly phase: "idle" }
  | {
    readonly phase: "starting";
    readonly segment: SegmentSpec;
    readonly replyTo: number;
    /** The registration ended while starting: stop as soon as the start is done. */
    readonly abandoned?: string;
  }
  | { readonly phase: "recording"; readonly segment: SegmentSpec }
  | { readonly phase: "paused"; readonly segment: SegmentSpec; readonly reason?: string }
  | { readonly phase: "stopping"; readonly segment: SegmentSpec; readonly replyTo: number | null };

/** `P` is the shell's per-command payload (displays, parameters), passed through untouched. */
export type RecordingEvent<P = unknown> =
  | {
    readonly type: "command";
    readonly id: number;
    readonly kind: CommandKind;
    /** The new segment for start and restart; the one the command names otherwise. */
    readonly segment?: SegmentSpec;
    /** For stop, pause, resume: which segment AgentServer means, if it said. */
    readonly segmentId?: string;
    readonly reason?: string;
    readonly payload?: P;
  }
  /** The shell finished starting: encoders are running, or it could not (why). */
  | { readonly type: "began" }
  | { readonly type: "beginFailed"; readonly why: string }
  /** Every encoder has finished after a stop. */
  | { readonly type: "finished" }
  /** The registration is gone for good (DESIGN.md §3): stop without anyone to answer. */
  | { readonly type: "stopAll"; readonly why: string };

export type RecordingEffect<P = unknown> =
  | { readonly type: "begin"; readonly segment: SegmentSpec; readonly payload: P | undefined }
  | {
    readonly type: "switchSegment";
    readonly segment: SegmentSpec;
    readonly payload: P | undefined;
  }
  | { readonly type: "pause"; readonly reason: string | undefined }
  | { readonly type: "resume" }
  | { readonly type: "finish"; readonly why: string }
  | {
    readonly type: "reply";
    readonly id: number;
    readonly kind: CommandKind;
    readonly error?: string;
  };

export const RecordingRefusal = {
  notRecording: "notRecording",
  alreadyRecording: "alreadyRecording",
  notPaused: "notPaused",
  alreadyPaused: "alreadyPaused",
  segmentMismatch: "segmentMismatch",
  sameSegment: "sameSegment",
  busy: "busy",
  stopped: "stopped",
} as const;

export interface RecordingStep<P> {
  readonly state: RecordingState;
  readonly effects: readonly RecordingEffect<P>[];
}

function refuse<P>(
  state: RecordingState,
  id: number,
  kind: CommandKind,
  error: string,
): RecordingStep<P> {
  return { state, effects: [{ type: "reply", id, kind, error }] };
}

function ok<P>(id: number, kind: CommandKind): RecordingEffect<P> {
  return { type: "reply", id, kind };
}

export function step<P>(state: RecordingState, event: RecordingEvent<P>): RecordingStep<P> {
  switch (event.type) {
    case "command":
      return onCommand(state, event);
    case "began":
      if (state.phase !== "starting") return { state, effects: [] };
      if (state.abandoned !== undefined) {
        return {
          state: { phase: "stopping", segment: state.segment, replyTo: null },
          effects: [
            { type: "finish", why: state.abandoned },
            {
              type: "reply",
              id: state.replyTo,
              kind: "start",
              error: `${RecordingRefusal.stopped}: ${state.abandoned}`,
            },
          ],
        };
      }
      return {
        state: { phase: "recording", segment: state.segment },
        effects: [ok(state.replyTo, "start")],
      };
    case "beginFailed":
      if (state.phase !== "starting") return { state, effects: [] };
      return {
        state: { phase: "idle" },
        effects: [{ type: "reply", id: state.replyTo, kind: "start", error: event.why }],
      };
    case "finished":
      if (state.phase !== "stopping") return { state, effects: [] };
      return {
        state: { phase: "idle" },
        effects: state.replyTo === null ? [] : [ok(state.replyTo, "stop")],
      };
    case "stopAll":
      if (state.phase === "starting") {
        return { state: { ...state, abandoned: event.why }, effects: [] };
      }
      if (state.phase !== "recording" && state.phase !== "paused") return { state, effects: [] };
      return {
        state: { phase: "stopping", segment: state.segment, replyTo: null },
        effects: [{ type: "finish", why: event.why }],
      };
  }
}

function onCommand<P>(
  state: RecordingState,
  c: Extract<RecordingEvent<P>, { type: "command" }>,
): RecordingStep<P> {
  const { id, kind } = c;
  if (state.phase === "starting" || state.phase === "stopping") {
    const doing = state.phase === "starting" ? "starting" : "stopping";
    return refuse(
      state,
      id,
      kind,
      `${RecordingRefusal.busy}: segment ${state.segment.segmentId} is ${doing}; ` +
        "send the command again when it has answered",
    );
  }
  if (state.phase === "idle") {
    if (kind !== "start") {
      return refuse(
        state,
        id,
        kind,
        `${RecordingRefusal.notRecording}: nothing is being recorded; send startScreenRecord first`,
      );
    }
    if (!c.segment) throw new Error("start without a segment");
    return {
      state: { phase: "starting", segment: c.segment, replyTo: id },
      effects: [{ type: "begin", segment: c.segment, payload: c.payload }],
    };
  }
  // recording or paused
  const current = state.segment.segmentId;
  if (kind === "start") {
    return refuse(
      state,
      id,
      kind,
      `${RecordingRefusal.alreadyRecording}: segment ${current} is being recorded; ` +
        "use restartScreenRecord for a new segment or stopScreenRecord first",
    );
  }
  if (kind === "restart") {
    if (!c.segment) throw new Error("restart without a segment");
    if (c.segment.segmentId === current) {
      return refuse(
        state,
        id,
        kind,
        `${RecordingRefusal.sameSegment}: ${current} is the current segment; a restart needs a new segmentId`,
      );
    }
    return {
      state: { ...state, segment: c.segment },
      effects: [
        { type: "switchSegment", segment: c.segment, payload: c.payload },
        ok(id, kind),
      ],
    };
  }
  if (c.segmentId !== undefined && c.segmentId !== current) {
    return refuse(
      state,
      id,
      kind,
      `${RecordingRefusal.segmentMismatch}: the current segment is ${current}, not ${c.segmentId}`,
    );
  }
  switch (kind) {
    case "pause":
      if (state.phase === "paused") {
        return refuse(
          state,
          id,
          kind,
          `${RecordingRefusal.alreadyPaused}: segment ${current} is paused`,
        );
      }
      return {
        state: {
          phase: "paused",
          segment: state.segment,
          ...(c.reason ? { reason: c.reason } : {}),
        },
        effects: [{ type: "pause", reason: c.reason }, ok(id, kind)],
      };
    case "resume":
      if (state.phase !== "paused") {
        return refuse(
          state,
          id,
          kind,
          `${RecordingRefusal.notPaused}: segment ${current} is not paused`,
        );
      }
      return {
        state: { phase: "recording", segment: state.segment },
        effects: [{ type: "resume" }, ok(id, kind)],
      };
    case "stop":
      return {
        state: { phase: "stopping", segment: state.segment, replyTo: id },
        effects: [{ type: "finish", why: "stopScreenRecord" }],
      };
  }
}
