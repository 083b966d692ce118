import { getLogger } from "@logtape/logtape";
import { createHash } from "node:crypto";
import { SinkFull } from "../recording/sink.ts";
import { samplePartHeader } from "../testing/part_header.ts";
import { assert, assertEquals, assertRejects } from "../testing/assert.ts";
import { DATA_FILE_BYTES, dataFileName, INDEX, listDataFiles } from "./entry_files.ts";
import { createSpool, type SpoolMeta, SpoolTrimmed } from "./spool.ts";

const HEADER = samplePartHeader();
const META: SpoolMeta = {
  header: HEADER,
  target: { recorder: "rec:443", tenantId: "t", operatorId: "u", sessionId: "s" },
};
const log = getLogger(["test"]);

function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  return b;
}

const sha = (...parts: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest("hex");
};

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "spool-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("spool: appends read back with their capture times; seal checks the hash", () =>
  withDir(async (dir) => {
    const spool = createSpool({ log }, { directory: dir, maxBytes: 1 << 30 });
    const e = await spool.create("seg.d0.p0.mp4", META);
    const a = bytes(1000, 1), b = bytes(3000, 2);
    await e.append(a, 1_000);
    await e.append(b, 3_000);
    assertEquals(e.size(), 4000);
    assertEquals(spool.usedBytes(), 4000);
    const r1 = await e.read(0, 600);
    assertEquals([r1.bytes.length, r1.captureTime], [600, 1_000]);
    const r2 = await e.read(1500, 10_000);
    assertEquals([r2.bytes.length, r2.captureTime], [2500, 3_000]);
    assertEquals([...r2.bytes.subarray(0, 5)], [...b.subarray(500, 505)]);
    assertEquals((await e.read(4000, 10)).bytes.length, 0);
    await assertRejects(() => e.seal({}, "00".repeat(32)), Error, "hash to");
    const sealed = await e.seal({ frames: 3 }, sha(a, b));
    assertEquals([sealed.bytes, sealed.sha256, sealed.frames], [4000, sha(a, b), 3]);
    await assertRejects(() => e.append(a, 5_000), Error, "sealed");
  }));

Deno.test("spool: commits free whole data files only; remove frees the rest", () =>
  withDir(async (dir) => {
    const spool = createSpool({ log }, { directory: dir, maxBytes: 1 << 30 });
    const e = await spool.create("x.mp4", META);
    const chunk = bytes(DATA_FILE_BYTES / 2, 3);
    for (let i = 0; i < 5; i++) await e.append(chunk, 1_000 + i);
    // Files roll once one has reached DATA_FILE_BYTES: 0, 2 chunks, 4 chunks.
    assertEquals(await listDataFiles(`${dir}/x.mp4`), [0, DATA_FILE_BYTES, 2 * DATA_FILE_BYTES]);
    await e.commit(DATA_FILE_BYTES + 10);
    assertEquals(await listDataFiles(`${dir}/x.mp4`), [DATA_FILE_BYTES, 2 * DATA_FILE_BYTES]);
    assertEquals(spool.usedBytes(), 5 * chunk.length - DATA_FILE_BYTES);
    await assertRejects(() => e.read(100, 10), SpoolTrimmed, "already trimmed");
    // Everything committed, but not sealed: the file being appended to stays.
    await e.commit(e.size());
    assertEquals(await listDataFiles(`${dir}/x.mp4`), [2 * DATA_FILE_BYTES]);
    await e.seal({});
    await e.commit(e.size());
    assertEquals(await listDataFiles(`${dir}/x.mp4`), []);
    assertEquals(spool.usedBytes(), 0);
    await e.remove();
    await assertRejects(() => Deno.stat(`${dir}/x.mp4`), Deno.errors.NotFound);
  }));

Deno.test("spool: the cap refuses an append whole, with SinkFull, and loses nothing before it", () =>
  withDir(async (dir) => {
    const spool = createSpool({ log }, { directory: dir, maxBytes: 10_000 });
    const e = await spool.create("x.mp4", META);
    await e.append(bytes(6000, 1), 1);
    await assertRejects(() => e.append(bytes(6000, 2), 2), SinkFull, "spool.maxBytes");
    assertEquals(e.size(), 6000);
    const sealed = await e.seal({}, sha(bytes(6000, 1)));
    assertEquals(sealed.bytes, 6000);
    await e.commit(6000);
    assertEquals(spool.usedBytes(), 0);
    const f = await spool.create("y.mp4", META);
    await f.append(bytes(6000, 2), 2); // room again once the recorder committed
  }));

