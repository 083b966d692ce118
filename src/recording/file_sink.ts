/**
 * A `RecordingSink` writing each part to `<directory>/<fileName>` with its metadata beside it
 * in `<fileName>.json` (header, summary, and the capture time of every chunk). Serves the
 * tests and local troubleshooting; the upload issue puts the spool and gRPC behind the same
 * interface. A part is written to `<fileName>.partial` and renamed when finished, so a file
 * under its final name is always complete.
 */
import path from "node:path";
import type { PartChunk, PartHeader, PartSummary, PartWriter, RecordingSink } from "./sink.ts";
import { writeAll } from "../util/write_all.ts";

export interface PartRecord {
  readonly header: PartHeader;
  readonly summary?: PartSummary;
  readonly aborted?: string;
  readonly chunks: readonly {
    readonly offset: number;
    readonly size: number;
    readonly captureTime: number;
  }[];
}

export function createFileSink(directory: string): RecordingSink {
  return {
    async open(header) {
      await Deno.mkdir(directory, { recursive: true });
      const final = path.join(directory, header.fileName);
      const partial = `${final}.partial`;
      const file = await Deno.open(partial, { write: true, create: true, truncate: true });
      const chunks: { offset: number; size: number; captureTime: number }[] = [];
      let closed = false;
      const close = () => {
        if (!closed) file.close();
        closed = true;
      };
      const writeMeta = (extra: Partial<PartRecord>) =>
        Deno.writeTextFile(`${final}.json`, JSON.stringify({ header, chunks, ...extra }, null, 1));
      const writer: PartWriter = {
        async write(chunk: PartChunk) {
          await writeAll(file, chunk.bytes);
          chunks.push({
            offset: chunk.offset,
            size: chunk.bytes.length,
            captureTime: chunk.captureTime,
          });
        },
        async finish(summary: PartSummary) {
          await file.sync();
          close();
          await Deno.rename(partial, final);
          await writeMeta({ summary });
        },
        async abort(reason: string) {
          close();
          await writeMeta({ aborted: reason });
        },
      };
      return writer;
    },
  };
}
