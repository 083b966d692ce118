import { FakeClock } from "../../clock/fake_clock.ts";
import { assert, assertEquals, assertRejects } from "../../testing/assert.ts";
import { CommandError, type HelperReply, PendingCommands } from "./pending.ts";

const reply = (transaction: string): HelperReply => ({
  action: "resultStopStream",
  version: "1.0",
  transaction,
  data: { result: "success" },
});

Deno.test("a command completes with the reply of its transaction, once", async () => {
  const clock = new FakeClock();
  const pending = new PendingCommands(clock);
  const tx = pending.newTransaction();
  assert(tx !== pending.newTransaction(), "fresh every time");
  const answer = pending.wait(tx, 1, "stopStream", 1000);
  assert(!pending.resolve(reply("other")));
  assert(pending.resolve(reply(tx)));
  assertEquals((await answer).transaction, tx);
  assert(!pending.resolve(reply(tx)), "a second reply completes nothing");
  assertEquals(clock.pending, 0, "its timer is cleared");
});

Deno.test("a command times out on the injected clock", async () => {
  const clock = new FakeClock();
  const pending = new PendingCommands(clock);
  const answer = pending.wait(pending.newTransaction(), 1, "stopStream", 1000);
  clock.advance(1000);
  const error = await assertRejects(() => answer, CommandError, "no reply within 1000 ms");
  assertEquals((error as CommandError).kind, "timeout");
  assertEquals(pending.size, 0);
});

Deno.test("failAll fails the commands of one connection or of all", async () => {
  const pending = new PendingCommands(new FakeClock());
  const a = pending.wait("a", 1, "x", 1000).catch((e: CommandError) => e.kind);
  const b = pending.wait("b", 2, "x", 1000).catch((e: CommandError) => e.kind);
  pending.failAll("connectionClosed", "closed", 1);
  assertEquals(await a, "connectionClosed");
  assertEquals(pending.size, 1);
  pending.failAll("stopped", "stopped");
  assertEquals(await b, "stopped");
});
