import { assertEquals, assertRejects } from "../../testing/assert.ts";
import { Waitable, WaitTimeoutError } from "./waitable.ts";

Deno.test("waitFor finds a past item or waits for the next matching one", async () => {
  const list = new Waitable<number>();
  list.push(1);
  assertEquals(await list.waitFor((n) => n === 1), 1);
  const later = list.waitFor((n) => n > 5);
  list.push(3);
  list.push(7);
  assertEquals(await later, 7);
  assertEquals(list.waiting, 0);
});

Deno.test("waitFor times out, and cancelWaits fails pending waits at once", async () => {
  const list = new Waitable<number>();
  await assertRejects(() => list.waitFor(() => true, 10, "number"), WaitTimeoutError, "number");
  const pending = list.waitFor(() => true, 10_000);
  list.cancelWaits("stopped");
  await assertRejects(() => pending, WaitTimeoutError, "stopped");
});

Deno.test("the list keeps only the most recent items; subscribers see each push", () => {
  const list = new Waitable<number>(3);
  const seen: number[] = [];
  const unsubscribe = list.subscribe((n) => seen.push(n));
  for (let i = 1; i <= 5; i++) list.push(i);
  unsubscribe();
  list.push(6);
  assertEquals(list.items, [4, 5, 6]);
  assertEquals(seen, [1, 2, 3, 4, 5]);
});
