import { FakeClock } from "../clock/fake_clock.ts";
import { assert, assertEquals } from "../testing/assert.ts";
import type { LogFiles } from "./log_files.ts";
import { denoLogFiles } from "./log_files.ts";
import { expiredLogFiles, RotatingLogFile } from "./rotating_file.ts";

/** An in-memory directory: enough to test rotation rules without a disk. */
function memoryFiles(initial: Record<string, string> = {}) {
  const data = new Map<string, Uint8Array>(
    Object.entries(initial).map(([k, v]) => [k, new TextEncoder().encode(v)]),
  );
  const files: LogFiles = {
    ensureDir: () => {},
    list: (dir) =>
      [...data.keys()].filter((p) => p.startsWith(dir + "/")).map((p) => p.slice(dir.length + 1)),
    size: (p) => data.get(p)?.length ?? 0,
    openAppend: (p) => {
      if (!data.has(p)) data.set(p, new Uint8Array());
      return {
        write: (b) => data.set(p, new Uint8Array([...data.get(p)!, ...b])),
        close: () => {},
      };
    },
    remove: (p) => void data.delete(p),
  };
  return { files, names: () => [...data.keys()].map((p) => p.split("/").pop()).sort(), data };
}

const bytes = (n: number) => new Uint8Array(n).fill(65);

Deno.test("log files: rotate by size within a day, then by day", () => {
  const clock = new FakeClock(Date.UTC(2026, 10, 26, 23, 0));
  const mem = memoryFiles();
  const log = new RotatingLogFile({ files: mem.files, clock }, {
    directory: "/l",
    maxFileBytes: 100,
    retentionDays: 3,
  });
  log.write(bytes(60));
  log.write(bytes(30));
  log.write(bytes(30)); // 120 > 100: next file
  log.write(bytes(200)); // an oversize record still lands whole in a fresh file
  assertEquals(mem.names(), [
    "agent-helper-2026-11-26.1.log",
    "agent-helper-2026-11-26.2.log",
    "agent-helper-2026-11-26.log",
  ]);
  assertEquals(mem.data.get("/l/agent-helper-2026-11-26.log")!.length, 90);
  clock.advance(60 * 60 * 1000);
  log.write(bytes(1));
  assertEquals(log.currentPath, "/l/agent-helper-2026-11-27.log");
  log.close();
});

Deno.test("log files: continue today's newest file after a restart", () => {
  const clock = new FakeClock(Date.UTC(2026, 10, 26, 12));
  const mem = memoryFiles({
    "/l/agent-helper-2026-11-26.log": "x".repeat(100),
    "/l/agent-helper-2026-11-26.1.log": "abc",
  });
  const log = new RotatingLogFile({ files: mem.files, clock }, {
    directory: "/l",
    maxFileBytes: 100,
    retentionDays: 3,
  });
  assertEquals(log.currentPath, "/l/agent-helper-2026-11-26.1.log");
  log.close();
});

Deno.test("log files: retention deletes old days at start and at midnight, with no logging", () => {
  const clock = new FakeClock(Date.UTC(2026, 10, 26, 12));
  const mem = memoryFiles({
    "/l/agent-helper-2026-11-22.log": "old",
    "/l/agent-helper-2026-11-23.log": "kept",
    "/l/agent-helper-2026-11-23.4.log": "kept",
    "/l/unrelated.txt": "not ours",
  });
  const log = new RotatingLogFile({ files: mem.files, clock }, {
    directory: "/l",
    maxFileBytes: 100,
    retentionDays: 3,
  });
  assertEquals(mem.names(), [
    "agent-helper-2026-11-23.4.log",
    "agent-helper-2026-11-23.log",
    "agent-helper-2026-11-26.log",
    "unrelated.txt",
  ]);
  clock.advance(12 * 60 * 60 * 1000); // midnight: 11-23 is now older than 3 days
  assertEquals(mem.names(), [
    "agent-helper-2026-11-26.log",
    "agent-helper-2026-11-27.log",
    "unrelated.txt",
  ]);
  log.close();
  assertEquals(clock.pending, 0);
});

Deno.test("log files: expiredLogFiles keeps exactly retentionDays before today", () => {
  const names = [
    "agent-helper-2026-11-12.log",
    "agent-helper-2026-11-11.9.log",
    "agent-helper-2026-11-26.log",
  ];
  assertEquals(expiredLogFiles(names, "2026-11-26", 14), ["agent-helper-2026-11-11.9.log"]);
});

Deno.test("log files: the real adapter appends and lists in a temporary directory", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const clock = new FakeClock(Date.UTC(2026, 10, 26));
    const log = new RotatingLogFile({ files: denoLogFiles, clock }, {
      directory: dir,
      maxFileBytes: 1024,
      retentionDays: 1,
    });
    log.write(new TextEncoder().encode("hello\n"));
    log.close();
    assertEquals(Deno.readTextFileSync(`${dir}/agent-helper-2026-11-26.log`), "hello\n");
    assert(denoLogFiles.list(dir + "/missing").length === 0);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
