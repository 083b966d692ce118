/**
 * Errors of the capture module. Each says whether trying again could help (`retryable`), so
 * the supervisor can tell "back off and retry" from "report and stop".
 */

/**
 * This machine or this ffmpeg cannot capture as asked (no x11grab, no usable encoder, no
 * Desktop Duplication slot and no GDI fallback). Retrying will not help; a different ffmpeg
 * build or configuration will.
 */
export class CaptureUnsupported extends Error {
  override readonly name = "CaptureUnsupported";
  readonly retryable = false;
  constructor(message: string) {
    super(message);
  }
}

/** A pipeline plan with out-of-range or inconsistent values: a caller bug. Retrying will not help. */
export class CapturePlanInvalid extends Error {
  override readonly name = "CapturePlanInvalid";
  readonly retryable = false;
  constructor(message: string) {
    super(message);
  }
}
