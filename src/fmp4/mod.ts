/**
 * Reading and rewriting ffmpeg's fragmented MP4: split the encoder's pipe into an init segment
 * and keyframe-led fragments (reader.ts), and move fragments onto a new file's timeline
 * (rewrite.ts) so one encoder run can be cut into recording segments that each play alone.
 */
export { Fmp4Error } from "./errors.ts";
export type { InitInfo } from "./init.ts";
export type { FragmentTiming } from "./fragment.ts";
export {
  createFragmentReader,
  DEFAULT_MAX_BOX_BYTES,
  type Fmp4Event,
  type FragmentEvent,
  type FragmentReader,
  type FragmentReaderOptions,
  type InitEvent,
} from "./reader.ts";
export { rebaseFragment, type RebaseOptions } from "./rewrite.ts";
