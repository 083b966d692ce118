/**
 * The recording sink of the product: each part's bytes go durably into the spool, and the part
 * is handed to the uploader at once, which streams it to the ScreenRecorder while it grows.
 */
import type { PartWriter, RecordingSink } from "../recording/sink.ts";
import type { UploadTarget } from "../spool/records.ts";
import type { Spool } from "../spool/spool.ts";
import type { Uploader } from "./uploader.ts";

export interface SpoolSinkDeps {
  readonly spool: Spool;
  readonly uploader: Uploader;
  /** Who the recording belongs to and where it goes, as the registration says now. */
  target(): UploadTarget;
}

export function createSpoolSink(deps: SpoolSinkDeps): RecordingSink {
  return {
    async open(header) {
      const entry = await deps.spool.create(header.fileName, { header, target: deps.target() });
      deps.uploader.add(entry, { live: true });
      const writer: PartWriter = {
        async write(chunk) {
          if (chunk.offset !== entry.size()) {
            throw new Error(
              `${header.fileName}: chunk at ${chunk.offset}, spool holds ${entry.size()} bytes`,
            );
          }
          await entry.append(chunk.bytes, chunk.captureTime);
        },
        async finish(summary) {
          await entry.seal(
            { frames: summary.frames, durationMs: summary.durationMs, endedAt: summary.endedAt },
            summary.sha256,
          );
        },
        async abort(reason) {
          await entry.seal({ aborted: reason });
        },
      };
      return writer;
    },
  };
}
