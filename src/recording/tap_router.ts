/**
 * The live views a monitor's recording encoder carries (capture/taps.ts), seen from the track:
 * which views are wanted, which encoder generation feeds each one (handover.ts), and the
 * reading of each generation's tap pipes into fMP4 init segments and fragments.
 *
 * During a handover two generations may write the same view at once; a view takes its video
 * from one of them only — its owner, the newest generation that carries it and is not being
 * given up — so that its stream never interleaves two encoders. When the owner changes, the
 * view is handed the new owner's init segment and its fragments since its last keyframe (kept
 * per pipe: at most a keyframe interval of a live view), so the viewer goes on at once instead
 * of waiting for the next keyframe.
 */
import type { Logger } from "@logtape/logtape";
import type { PipelinePlan } from "../capture/types.ts";
import { createFragmentReader, type FragmentReader } from "../fmp4/mod.ts";

/** Where a carried live view's video goes (implemented by the live views). */
export interface TapFeed {
  /** An init segment: what follows belongs to it (a new encoder run or a new owner). */
  init(bytes: Uint8Array): void;
  fragment(fragment: { readonly bytes: Uint8Array; readonly keyframe: boolean }): void;
  /** The recording's encoder no longer carries the view, and why. */
  dropped(why: string): void;
}

/** A live view for the recording's encoder to carry. */
export interface TrackTap {
  readonly id: string;
  /** The live view's encoder plan (src/live/live_args.ts). */
  readonly plan: PipelinePlan;
  readonly feed: TapFeed;
}

export interface TapRouter {
  /** The views wanted from now on; views left out get nothing more (not even `dropped`). */
  want(taps: readonly TrackTap[]): void;
  wanted(): readonly TrackTap[];
  /** Generation `gen`'s encoder started a run carrying `taps` (in pipe order). */
  runStarted(gen: number, taps: readonly TrackTap[]): void;
  /** Bytes of pipe `index` of generation `gen`. */
  output(gen: number, index: number, chunk: Uint8Array): void;
  /** Each wanted view's owner now (null: none). A view whose owner changed gets its init. */
  setOwners(ownerOf: (id: string) => number | null): void;
  /** These views are not carried any more: tell their feeds, and forget them. */
  drop(ids: readonly string[], why: string): void;
  /** The generation is gone: forget its readers and inits. */
  forget(gen: number): void;
}

interface Fragment {
  readonly bytes: Uint8Array;
  readonly keyframe: boolean;
}

interface Pipe {
  readonly id: string;
  reader: FragmentReader | null;
  init: Uint8Array | null;
  /** The fragments since (and with) the last keyframe. */
  gop: Fragment[];
}

export function createTapRouter(log: Logger, name: string): TapRouter {
  let wanted = new Map<string, TrackTap>();
  const owners = new Map<string, number>();
  const pipes = new Map<number, Pipe[]>();

  const pipeOf = (gen: number, id: string): Pipe | undefined =>
    pipes.get(gen)?.find((p) => p.id === id);

  return {
    want(taps) {
      wanted = new Map(taps.map((t) => [t.id, t]));
      for (const id of [...owners.keys()]) if (!wanted.has(id)) owners.delete(id);
    },
    wanted: () => [...wanted.values()],
    runStarted(gen, taps) {
      pipes.set(
        gen,
        taps.map((t) => ({ id: t.id, reader: createFragmentReader(), init: null, gop: [] })),
      );
    },
    output(gen, index, chunk) {
      const pipe = pipes.get(gen)?.[index];
      if (!pipe?.reader) return;
      let events;
      try {
        events = pipe.reader.push(chunk);
      } catch (e) {
        // Unreadable: this run's view output is lost (the recording is not affected).
        log.warn("{name}: live view {id}'s output is unreadable: {error}", {
          name,
          id: pipe.id,
          error: (e as Error).message,
        });
        pipe.reader = null;
        return;
      }
      const tap = owners.get(pipe.id) === gen ? wanted.get(pipe.id) : undefined;
      for (const event of events) {
        if (event.kind === "init") {
          pipe.init = event.bytes;
          pipe.gop = [];
          tap?.feed.init(event.bytes);
          continue;
        }
        const fragment = { bytes: event.bytes, keyframe: event.keyframe };
        if (fragment.keyframe) pipe.gop = [];
        pipe.gop.push(fragment);
        tap?.feed.fragment(fragment);
      }
    },
    setOwners(ownerOf) {
      for (const [id, tap] of wanted) {
        const owner = ownerOf(id);
        if (owner === (owners.get(id) ?? null)) continue;
        if (owner === null) {
          owners.delete(id);
          continue;
        }
        owners.set(id, owner);
        const pipe = pipeOf(owner, id);
        if (!pipe?.init) continue;
        tap.feed.init(pipe.init);
        for (const fragment of pipe.gop) tap.feed.fragment(fragment);
      }
    },
    drop(ids, why) {
      for (const id of ids) {
        const tap = wanted.get(id);
        wanted.delete(id);
        owners.delete(id);
        tap?.feed.dropped(why);
      }
    },
    forget(gen) {
      pipes.delete(gen);
    },
  };
}
