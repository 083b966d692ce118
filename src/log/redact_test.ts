import {
  assert,
  assertEquals,
  assertNotIncludes,
  assertStringIncludes,
} from "../testing/assert.ts";
import { CANARY_JWT } from "../testing/canary.ts";
import { REDACTED, Redactor } from "./redact.ts";

Deno.test("redact: JWTs, Bearer values, URL tokens and URL passwords vanish from text", () => {
  const r = new Redactor();
  const cases = [
    `token=${CANARY_JWT}`,
    `Authorization: Bearer opaque-canary-123`,
    `wss://as.example.com/ws?access_token=opaque-canary-123&x=1`,
    `https://user:opaque-canary-123@proxy.example.com:3128/`,
    `{"JWTToken":"${CANARY_JWT}"}`,
  ];
  for (const input of cases) {
    const out = r.text(input);
    assertNotIncludes(out, "canary", `leaked: ${out}`);
    assertNotIncludes(out, CANARY_JWT);
    assertStringIncludes(out, REDACTED);
  }
  assertEquals(r.text("nothing secret here: eyJ alone"), "nothing secret here: eyJ alone");
});

Deno.test("redact: a registered secret that looks like nothing is still removed", () => {
  const r = new Redactor();
  r.addSecret("plain-opaque-secret");
  assertEquals(r.text("x plain-opaque-secret y"), `x ${REDACTED} y`);
  r.forgetSecret("plain-opaque-secret");
  assertEquals(r.text("plain-opaque-secret"), "plain-opaque-secret");
});

Deno.test("redact: secret-named keys, nested values, errors with causes, cycles", () => {
  const r = new Redactor();
  const cause = new Error(`upstream said Bearer ${CANARY_JWT}`);
  const err = new Error(`connect failed for ${CANARY_JWT}`, { cause });
  (err as unknown as Record<string, unknown>).token = "opaque";
  const cyclic: Record<string, unknown> = {
    token: "abc",
    nested: { JWTToken: "x", list: [CANARY_JWT] },
  };
  cyclic.self = cyclic;
  const out = r.value({ err, cyclic, headers: new Map([["authorization", "Basic Zm9vOmJhcg=="]]) });
  const text = JSON.stringify(
    out,
    (_k, v) => v instanceof Error ? { m: v.message, s: v.stack, c: v.cause } : v,
  );
  assertNotIncludes(text, CANARY_JWT);
  assertNotIncludes(text, "Zm9vOmJhcg");
  assertNotIncludes(text, '"abc"');
  const copy = (out as { err: Error }).err;
  assert(copy instanceof Error);
  assertEquals(copy.name, "Error");
  assertStringIncludes(copy.message, REDACTED);
  assertEquals((copy as unknown as Record<string, unknown>).token, REDACTED);
  assertEquals((out as { cyclic: { self: unknown } }).cyclic.self, "[Circular]");
});
