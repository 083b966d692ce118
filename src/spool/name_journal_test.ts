import { assertEquals, assertRejects } from "../testing/assert.ts";
import { openNameJournal } from "./name_journal.ts";

Deno.test("name journal: names survive a reopen; a torn last line is dropped; it stays bounded", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ah-names-" });
  const file = `${dir}/names.log`;
  try {
    const j = await openNameJournal(file);
    assertEquals(j.has("a.d0.p0.mp4"), false);
    await j.record("a.d0.p0.mp4");
    await j.record("a.d0.p0.mp4"); // once only
    await j.record("a.d1.p0.mp4");
    await assertRejects(() => j.record("x\ny"), Error, "line break");
    assertEquals(await Deno.readTextFile(file), "a.d0.p0.mp4\na.d1.p0.mp4\n");

    // A crash mid-append leaves a torn line: not a name, and rewritten away.
    await Deno.writeTextFile(file, "a.d1.p0.mp", { append: true });
    const again = await openNameJournal(file);
    assertEquals([again.has("a.d0.p0.mp4"), again.has("a.d1.p0.mp4")], [true, true]);
    assertEquals(again.has("a.d1.p0.mp"), false);
    assertEquals(await Deno.readTextFile(file), "a.d0.p0.mp4\na.d1.p0.mp4\n");

    // Past the limit the newest half is kept.
    const small = await openNameJournal(file, { maxNames: 4 });
    for (let i = 0; i < 5; i++) await small.record(`b.d0.p${i}.mp4`);
    const bounded = await openNameJournal(file, { maxNames: 4 });
    assertEquals(bounded.has("b.d0.p4.mp4"), true);
    assertEquals(bounded.has("b.d0.p3.mp4"), true);
    assertEquals(bounded.has("a.d0.p0.mp4"), false);
    assertEquals((await Deno.readTextFile(file)).split("\n").length - 1, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
