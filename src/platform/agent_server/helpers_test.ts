import { FakeClock } from "../../clock/fake_clock.ts";
import { assertEquals } from "../../testing/assert.ts";
import { HelperRegistry } from "./helpers.ts";
import { maskRecord, maskTokens } from "./message_log.ts";
import { CANARY_JWT } from "../../testing/canary.ts";

Deno.test("state changes only on a change; connections and info are counted", () => {
  const clock = new FakeClock(1000);
  const helpers = new HelperRegistry(clock);
  helpers.connected("op-1");
  clock.advance(10);
  helpers.connected("op-1"); // a replacement
  helpers.setInfo("op-1", { computerName: "WS" });
  helpers.setInfo("nobody", { computerName: "X" });
  helpers.disconnected("op-1", "connectionLost");
  helpers.disconnected("op-1", "closedByClient"); // already inactive: no change
  assertEquals(helpers.changes.items.map((c) => [c.seq, c.at, c.state, c.resultDesc]), [
    [1, 1000, "active", undefined],
    [2, 1010, "inactive", "connectionLost"],
  ]);
  assertEquals(helpers.view("op-1"), {
    userID: "op-1",
    state: "inactive",
    resultDesc: "connectionLost",
    info: { computerName: "WS" },
    connectedAt: 1010,
    disconnectedAt: 1010,
    connections: 2,
    infoCount: 1,
  });
  assertEquals(helpers.view("nobody"), undefined);
  helpers.connected("op-1");
  assertEquals(helpers.view("op-1")?.resultDesc, undefined);
});

Deno.test("maskTokens hides JWT-shaped text in records", () => {
  assertEquals(maskTokens(`{"JWTToken":"${CANARY_JWT}"}`), '{"JWTToken":"[REDACTED]"}');
  const record = maskRecord({
    seq: 1,
    at: 0,
    channel: "platform",
    direction: "out",
    userID: "u",
    connectionId: 1,
    raw: CANARY_JWT,
    message: { action: "a", data: { JWTToken: CANARY_JWT } },
  });
  assertEquals(record.raw, "[REDACTED]");
  assertEquals(record.message?.data, { JWTToken: "[REDACTED]" });
});
