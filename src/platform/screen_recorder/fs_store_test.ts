import { join } from "node:path";
import { FakeClock } from "../../clock/fake_clock.ts";
import { assert, assertEquals, assertRejects } from "../../testing/assert.ts";
import { toHex } from "../../util/hex.ts";
import { FsRecordingStore } from "./fs_store.ts";
import type { RecordingHeader } from "./header.ts";
import {
  type OpenResult,
  type RecordingSummary,
  type RecordingWriter,
  StoreError,
  type WriterEvents,
} from "./store.ts";
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
const SUMMARY: RecordingSummary = {
  frames: 450,
  durationMs: 30_000,
  endedAtUnixMs: 1_790_000_030_000,
  incompleteReason: null,
};

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
    const info = await w2.finish(500, sha256(data), SUMMARY);
    assertEquals(info.sha256, toHex(sha256(data)));
    assertEquals(info.summary, SUMMARY);
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
    const short = await assertRejects(() => w.finish(999, sha256(data), SUMMARY), StoreError);
    assertEquals((short as StoreError).kind, "size-mismatch");
    const bad = await assertRejects(() => w.finish(1000, new Uint8Array(32), SUMMARY), StoreError);
    assertEquals((bad as StoreError).kind, "sha-mismatch");
    const failed = await store.get(H.fileName);
    assertEquals([failed?.finished, failed?.summary], [false, null]);
    assert(failed?.failure?.includes("sha256"), "the failure is recorded");
    const info = await w.finish(1000, sha256(data), SUMMARY);
    assertEquals([info.finished, info.size, info.failure], [true, 1000, null]);
    assertEquals(info.summary, SUMMARY);
    const again = await store.openWriter(H, recorder().events);
    assertEquals(again.kind, "finished");
    assertEquals(again.info.sha256, toHex(sha256(data)));
    assertEquals(again.info.summary, SUMMARY);
    const reloaded = await FsRecordingStore.open(dir, { clock });
    assertEquals((await reloaded.get(H.fileName))?.finished, true);
    assertEquals((await reloaded.get(H.fileName))?.summary, SUMMARY);
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

Deno.test("fs store: the Finish summary is kept across a reopen, unknown and incomplete alike", async () => {
  await withStore(async (dir, clock) => {
    const store = await FsRecordingStore.open(dir, { clock });
    const summaries: Record<string, RecordingSummary> = {
      "complete.mp4": SUMMARY,
      "unknown.mp4": { frames: 0, durationMs: 0, endedAtUnixMs: 0, incompleteReason: null },
      "cut.mp4": { ...SUMMARY, frames: 7, incompleteReason: "agent stopped" },
    };
    for (const [fileName, summary] of Object.entries(summaries)) {
      const w = writerOf(await store.openWriter({ ...H, fileName }, recorder().events));
      const data = patternBytes(100);
      await w.write(0, data);
      assertEquals((await w.finish(100, sha256(data), summary)).summary, summary);
    }
    await store.close();
    const reopened = await FsRecordingStore.open(dir, { clock });
    const listed = Object.fromEntries((await reopened.list()).map((i) => [i.fileName, i.summary]));
    assertEquals(listed, summaries);
    const state = JSON.parse(await Deno.readTextFile(join(dir, "state", "cut.mp4.json")));
    assertEquals(state.summary, summaries["cut.mp4"], "the summary is in the state file");
    await reopened.close();
  });
});

Deno.test("fs store: an unstorable summary changes nothing; old state files load without one", async () => {
  await withStore(async (dir, clock) => {
    const store = await FsRecordingStore.open(dir, { clock });
    const w = writerOf(await store.openWriter(H, recorder().events));
    const data = patternBytes(10);
    await w.write(0, data);
    for (const bad of [{ frames: -1 }, { durationMs: 1.5 }, { incompleteReason: "" }]) {
      await assertRejects(() => w.finish(10, sha256(data), { ...SUMMARY, ...bad }), RangeError);
    }
    assertEquals((await store.get(H.fileName))?.finished, false);
    await w.release();
    await store.close();
    // A state file from before summaries were kept: no `summary` key at all.
    const statePath = join(dir, "state", `${H.fileName}.json`);
    const { summary: _, ...old } = JSON.parse(await Deno.readTextFile(statePath));
    await Deno.writeTextFile(statePath, JSON.stringify(old));
    const reopened = await FsRecordingStore.open(dir, {
      clock,
      onLoadProblem: (name, e) => {
        throw new Error(`${name} did not load: ${e}`);
      },
    });
    const info = await reopened.get(H.fileName);
    assertEquals([info?.committed, info?.summary], [10, null]);
    const again = writerOf(await reopened.openWriter(H, recorder().events));
    assertEquals((await again.finish(10, sha256(data), SUMMARY)).summary, SUMMARY);
    await reopened.close();
  });
});
