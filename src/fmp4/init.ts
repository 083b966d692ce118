/**
 * What the init segment's moov says that the rest of the stream needs: the video track's
 * identity, clock and picture (InitInfo, for whoever stores or plays the recording), and each
 * track's trex defaults, which a moof falls back on when it leaves a sample's duration or flags
 * out.
 */
import { type Box, boxAt, childOf, childrenOf, Fields, fourcc, requireChild } from "./boxes.ts";
import { Fmp4Error } from "./errors.ts";

export interface InitInfo {
  /** The video track's ticks per second (mdhd); fragment times are in these ticks. */
  readonly timescale: number;
  /** Display size from tkhd, whole pixels (tkhd stores 16.16 fixed point). */
  readonly width: number;
  readonly height: number;
  /**
   * RFC 6381 codec string: "avc1.PPCCLL" from avcC's profile, compatibility and level. For a
   * sample entry other than avc1/avc3, just its type ("hvc1", "vp09"): their full strings need
   * more parsing than anything here uses.
   */
  readonly codec: string;
  readonly trackId: number;
}

/** A track's trex: what a fragment's samples are when tfhd and trun do not say. */
export interface TrackDefaults {
  readonly sampleDuration: number;
  readonly sampleFlags: number;
}

export interface ParsedInit {
  readonly info: InitInfo;
  /** By track_ID; empty when the moov has no mvex (then it was not made for fragments). */
  readonly defaults: ReadonlyMap<number, TrackDefaults>;
}

/** Reads a whole moov box (header included). The first video track is the one described. */
export function parseMoov(moovBytes: Uint8Array): ParsedInit {
  const moov = boxAt(moovBytes, 0, moovBytes.length);
  const traks = childrenOf(moovBytes, moov).filter((b) => b.type === "trak");
  const video = traks.find((trak) => handlerOf(moovBytes, trak) === "vide");
  if (!video) throw new Fmp4Error(`moov has no video track (${traks.length} tracks)`);
  return { info: describeTrack(moovBytes, video), defaults: trexDefaults(moovBytes, moov) };
}

function handlerOf(data: Uint8Array, trak: Box): string {
  const hdlr = requireChild(data, requireChild(data, trak, "mdia"), "hdlr");
  const fields = new Fields(data, hdlr).skip(8); // version/flags, pre_defined
  const at = fields.offset;
  fields.u32(); // handler_type; read through Fields so a short hdlr is an error
  return fourcc(data, at);
}

function describeTrack(data: Uint8Array, trak: Box): InitInfo {
  // tkhd: after version/flags, creation and modification times (32 or 64 bits), track_ID,
  // reserved, duration (32 or 64), reserved[2], layer, alternate_group, volume, reserved,
  // matrix[9], then width and height.
  const tkhd = new Fields(data, requireChild(data, trak, "tkhd"));
  const wide = tkhd.versionAndFlags().version === 1;
  tkhd.skip(wide ? 16 : 8);
  const trackId = tkhd.u32();
  tkhd.skip(4 + (wide ? 8 : 4) + 8 + 8 + 36);
  const width = tkhd.u32() >>> 16;
  const height = tkhd.u32() >>> 16;

  const mdia = requireChild(data, trak, "mdia");
  const mdhd = new Fields(data, requireChild(data, mdia, "mdhd"));
  mdhd.skip(mdhd.versionAndFlags().version === 1 ? 16 : 8);
  const timescale = mdhd.u32();
  if (timescale === 0) throw new Fmp4Error(`track ${trackId} has timescale 0`);

  const stbl = requireChild(data, requireChild(data, mdia, "minf"), "stbl");
  return { timescale, width, height, codec: codecOf(data, stbl), trackId };
}

/** stsd holds version/flags and an entry count before its entries, which are boxes. */
function codecOf(data: Uint8Array, stbl: Box): string {
  const stsd = requireChild(data, stbl, "stsd");
  new Fields(data, stsd).skip(8);
  const entry = boxAt(data, stsd.body + 8, stsd.end);
  if (entry.type !== "avc1" && entry.type !== "avc3") return entry.type;
  // A VisualSampleEntry has 78 bytes of fixed fields before its child boxes (avcC, pasp...).
  const children = { type: entry.type, start: entry.start, body: entry.body + 78, end: entry.end };
  if (children.body > entry.end) throw new Fmp4Error(`'${entry.type}' is too short`);
  const avcC = childOf(data, children, "avcC");
  if (!avcC) throw new Fmp4Error(`'${entry.type}' has no 'avcC'`);
  const fields = new Fields(data, avcC).skip(1); // configurationVersion
  const hex = (n: number) => n.toString(16).padStart(2, "0");
  return `${entry.type}.${hex(fields.u8())}${hex(fields.u8())}${hex(fields.u8())}`;
}

/** trex: version/flags, track_ID, default sample description index, duration, size, flags. */
function trexDefaults(data: Uint8Array, moov: Box): Map<number, TrackDefaults> {
  const defaults = new Map<number, TrackDefaults>();
  const mvex = childOf(data, moov, "mvex");
  if (!mvex) return defaults;
  for (const trex of childrenOf(data, mvex).filter((b) => b.type === "trex")) {
    const fields = new Fields(data, trex).skip(4);
    const trackId = fields.u32();
    fields.skip(4);
    const sampleDuration = fields.u32();
    fields.skip(4);
    defaults.set(trackId, { sampleDuration, sampleFlags: fields.u32() });
  }
  return defaults;
}
