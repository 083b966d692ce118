/**
 * A large upload through group commit: a file of SCREENREC_BENCH_MIB MiB (default 64) in chunks
 * of SCREENREC_BENCH_CHUNK_KIB KiB (default 512) over loopback TLS, every byte fdatasynced
 * before it is acknowledged, committed whole and finished. How fast is a benchmark's question,
 * not a test's (scripts/bench/upload.ts, docs/benchmarks.md); with SCREENREC_BENCH_MIB set the
 * rate is printed.
 */
import { createHash } from "node:crypto";
import { status } from "@grpc/grpc-js";
import { assert, assertEquals } from "../../testing/assert.ts";
import { startTestRecorder } from "./test_recorder.ts";
import { patternBytes, sampleProtoHeader } from "./test_support.ts";

const MIB = 1024 * 1024;

Deno.test("throughput: a large upload in many chunks is committed whole and finished", async () => {
  const totalMiB = Number(Deno.env.get("SCREENREC_BENCH_MIB") ?? "64");
  const chunkSize = Number(Deno.env.get("SCREENREC_BENCH_CHUNK_KIB") ?? "512") * 1024;
  const total = totalMiB * MIB;
  // One pattern block reused: the recorder cannot tell, and the test stays light on memory.
  const block = patternBytes(8 * MIB);
  const t = await startTestRecorder();
  try {
    const s = t.client.upload(await t.authority.issue("op-1"));
    await s.header(sampleProtoHeader());
    await s.ackAtLeast(0);
    const hash = createHash("sha256");
    const started = performance.now();
    for (let off = 0; off < total; off += chunkSize) {
      const at = off % block.length;
      const data = block.subarray(at, at + chunkSize);
      hash.update(data);
      await s.chunk(off, data);
    }
    const digest = new Uint8Array(hash.digest());
    await s.finish(total, digest);
    const replies = await s.rest(120_000);
    const seconds = (performance.now() - started) / 1000;
    assertEquals((await s.status).code, status.OK);
    assert(replies.some((r) => r.kind.case === "finished"), "Finished");
    const info = await t.recorder.store.get(sampleProtoHeader().fileName);
    assertEquals([info?.size, info?.committed, info?.finished], [total, total, true]);
    const mbps = total / 1e6 / seconds;
    if (Deno.env.get("SCREENREC_BENCH_MIB") !== undefined) {
      const line = `${totalMiB} MiB in ${seconds.toFixed(2)} s: ${mbps.toFixed(1)} MB/s\n`;
      Deno.stderr.writeSync(new TextEncoder().encode(line));
    }
  } finally {
    await t.dispose();
  }
});
