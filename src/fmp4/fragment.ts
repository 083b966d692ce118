/**
 * What a moof says about its fragment: where it sits on the track's timeline (tfdt), how long
 * it lasts and how many samples it has (trun, else tfhd defaults, else trex defaults), and
 * whether it starts with a sync sample, so a recording can be cut there and still play, and a
 * live view can resume there after dropping fragments (src/live/fragment_queue.ts).
 *
 * The first sample's flags come from the first of: the first non-empty trun's
 * first_sample_flags, that trun's own flags for its first sample, the tfhd's default flags,
 * the moov's trex defaults.
 */
import { type Box, boxAt, childrenOf, Fields, requireChild } from "./boxes.ts";
import { Fmp4Error } from "./errors.ts";
import type { TrackDefaults } from "./init.ts";

export interface FragmentTiming {
  /** tfdt baseMediaDecodeTime, in the track's timescale ticks. */
  readonly decodeTime: number;
  /** Sum of the samples' durations, in the same ticks. */
  readonly duration: number;
  readonly samples: number;
  /** The first sample is a sync sample (false when there are no samples). */
  readonly keyframe: boolean;
}

// tfhd flags
const BASE_DATA_OFFSET = 0x1;
const SAMPLE_DESCRIPTION_INDEX = 0x2;
const DEFAULT_DURATION = 0x8;
const DEFAULT_SIZE = 0x10;
const DEFAULT_FLAGS = 0x20;
// trun flags
const DATA_OFFSET = 0x1;
const FIRST_SAMPLE_FLAGS = 0x4;
const SAMPLE_DURATION = 0x100;
const SAMPLE_SIZE = 0x200;
const SAMPLE_FLAGS = 0x400;
const SAMPLE_CTO = 0x800;

/**
 * Whether a video sample is a sync sample (a keyframe a decoder can start at), the way
 * Chromium's MSE reads it (media/formats/mp4/track_run_iterator.cc), since browsers play both
 * the recordings and the live view: sample_is_non_sync_sample is clear and sample_depends_on
 * is not 1 ("depends on others"). depends_on 2 alone is not enough: an I-frame that is not an
 * IDR (non_sync set) does not stop later frames from referring to frames before it. ffmpeg
 * writes 0x02000000 for keyframes and 0x01010000 for the others. The flags word is, from the
 * top: 4 reserved bits, is_leading(2), depends_on(2), is_depended_on(2), has_redundancy(2),
 * padding(3), non_sync(1), degradation_priority(16).
 */
export function isSyncSample(flags: number): boolean {
  const dependsOn = (flags >>> 24) & 0x3;
  const nonSync = (flags >>> 16) & 0x1;
  return nonSync === 0 && dependsOn !== 1;
}

/**
 * Reads a whole moof (header included) for `trackId`'s traf; other tracks' trafs are ignored.
 * `defaults` are the moov's trex values by track.
 */
export function parseMoof(
  moofBytes: Uint8Array,
  trackId: number,
  defaults: ReadonlyMap<number, TrackDefaults>,
): FragmentTiming {
  const moof = boxAt(moofBytes, 0, moofBytes.length);
  for (const traf of childrenOf(moofBytes, moof).filter((b) => b.type === "traf")) {
    const tfhd = readTfhd(moofBytes, requireChild(moofBytes, traf, "tfhd"));
    if (tfhd.trackId !== trackId) continue;
    const trex = defaults.get(trackId);
    if (!trex) throw new Fmp4Error(`moof has track ${trackId}, but the moov has no trex for it`);
    return readTraf(moofBytes, traf, {
      sampleDuration: tfhd.sampleDuration ?? trex.sampleDuration,
      sampleFlags: tfhd.sampleFlags ?? trex.sampleFlags,
    });
  }
  throw new Fmp4Error(`moof has no traf for track ${trackId}`);
}

interface Tfhd {
  readonly trackId: number;
  readonly sampleDuration: number | undefined;
  readonly sampleFlags: number | undefined;
}

function readTfhd(data: Uint8Array, box: Box): Tfhd {
  const fields = new Fields(data, box);
  const { flags } = fields.versionAndFlags();
  const trackId = fields.u32();
  if (flags & BASE_DATA_OFFSET) fields.skip(8);
  if (flags & SAMPLE_DESCRIPTION_INDEX) fields.skip(4);
  const sampleDuration = flags & DEFAULT_DURATION ? fields.u32() : undefined;
  if (flags & DEFAULT_SIZE) fields.skip(4);
  const sampleFlags = flags & DEFAULT_FLAGS ? fields.u32() : undefined;
  return { trackId, sampleDuration, sampleFlags };
}

function readTraf(data: Uint8Array, traf: Box, defaults: TrackDefaults): FragmentTiming {
  const children = childrenOf(data, traf);
  const tfdtBox = children.find((b) => b.type === "tfdt");
  if (!tfdtBox) throw new Fmp4Error("traf has no tfdt, so its time is unknown");
  const tfdt = new Fields(data, tfdtBox);
  const decodeTime = tfdt.versionAndFlags().version === 1 ? tfdt.u64() : tfdt.u32();

  let duration = 0;
  let samples = 0;
  let firstFlags: number | undefined;
  for (const trun of children.filter((b) => b.type === "trun")) {
    const fields = new Fields(data, trun);
    const { flags } = fields.versionAndFlags();
    const count = fields.u32();
    if (flags & DATA_OFFSET) fields.skip(4);
    const first = flags & FIRST_SAMPLE_FLAGS ? fields.u32() : undefined;
    const perSample = [SAMPLE_DURATION, SAMPLE_SIZE, SAMPLE_FLAGS, SAMPLE_CTO]
      .filter((f) => flags & f).length * 4;
    if (count * perSample > trun.end - fields.offset) {
      throw new Fmp4Error(`trun claims ${count} samples but is too short for them`);
    }
    if (samples === 0 && count > 0) firstFlags = first ?? defaults.sampleFlags;
    if (perSample === 0) {
      // nothing per sample: a garbage count must not cost a loop of billions
      duration += count * defaults.sampleDuration;
    }
    for (let i = 0; i < count && perSample > 0; i++) {
      duration += flags & SAMPLE_DURATION ? fields.u32() : defaults.sampleDuration;
      if (flags & SAMPLE_SIZE) fields.skip(4);
      const sampleFlags = flags & SAMPLE_FLAGS ? fields.u32() : defaults.sampleFlags;
      // first_sample_flags, when present, overrides the run's first sample's own flags
      if (samples === 0 && i === 0 && first === undefined) firstFlags = sampleFlags;
      if (flags & SAMPLE_CTO) fields.skip(4);
    }
    samples += count;
  }
  const keyframe = firstFlags !== undefined && isSyncSample(firstFlags);
  return { decodeTime, duration, samples, keyframe };
}
