/**
 * The one error the fmp4 code throws. Malformed or unsupported MP4 never fixes itself, so it is
 * never worth retrying: the caller should stop the recording that produced it and say why.
 */
export class Fmp4Error extends Error {
  override readonly name = "Fmp4Error";
  readonly retryable = false;
}
