import { assertEquals } from "../../testing/assert.ts";
import { fileNameProblem, isValidFileName, MAX_FILE_NAME_LENGTH } from "./file_name.ts";

Deno.test("file names: the safe alphabet passes", () => {
  for (const ok of ["seg-1.d0.p0.mp4", "A_b.C-9", "x", "a".repeat(MAX_FILE_NAME_LENGTH)]) {
    assertEquals(isValidFileName(ok), true, ok);
  }
});

Deno.test("file names: separators, dots and oversize names are refused", () => {
  const bad = ["", ".", "..", "...", "a..b", "../x", "a/b", "a\\b", "a b", "é.mp4", "a\0b"];
  for (const name of bad) assertEquals(isValidFileName(name), false, JSON.stringify(name));
  assertEquals(isValidFileName("a".repeat(MAX_FILE_NAME_LENGTH + 1)), false);
  assertEquals(fileNameProblem("a/b"), "file_name may hold only A-Z a-z 0-9 . _ -");
});
