import { decodeJwt } from "jose";
import { FakeClock } from "../../clock/fake_clock.ts";
import { assert, assertEquals, assertRejects } from "../../testing/assert.ts";
import { createTokenAuthority, generateTokenSecret, TOKEN_AUDIENCE, TOKEN_ISSUER } from "./jwt.ts";

Deno.test("an issued token carries the claims and verifies", async () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 12));
  const tokens = createTokenAuthority({ clock }, { ttlSec: 60 });
  const token = await tokens.issue("op-1");
  const claims = decodeJwt(token);
  assertEquals(claims.sub, "op-1");
  assertEquals(claims.aud, TOKEN_AUDIENCE);
  assertEquals(claims.iss, TOKEN_ISSUER);
  assertEquals(claims.iat, Date.UTC(2026, 0, 1, 12) / 1000);
  assertEquals(claims.exp, Date.UTC(2026, 0, 1, 12) / 1000 + 60);
  assert(typeof claims.jti === "string" && claims.jti.length > 0);
  const verdict = await tokens.verify(token);
  assert(verdict.ok);
  assertEquals(verdict.userID, "op-1");
  assertEquals(verdict.expiresAt, Date.UTC(2026, 0, 1, 12) + 60_000);
  assert(claims.jti !== decodeJwt(await tokens.issue("op-1")).jti, "jti is fresh per token");
});

Deno.test("expiry follows the injected clock", async () => {
  const clock = new FakeClock();
  const tokens = createTokenAuthority({ clock }, { ttlSec: 60 });
  const token = await tokens.issue("op-1");
  clock.advance(59_000);
  assert((await tokens.verify(token)).ok);
  clock.advance(2_000);
  assertEquals(await tokens.verify(token), { ok: false, reason: "expired" });
});

Deno.test("missing, malformed and foreign tokens are refused", async () => {
  const clock = new FakeClock();
  const tokens = createTokenAuthority({ clock });
  const foreign = createTokenAuthority({ clock });
  assertEquals(await tokens.verify(undefined), { ok: false, reason: "missing" });
  assertEquals(await tokens.verify(""), { ok: false, reason: "missing" });
  assertEquals(await tokens.verify("not-a-jwt"), { ok: false, reason: "invalid" });
  assertEquals(await tokens.verify(await foreign.issue("op-1")), { ok: false, reason: "invalid" });
  await assertRejects(() => tokens.issue(""), Error, "must not be empty");
});

Deno.test("revocation is per user and covers only tokens issued before it", async () => {
  const clock = new FakeClock();
  const tokens = createTokenAuthority({ clock });
  const a1 = await tokens.issue("a");
  const b1 = await tokens.issue("b");
  tokens.revoke("a");
  assertEquals(await tokens.verify(a1), { ok: false, reason: "revoked" });
  assert((await tokens.verify(b1)).ok);
  const a2 = await tokens.issue("a");
  assert((await tokens.verify(a2)).ok, "a token issued after the revocation works");
  tokens.revoke();
  assertEquals(await tokens.verify(a2), { ok: false, reason: "revoked" });
  assertEquals(await tokens.verify(b1), { ok: false, reason: "revoked" });
});

Deno.test("a shared secret keeps tokens valid across instances; revocation reaches them", async () => {
  const clock = new FakeClock();
  const secret = generateTokenSecret();
  const before = createTokenAuthority({ clock }, { secret });
  const token = await before.issue("op-1");
  clock.advance(1_000);
  const after = createTokenAuthority({ clock }, { secret });
  assert((await after.verify(token)).ok);
  after.revoke("op-1");
  assertEquals(await after.verify(token), { ok: false, reason: "revoked" });
});

Deno.test("rejectAll refuses every token while on", async () => {
  const clock = new FakeClock();
  const tokens = createTokenAuthority({ clock });
  const token = await tokens.issue("op-1");
  tokens.setRejectAll(true);
  assert(tokens.rejectingAll);
  assertEquals(await tokens.verify(token), { ok: false, reason: "rejected" });
  tokens.setRejectAll(false);
  assert((await tokens.verify(token)).ok);
});
