import { join } from "node:path";
import { FakeClock } from "../../clock/fake_clock.ts";
import { assert, assertEquals, assertRejects } from "../../testing/assert.ts";
import { toHex } from "../../util/hex.ts";
import { FsRecordingStore } from "./fs_store.ts";
import type { RecordingHeader } from "./header.ts";
import { type OpenResult, type RecordingWriter, StoreError, type WriterEvents } from "./store.ts";
import { delay, eventually, patternBytes, sampleHeader, sha256 } from "./test_support.ts";

function recorder(): { events: WriterEvents; committed: number[]; closed: StoreError[] } {
  const committed: number[] = [];
  const closed: StoreError[] = [];
  return {
    events: { onCommitted: (n) => committed.push(n), onClosed: (e) => closed.push(e) },
    committed,
    closed,
  };
}

function writerOf(result: OpenResult): RecordingWriter {
  assert(result.kind === "open", `expected an open writer, got ${result.kind}`);
  return result.writer;
}

async function withStore(
  fn: (dir: string, clock: FakeClock) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "recstore-" });
  try {
    await fn(dir, new FakeClock(1_800_000_000_000));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const H: RecordingHeader = sampleHeader();

Deno.test("fs store: bytes commit after the idle delay, not before", async () => {
  await withStore(async (dir, clock) => {
    const store = await FsRecordingStore.open(dir, { clock }, { syncIdleMs: 5 });
    const r = recorder();
    const w = writerOf(await store.openWriter(H, r.events));
    assertEquals((await w.write(0, patternBytes(100))).stored, 100);
    await delay(20);
    assertEquals(r.committed, [], "nothing may be acknowledged before the commit");
    assertEquals(w.committed, 0);
    clock.advance(5);
    await eventually(() => r.committed.length > 0, "commit");
    assertEquals(r.committed, [100]);
    const state = JSON.parse(await Deno.readTextFile(join(dir, "state", `${H.fileName}.json`)));
    assertEquals(state.committed, 100, "the state file holds the committed offset");
    await store.close();
  });
});

Deno.test("fs store: a full batch commits without waiting for the idle delay", async () => {
  await withStore(async (dir, clock) => {
    const store = await FsRecordingStore.open(dir, { clock }, { syncBytes: 1024 });
    const r = recorder();
    const w = writerOf(await store.openWriter(H, r.events));
    await w.write(0, patternBytes(600));
    await w.write(600, patternBytes(600, 2));
    await eventually(() => r.committed.length > 0, "commit at the threshold");
    assertEquals(r.committed, [1200]);
    await store.close();
  });
});

Deno.test("fs store: held bytes are not stored again, overlaps store the tail, holes fail", async () => {
  await withStore(async (dir, clock) => {
    const store = await FsRecordingStore.open(dir, { clock });
    const w = writerOf(await store.openWriter(H, recorder().events));
    const data = patternBytes(300);
    assertEquals(await w.write(0, data.subarray(0, 200)), { stored: 200, end: 200 });
    assertEquals(await w.write(0, data.subarray(0, 100)), { stored: 0, end: 200 });
    assertEquals(await w.write(100, data.subarray(100, 300)), { stored: 100, end: 300 });
    const hole = await assertRejects(() => w.write(301, data.subarray(0, 1)), StoreError);
    assertEquals((hole as StoreError).kind, "hole");
    assertEquals((hole as StoreError).expectedOffset, 300);
    assertEquals(hole.message, "expected offset 300");
    assertEquals(await w.flush(), 300);
    assertEquals(await Deno.readFile(join(dir, "data", H.fileName)), data);
    await store.close();
  });
});

Deno.test("fs store: a new process keeps committed bytes and drops the uncommitted tail", async () => {
  await withStore(async (dir, clock) => {
    const first = await FsRecordingStore.open(dir, { clock });
    const w = writerOf(await first.openWriter(H, recorder().events));
    const data = patternBytes(500);
    await w.write(0, data.subarray(0, 300));
    assertEquals(await w.flush(), 300);
    await w.write(300, data.subarray(300));
    // No commit for the last 200 bytes: they are in the data file but were never acknowledged.
    assertEquals((await Deno.stat(join(dir, "data", H.fileName))).size, 500);
    // `first` is abandoned as a crashed process would be; a second store opens the directory.
    const second = await FsRecordingStore.open(dir, { clock });
    assertEquals((await second.get(H.fileName))?.committed, 300);
    assertEquals((await Deno.stat(join(dir, "data", H.fileName))).size, 300);
    const r = recorder();
    const open = await second.openWriter(H, r.events);
    assertEquals(open.info.committed, 300);
    const w2 = writerOf(open);
    assertEquals(await w2.write(300, data.subarray(300)), { stored: 200, end: 500 });
    const info = await w2.finish(500, sha256(data));
    assertEquals(info.sha256, toHex(sha256(data)));
    assertEquals(await Deno.readFile(join(dir, "data", H.fileName)), data);
    await second.close();
    await first.close();
  });
});

Deno.test("fs store: finish checks size and SHA-256, marks failures, then freezes the object", async () => {
  await withStore(async (dir, clock) => {
    const store = await FsRecordingStore.open(dir, { clock });
    const w = writerOf(await store.openWriter(H, recorder().events));
    const data = patternBytes(1000);
    await w.write(0, data);
    const short = await assertRejects(() => w.finish(999, sha256(data)), StoreError);
    assertEquals((short as StoreError).kind, "size-mismatch");
    const bad = await assertRejects(() => w.finish(1000, new Uint8Array(32)), StoreError);
    assertEquals((bad as StoreError).kind, "sha-mismatch");
    const failed = await store.get(H.fileName);
    assertEquals(failed?.finished, false);
    assert(failed?.failure?.includes("sha256"), "the failure is recorded");
    const info = await w.finish(1000, sha256(data));
    assertEquals([info.finished, info.size, info.failure], [true, 1000, null]);
    const again = await store.openWriter(H, recorder().events);
    assertEquals(again.kind, "finished");
    assertEquals(again.info.sha256, toHex(sha256(data)));
    const reloaded = await FsRecordingStore.open(dir, { clock });
    assertEquals((await reloaded.get(H.fileName))?.finished, true);
    await store.close();
    await reloaded.close();
  });
});

Deno.test("fs store: a newer writer supersedes the older one and continues after its bytes", async () => {
  await withStore(async (dir, clock) => {
    const store = await FsRecordingStore.open(dir, { clock });
    const a = recorder();
    const wa = writerOf(await store.openWriter(H, a.events));
    await wa.write(0, patternBytes(100));
    const b = recorder();
    const open = await store.openWriter(H, b.events);
    assertEquals(a.closed.map((e) => e.kind), ["superseded"]);
    assertEquals(open.info.committed, 100, "the older writer's bytes were committed first");
    const late = await assertRejects(() => wa.write(100, patternBytes(10)), StoreError);
    assertEquals((late as StoreError).kind, "superseded");
    const wb = writerOf(open);
    assertEquals((await wb.write(100, patternBytes(10))).stored, 10);
    await wa.release(); // the old writer's release must not close the new writer's file
    assertEquals(await wb.flush(), 110);
    await store.close();
    assertEquals(b.closed.map((e) => e.kind), ["closed"]);
  });
});

Deno.test("fs store: a conflicting header names the field; bad names are refused", async () => {
  await withStore(async (dir, clock) => {
    const store = await FsRecordingStore.open(dir, { clock });
    writerOf(await store.openWriter(H, recorder().events));
    const conflict = await assertRejects(
      () => store.openWriter({ ...H, frameRate: 30 }, recorder().events),
      StoreError,
    );
    assertEquals([(conflict as StoreError).kind, (conflict as StoreError).field], [
      "header-conflict",
      "frame_rate",
    ]);
    const name = await assertRejects(
      () => store.openWriter({ ...H, fileName: "../evil" }, recorder().events),
      StoreError,
    );
    assertEquals((name as StoreError).kind, "invalid-name");
    assertEquals((await store.list()).map((i) => i.fileName), [H.fileName]);
    await store.close();
  });
});

Deno.test("fs store: a full disk is a no-space error and loses no committed byte", async () => {
  await withStore(async (dir, clock) => {
    const store = await FsRecordingStore.open(dir, { clock });
    writerOf(await store.openWriter(H, recorder().events)).release();
    await store.close();
    // Writes to /dev/full fail with ENOSPC: a real "disk full" from the kernel.
    const dataPath = join(dir, "data", H.fileName);
    await Deno.remove(dataPath);
    await Deno.symlink("/dev/full", dataPath);
    const reopened = await FsRecordingStore.open(dir, { clock });
    const r = recorder();
    const w = writerOf(await reopened.openWriter(H, r.events));
    const full = await assertRejects(() => w.write(0, patternBytes(10)), StoreError);
    assertEquals((full as StoreError).kind, "no-space");
    assertEquals(r.closed.map((e) => e.kind), ["no-space"]);
    assertEquals((await reopened.get(H.fileName))?.committed, 0);
    await reopened.close();
  });
});

Deno.test("fs store: read streams a committed range", async () => {
  await withStore(async (dir, clock) => {
    const store = await FsRecordingStore.open(dir, { clock });
    const w = writerOf(await store.openWriter(H, recorder().events));
    const data = patternBytes(700_000);
    await w.write(0, data);
    await w.flush();
    const body = await new Response(await store.read(H.fileName, 100, 600_100)).bytes();
    assertEquals(body, data.subarray(100, 600_100));
    await assertRejects(() => store.read(H.fileName, 0, 700_001), RangeError);
    await store.close();
  });
});

Deno.test("fs store: a torn state update is discarded and an unreadable state is reported", async () => {
  await withStore(async (dir, clock) => {
    const store = await FsRecordingStore.open(dir, { clock });
    const w = writerOf(await store.openWriter(H, recorder().events));
    await w.write(0, patternBytes(10));
    await w.release();
    await store.close();
    // A crash between writing the temporary state file and renaming it, and a foreign file.
    await Deno.writeTextFile(join(dir, "state", `${H.fileName}.json.tmp`), '{"torn');
    await Deno.writeTextFile(join(dir, "state", "other.mp4.json"), "not json");
    const problems: string[] = [];
    const reopened = await FsRecordingStore.open(dir, {
      clock,
      onLoadProblem: (name) => problems.push(name),
    });
    assertEquals(problems, ["other.mp4"]);
    assertEquals((await reopened.list()).map((i) => [i.fileName, i.committed]), [[H.fileName, 10]]);
    const left = [...Deno.readDirSync(join(dir, "state"))].map((e) => e.name).sort();
    assertEquals(left, ["other.mp4.json", `${H.fileName}.json`]);
    await reopened.close();
  });
});
