import path from "node:path";
import { assertEquals, assertMatch, assertStringIncludes } from "../testing/assert.ts";
import { fakeFiles } from "./fake_doctor.ts";
import { denoDoctorFiles, spoolFindings } from "./spool_checks.ts";
import type { DirEntryInfo } from "./spool_checks.ts";

const MIB = 1024 * 1024;
const SPOOL = "/var/spool/ah";
const UPLOAD = path.join(SPOOL, "upload");

const dir = (name: string): DirEntryInfo => ({ name, isDirectory: true, isFile: false, size: 0 });
const file = (name: string, size = 10): DirEntryInfo => ({
  name,
  isDirectory: false,
  isFile: true,
  size,
});

/** Two pending files: one sealed with 30 MiB, one still open with 10 MiB. */
function tree() {
  return {
    [UPLOAD]: [dir("rec-a"), dir("rec-b"), file("names.log", 999)],
    [path.join(UPLOAD, "rec-a")]: [
      file("meta.json"),
      file("index.jsonl"),
      file("data-000000000000000", 20 * MIB),
      file("data-000000020971520", 10 * MIB),
      file("sealed.json"),
    ],
    [path.join(UPLOAD, "rec-b")]: [file("meta.json"), file("data-000000000000000", 10 * MIB)],
  };
}

Deno.test("spool: nothing pending when the upload directory does not exist yet", async () => {
  const f = await spoolFindings(fakeFiles({}), SPOOL, 64 * MIB);
  assertEquals(f.map((x) => x.verdict), ["OK"]);
  assertEquals(f[0]!.detail, "nothing waits for upload; limit 64.0 MiB (spool.maxBytes)");
});

Deno.test("spool: counts pending files and their data bytes against spool.maxBytes", async () => {
  const f = await spoolFindings(fakeFiles(tree()), SPOOL, 100 * MIB);
  assertEquals(f.map((x) => x.verdict), ["OK"]);
  assertMatch(
    f[0]!.detail,
    /^2 file\(s\) wait for upload \(1 not finished: .*\): 40\.0 MiB of 100\.0 MiB \(40 % of spool\.maxBytes\)$/,
  );
});

Deno.test("spool: above 80 % is WARN, full is FAIL, each with the fix", async () => {
  const warn = await spoolFindings(fakeFiles(tree()), SPOOL, 48 * MIB);
  assertEquals(warn[0]!.verdict, "WARN");
  assertStringIncludes(warn[0]!.detail, "(83 % of spool.maxBytes)");
  assertStringIncludes(warn[0]!.fix ?? "", "spool.maxBytes");
  const full = await spoolFindings(fakeFiles(tree()), SPOOL, 40 * MIB);
  assertEquals(full[0]!.verdict, "FAIL");
  assertStringIncludes(full[0]!.detail, "full, capture stops");
  assertEquals((await spoolFindings(fakeFiles(tree()), SPOOL, 50 * MIB))[0]!.verdict, "OK");
});

Deno.test("spool: an unreadable directory is WARN; an entry removed meanwhile is skipped", async () => {
  const denied = await spoolFindings(
    fakeFiles({ [UPLOAD]: new Deno.errors.PermissionDenied("Permission denied (os error 13)") }),
    SPOOL,
    64 * MIB,
  );
  assertEquals(denied[0]!.verdict, "WARN");
  assertStringIncludes(denied[0]!.detail, `cannot read ${UPLOAD}: Permission denied`);
  const gone = await spoolFindings(fakeFiles({ [UPLOAD]: [dir("rec-x")] }), SPOOL, 64 * MIB);
  assertStringIncludes(gone[0]!.detail, "nothing waits for upload");
});

Deno.test("spool (real files): sizes what is there and changes nothing", async () => {
  const root = await Deno.makeTempDir({ prefix: "ah-doctor-spool-" });
  try {
    const entry = path.join(root, "upload", "rec-1");
    await Deno.mkdir(entry, { recursive: true });
    await Deno.writeTextFile(path.join(entry, "meta.json"), "{}");
    await Deno.writeFile(path.join(entry, "data-000000000000000"), new Uint8Array(3 * MIB));
    const before = await snapshot(root);
    const f = await spoolFindings(denoDoctorFiles, root, 16 * MIB);
    assertEquals(f[0]!.verdict, "OK");
    assertStringIncludes(f[0]!.detail, "1 file(s) wait for upload (1 not finished");
    assertStringIncludes(f[0]!.detail, "3.0 MiB of 16.0 MiB (18 %");
    assertEquals(await snapshot(root), before);
    assertEquals(await denoDoctorFiles.list(path.join(root, "missing")), null);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

async function snapshot(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = path.join(d, e.name);
      out.push(`${p}:${e.isFile ? (await Deno.stat(p)).size : "dir"}`);
      if (e.isDirectory) await walk(p);
    }
  };
  await walk(root);
  return out.sort();
}
