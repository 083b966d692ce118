import { assertEquals } from "../testing/assert.ts";
import { DEMO_DEFAULTS, parseDemoOptions } from "./demo_options.ts";

Deno.test("demo options: defaults, values in range, and clear refusals", () => {
  assertEquals(parseDemoOptions({}), { ok: true, options: DEMO_DEFAULTS });
  assertEquals(parseDemoOptions({ seconds: "60", monitors: "1", fps: "10", keep: true }), {
    ok: true,
    options: { seconds: 60, monitors: 1, fps: 10, keep: true },
  });
  for (
    const [raw, error] of [
      [{ seconds: "5" }, "--seconds must be a whole number from 8 to 3600"],
      [{ monitors: "0" }, "--monitors must be a whole number from 1 to 4"],
      [{ fps: "2.5" }, "--fps must be a whole number from 1 to 30"],
      [{ fps: "" }, "--fps must be a whole number from 1 to 30"],
    ] as const
  ) assertEquals(parseDemoOptions(raw), { ok: false, error });
});
