/**
 * The upload benchmark's backlog (not timed in its results): sealed parts in a spool directory,
 * written through the spool exactly as the recording sink writes them, with pseudo-random bytes.
 */
import { join } from "node:path";
import { getLogger } from "@logtape/logtape";
import { createSpool } from "../../src/spool/spool.ts";
import { samplePartHeader } from "../../src/testing/part_header.ts";

const MIB = 1024 * 1024;
const APPEND_BYTES = MIB;

export interface SpoolShape {
  readonly parts: number;
  /** MiB appends per part. */
  readonly appendsPerPart: number;
  readonly operator: string;
}

export interface Filled {
  readonly names: readonly string[];
  readonly partBytes: number;
  readonly seconds: number;
}

/** xorshift32 over a 1 MiB buffer: cheap, not compressible, different for every append. */
function fillPseudoRandom(buffer: Uint32Array, seed: number): void {
  let x = seed | 0 || 0x9e3779b9;
  for (let i = 0; i < buffer.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buffer[i] = x;
  }
}

/** `shape.parts` sealed parts of `shape.appendsPerPart` MiB in `<spoolDirectory>/upload`. */
export async function fillSpool(
  spoolDirectory: string,
  prefix: string,
  shape: SpoolShape,
): Promise<Filled> {
  const t0 = performance.now();
  const total = shape.parts * shape.appendsPerPart * APPEND_BYTES;
  const spool = createSpool({ log: getLogger(["bench", "fill"]) }, {
    directory: join(spoolDirectory, "upload"),
    maxBytes: total + 64 * MIB,
  });
  const words = new Uint32Array(APPEND_BYTES / 4);
  const bytes = new Uint8Array(words.buffer);
  const names: string[] = [];
  const startedAt = Date.now();
  for (let p = 0; p < shape.parts; p++) {
    const name = `${prefix}.d0.p${p}.mp4`;
    const header = { ...samplePartHeader(name), segmentId: prefix, part: p, startedAt };
    const entry = await spool.create(name, {
      header,
      target: { recorder: "", tenantId: "bench", operatorId: shape.operator, sessionId: "bench" },
    });
    for (let i = 0; i < shape.appendsPerPart; i++) {
      fillPseudoRandom(words, (p + 1) * 1_000_003 + i);
      // One append a "fragment", 2 s of capture apart.
      await entry.append(bytes, startedAt + i * 2000);
    }
    await entry.seal({
      frames: shape.appendsPerPart * 10,
      durationMs: shape.appendsPerPart * 2000,
      endedAt: startedAt + shape.appendsPerPart * 2000,
    });
    names.push(name);
    Deno.stderr.writeSync(
      new TextEncoder().encode(`  ${name}: ${shape.appendsPerPart} MiB spooled\n`),
    );
  }
  return {
    names,
    partBytes: shape.appendsPerPart * APPEND_BYTES,
    seconds: (performance.now() - t0) / 1000,
  };
}
