/**
 * Turns ffmpeg's fragmented MP4 (movflags frag_keyframe, or frag_every_frame for the live
 * view, with empty_moov, default_base_moof, skip_trailer), as it arrives from the pipe in
 * chunks of any size, into one "init" event (everything up to and including moov) and then one
 * "fragment" event per moof+mdat, which says whether it starts with a keyframe. Boxes
 * between the moov and the first moof (styp, sidx, prft, free, ...) go with the fragment that
 * follows them, as they do for every later fragment, so all fragments are laid out alike and
 * any run of them after the init is a playable file. Concatenating every event's bytes gives
 * back the input exactly.
 *
 * Memory: the box being assembled plus the finished boxes waiting for their mdat; each box,
 * and the boxes waiting together, are capped at `maxBoxBytes` (and a fragment is briefly held
 * twice while its boxes are joined). Event bytes are fresh copies the caller may keep.
 *
 * Errors: anything malformed throws Fmp4Error, from push() or end(). end() throws when the
 * stream stopped inside a box or between a moof and its mdat (ffmpeg killed mid-fragment):
 * those bytes cannot be played, and the message says how many there were. Without
 * skip_trailer ffmpeg ends with an mfra, which end() reports the same way. Once it has thrown,
 * the reader throws the same error on every call.
 */
import { Fmp4Error } from "./errors.ts";
import { type FragmentTiming, parseMoof } from "./fragment.ts";
import { type InitInfo, type ParsedInit, parseMoov } from "./init.ts";
import { BoxSplitter, type WholeBox } from "./splitter.ts";

export interface InitEvent {
  readonly kind: "init";
  /** ftyp, moov and anything before the moov. */
  readonly bytes: Uint8Array;
  readonly info: InitInfo;
}

export interface FragmentEvent extends FragmentTiming {
  readonly kind: "fragment";
  /** Any boxes leading up to the moof (styp, sidx, prft, free...), the moof, and its mdat. */
  readonly bytes: Uint8Array;
}

export type Fmp4Event = InitEvent | FragmentEvent;

export interface FragmentReaderOptions {
  /** Largest box accepted, and largest run of boxes held while waiting for a mdat. */
  readonly maxBoxBytes?: number;
}

export interface FragmentReader {
  /** Feeds the next chunk; returns the events it completed, in stream order. */
  push(chunk: Uint8Array): Fmp4Event[];
  /** The stream is over. Returns [] (every event is out as soon as its last byte is), or
   * throws Fmp4Error if bytes are left that make no whole fragment. */
  end(): Fmp4Event[];
}

export const DEFAULT_MAX_BOX_BYTES = 64 * 1024 * 1024;

export function createFragmentReader(options: FragmentReaderOptions = {}): FragmentReader {
  const maxBoxBytes = options.maxBoxBytes ?? DEFAULT_MAX_BOX_BYTES;
  if (!Number.isSafeInteger(maxBoxBytes) || maxBoxBytes < 16) {
    throw new RangeError(`maxBoxBytes must be an integer of at least 16, got ${maxBoxBytes}`);
  }
  const splitter = new BoxSplitter(maxBoxBytes);
  let init: ParsedInit | undefined;
  /** Whole boxes of the init or fragment being gathered, and their total size. */
  let held: WholeBox[] = [];
  let heldBytes = 0;
  let moof: FragmentTiming | undefined;
  let failure: unknown;
  let ended = false;

  const take = (box: WholeBox): Fmp4Event | undefined => {
    if (box.type !== "mdat" && heldBytes + box.bytes.length > maxBoxBytes) {
      throw new Fmp4Error(
        `${heldBytes + box.bytes.length} bytes of boxes without a mdat, more than ${maxBoxBytes}`,
      );
    }
    const hold = () => {
      held.push(box);
      heldBytes += box.bytes.length;
    };
    const release = (): Uint8Array => {
      const bytes = concat(held, heldBytes);
      held = [];
      heldBytes = 0;
      return bytes;
    };

    if (init === undefined) {
      if (box.type === "moof") throw new Fmp4Error("moof before the init segment (no moov yet)");
      if (box.type === "mdat") throw new Fmp4Error("mdat before any moof");
      hold();
      if (box.type !== "moov") return undefined;
      init = parseMoov(box.bytes);
      return { kind: "init", bytes: release(), info: init.info };
    }
    switch (box.type) {
      case "moov":
        throw new Fmp4Error("a second moov: the stream restarted");
      case "moof":
        if (moof) throw new Fmp4Error("moof after a moof that had no mdat");
        moof = parseMoof(box.bytes, init.info.trackId, init.defaults);
        hold();
        return undefined;
      case "mdat": {
        if (!moof) throw new Fmp4Error("mdat without a moof before it");
        hold();
        const timing = moof;
        moof = undefined;
        return { kind: "fragment", bytes: release(), ...timing };
      }
      default:
        hold();
        return undefined;
    }
  };

  /** Runs a step; the first error sticks, since the stream position is lost after it. */
  const guarded = (step: () => Fmp4Event[]): Fmp4Event[] => {
    if (failure !== undefined) throw failure;
    try {
      return step();
    } catch (e) {
      failure = e;
      throw e;
    }
  };

  return {
    push: (chunk) =>
      guarded(() => {
        if (ended) throw new Fmp4Error("push after end");
        const events: Fmp4Event[] = [];
        for (const box of splitter.push(chunk)) {
          const event = take(box);
          if (event) events.push(event);
        }
        return events;
      }),
    end: () =>
      guarded(() => {
        ended = true;
        const partial = splitter.pendingBytes;
        const lost = heldBytes + partial;
        if (lost === 0) return [];
        const type = splitter.pendingType;
        const inside = partial > 0
          ? type === undefined ? "inside a box header" : `inside a '${type}' box`
          : moof
          ? "between a moof and its mdat"
          : init
          ? `after boxes that no moof followed (${held.map((b) => b.type).join(", ")})`
          : "before the moov";
        throw new Fmp4Error(`the stream ended ${inside}: ${lost} bytes make no whole fragment`);
      }),
  };
}

function concat(parts: readonly WholeBox[], total: number): Uint8Array {
  if (parts.length === 1 && parts[0]) return parts[0].bytes; // already a private copy
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part.bytes, at);
    at += part.bytes.length;
  }
  return out;
}
