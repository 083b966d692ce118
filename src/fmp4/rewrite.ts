/**
 * Moves a fragment to a new file's timeline. The agent cuts one continuous encoder output into
 * recording segments at fragment boundaries; each segment file must start at time 0 with
 * fragment sequence 1 to play on its own, so every traf's tfdt baseMediaDecodeTime is lowered
 * by the segment's first decode time and the mfhd sequence_number is replaced. Only values
 * change, never sizes, so trun data_offset (relative to the moof under default_base_moof) and
 * everything else stays valid.
 *
 * Not rewritten: sidx earliest_presentation_time and prft, which ffmpeg does not write with
 * the agent's movflags, and which players do not need to place samples. With several tracks,
 * every traf is shifted by the same ticks, which is right only if they share a timescale; the
 * agent records a single video track.
 */
import { type Box, boxesIn, childrenOf, Fields, requireChild } from "./boxes.ts";
import { Fmp4Error } from "./errors.ts";

export interface RebaseOptions {
  /** Ticks (the track's timescale) to subtract from each tfdt; a non-negative integer. */
  readonly decodeTimeShift: number;
  /** The new mfhd sequence_number; fragments in a file should count up from 1. */
  readonly sequenceNumber: number;
}

/** A rewritten copy of `fragment` (a reader's fragment bytes: leading boxes, moof, mdat). */
export function rebaseFragment(fragment: Uint8Array, opts: RebaseOptions): Uint8Array {
  const { decodeTimeShift, sequenceNumber } = opts;
  if (!Number.isSafeInteger(decodeTimeShift) || decodeTimeShift < 0) {
    throw new RangeError(`decodeTimeShift must be a non-negative integer, got ${decodeTimeShift}`);
  }
  if (!Number.isInteger(sequenceNumber) || sequenceNumber < 0 || sequenceNumber > 0xffffffff) {
    throw new RangeError(`sequenceNumber must be a 32-bit unsigned integer, got ${sequenceNumber}`);
  }
  const out = fragment.slice();
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const moofs = boxesIn(out, 0, out.length).filter((b) => b.type === "moof");
  if (moofs.length === 0) throw new Fmp4Error("the fragment has no moof");
  for (const moof of moofs) {
    const mfhd = requireChild(out, moof, "mfhd");
    const fields = new Fields(out, mfhd).skip(4); // version and flags
    const at = fields.offset;
    fields.skip(4); // bounds check: the sequence number is inside the mfhd
    view.setUint32(at, sequenceNumber);
    for (const traf of childrenOf(out, moof).filter((b) => b.type === "traf")) {
      shiftTfdt(out, view, requireChild(out, traf, "tfdt"), BigInt(decodeTimeShift));
    }
  }
  return out;
}

/** BigInt keeps version 1's 64-bit times exact whatever their size. */
function shiftTfdt(data: Uint8Array, view: DataView, tfdt: Box, shift: bigint): void {
  const fields = new Fields(data, tfdt);
  const wide = fields.versionAndFlags().version === 1;
  const at = fields.offset;
  fields.skip(wide ? 8 : 4); // bounds check
  const time = wide ? view.getBigUint64(at) : BigInt(view.getUint32(at));
  if (time < shift) {
    throw new Fmp4Error(`cannot shift decode time ${time} back by ${shift}: it would be negative`);
  }
  if (wide) view.setBigUint64(at, time - shift);
  else view.setUint32(at, Number(time - shift));
}