Deno.test("spool: a crash mid-append is recovered to the last whole chunk, hash and all", () =>
  withDir(async (dir) => {
    const first = createSpool({ log }, { directory: dir, maxBytes: 1 << 30 });
    const e = await first.create("seg.d0.p0.mp4", META);
    const a = bytes(5000, 1), b = bytes(7000, 2);
    await e.append(a, 1_000);
    await e.append(b, 3_000);
    await e.commit(2000); // nothing trimmed (one data file), but the hint is written
    // The crash: bytes of a third chunk reached the data file, its index line only half.
    const data = await Deno.open(`${dir}/seg.d0.p0.mp4/${dataFileName(0)}`, { append: true });
    await data.write(bytes(999, 3));
    data.close();
    await Deno.writeTextFile(`${dir}/seg.d0.p0.mp4/${INDEX}`, '{"o":12000,"n":99', {
      append: true,
    });
    // A second interrupted file, with nothing in it yet, and a directory without meta.json.
    await first.create("seg.d1.p0.mp4", { ...META, header: { ...HEADER, display: 1 } });
    await Deno.mkdir(`${dir}/junk`);

    const second = createSpool({ log }, { directory: dir, maxBytes: 1 << 30 });
    const entries = await second.recover();
    assertEquals(entries.map((x) => x.name), ["seg.d0.p0.mp4", "seg.d1.p0.mp4"]);
    const [r, empty] = entries as [typeof entries[0], typeof entries[0]];
    assertEquals(r.size(), 12_000);
    assertEquals(r.sealed()?.sha256, sha(a, b));
    assertEquals(r.sealed()?.interrupted, true);
    assertEquals(r.committed(), 2000);
    assertEquals((await Deno.stat(`${dir}/seg.d0.p0.mp4/${dataFileName(0)}`)).size, 12_000);
    assertEquals(second.usedBytes(), 12_000);
    assertEquals(empty.sealed()?.bytes, 0);
    assertEquals(empty.sealed()?.sha256, sha());
    await assertRejects(() => Deno.stat(`${dir}/junk`), Deno.errors.NotFound);
    // Recovered entries read like live ones.
    assertEquals([...(await r.read(5000, 3)).bytes], [...b.subarray(0, 3)]);
  }));

Deno.test("spool: recovery after trimming resumes at the first kept byte", () =>
  withDir(async (dir) => {
    const first = createSpool({ log }, { directory: dir, maxBytes: 1 << 30 });
    const e = await first.create("x.mp4", META);
    const chunk = bytes(DATA_FILE_BYTES, 4);
    for (let i = 0; i < 3; i++) await e.append(chunk, i);
    await e.commit(2 * DATA_FILE_BYTES);
    const second = createSpool({ log }, { directory: dir, maxBytes: 1 << 30 });
    const [r] = await second.recover();
    assert(r);
    assertEquals(r.committed(), 2 * DATA_FILE_BYTES);
    assertEquals(r.sealed()?.sha256, sha(chunk, chunk, chunk));
    assertEquals(second.usedBytes(), DATA_FILE_BYTES);
  }));

Deno.test("spool: a name once used stays taken after its upload and across a restart", () =>
  withDir(async (dir) => {
    const spool = createSpool({ log }, { directory: dir, maxBytes: 1 << 30 });
    await spool.recover();
    assertEquals(spool.nameTaken("seg.d0.p0.mp4"), false);
    const e = await spool.create("seg.d0.p0.mp4", META);
    await e.seal({});
    await e.remove(); // the recorder holds it
    assertEquals(spool.nameTaken("seg.d0.p0.mp4"), true);
    const next = createSpool({ log }, { directory: dir, maxBytes: 1 << 30 });
    assertEquals(await next.recover(), []);
    assertEquals(next.nameTaken("seg.d0.p0.mp4"), true);
    assertEquals(next.nameTaken("seg.d0.p1.mp4"), false);
  }));
