/**
 * The credential of an Upload call: gRPC metadata `authorization: Bearer <jwt>`, the token the
 * AgentServer issued to the operator, checked with the same HS256 authority. The refusal says
 * why (missing, malformed, expired, …) but never carries the token itself.
 */
import type { Metadata } from "@grpc/grpc-js";
import type { TokenAuthority } from "../agent_server/jwt.ts";

export type AuthResult =
  | { readonly ok: true; readonly userID: string }
  | { readonly ok: false; readonly reason: string };

const BEARER = /^Bearer +([A-Za-z0-9._~+/=-]+)$/i;

/** Checks the call's credential; `reason` is safe to show (it never holds the token). */
export async function authenticateCall(
  authority: TokenAuthority,
  metadata: Metadata,
): Promise<AuthResult> {
  const values = metadata.get("authorization");
  if (values.length === 0) return { ok: false, reason: "missing credential" };
  if (values.length > 1) return { ok: false, reason: "more than one credential" };
  const value = values[0];
  const match = typeof value === "string" ? BEARER.exec(value.trim()) : null;
  const token = match?.[1];
  if (token === undefined) {
    return { ok: false, reason: "malformed credential (expected: Bearer <token>)" };
  }
  const verdict = await authority.verify(token);
  if (!verdict.ok) return { ok: false, reason: `credential ${verdict.reason}` };
  return { ok: true, userID: verdict.userID };
}
