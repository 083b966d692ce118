/**
 * The reference AgentServer's token authority (the platform's "Auth" of PROTOCOL.md §1): issues
 * per-user JWTs for the helper's wss3 registration and checks them at the upgrade. HS256 with a
 * secret made at start (or passed in, so a restarted server accepts the tokens of the one before
 * it). Revocation and the "reject everything" switch exist for tests of `tokenInvalid`.
 * Nothing here puts a token into an error, a verdict or a log line.
 */
import { errors, jwtVerify, SignJWT } from "jose";
import type { Clock } from "../../clock/clock.ts";

export const TOKEN_ISSUER = "reference-agent-server";
export const TOKEN_AUDIENCE = "agent-helper";
export const DEFAULT_TOKEN_TTL_SEC = 3600;
const ALG = "HS256";

/** 32 random bytes: an HS256 secret. Pass the same one to a restarted server to keep tokens valid. */
export function generateTokenSecret(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(32));
}

export interface TokenAuthorityOptions {
  /** Lifetime of an issued token, seconds (default 3600). */
  readonly ttlSec?: number;
  /** The HS256 secret (default: a fresh random one). */
  readonly secret?: Uint8Array;
}

export type TokenRefusal =
  | "missing" // no token presented
  | "invalid" // not a JWT, bad signature, wrong issuer or audience, no subject
  | "expired"
  | "revoked"
  | "rejected"; // rejectTokens(true) is on

export type TokenVerdict =
  | { readonly ok: true; readonly userID: string; readonly jti: string; readonly expiresAt: number }
  | { readonly ok: false; readonly reason: TokenRefusal };

export interface TokenAuthority {
  /** A fresh token for `userID`: sub, aud, iss, iat, exp, jti. */
  issue(userID: string): Promise<string>;
  verify(token: string | undefined): Promise<TokenVerdict>;
  /**
   * Refuses from now on every token of `userID` (every user when absent) issued so far,
   * including tokens of an earlier server instance that shared the secret.
   */
  revoke(userID?: string): void;
  /** While on, every token is refused (`rejected`). */
  setRejectAll(on: boolean): void;
  readonly rejectingAll: boolean;
}

export function createTokenAuthority(
  deps: { readonly clock: Clock },
  options: TokenAuthorityOptions = {},
): TokenAuthority {
  const secret = options.secret ?? generateTokenSecret();
  const ttlSec = options.ttlSec ?? DEFAULT_TOKEN_TTL_SEC;
  /** jti → userID of every token this instance issued. */
  const issued = new Map<string, string>();
  const revoked = new Set<string>();
  /**
   * For tokens this instance did not issue (an earlier instance did): refused when issued at or
   * before the last revocation of their user (or of everyone). Milliseconds.
   */
  const revokedBefore = new Map<string, number>();
  let revokedAllBefore = -Infinity;
  let rejectAll = false;

  const isRevoked = (userID: string, jti: string, issuedAtSec: number): boolean => {
    if (revoked.has(jti)) return true;
    if (issued.has(jti)) return false;
    const before = Math.max(revokedAllBefore, revokedBefore.get(userID) ?? -Infinity);
    return issuedAtSec * 1000 <= before;
  };

  return {
    async issue(userID) {
      if (userID === "") throw new Error("issueToken: userID must not be empty");
      const jti = crypto.randomUUID();
      const iat = Math.floor(deps.clock.now() / 1000);
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: ALG, typ: "JWT" })
        .setSubject(userID)
        .setAudience(TOKEN_AUDIENCE)
        .setIssuer(TOKEN_ISSUER)
        .setIssuedAt(iat)
        .setExpirationTime(iat + ttlSec)
        .setJti(jti)
        .sign(secret);
      issued.set(jti, userID);
      return token;
    },
    async verify(token) {
      if (token === undefined || token === "") return { ok: false, reason: "missing" };
      if (rejectAll) return { ok: false, reason: "rejected" };
      try {
        const { payload } = await jwtVerify(token, secret, {
          algorithms: [ALG],
          issuer: TOKEN_ISSUER,
          audience: TOKEN_AUDIENCE,
          requiredClaims: ["sub", "exp", "iat", "jti"],
          currentDate: new Date(deps.clock.now()),
        });
        const { sub, jti, exp, iat } = payload;
        if (
          typeof sub !== "string" || sub === "" || typeof jti !== "string" ||
          typeof exp !== "number" || typeof iat !== "number"
        ) {
          return { ok: false, reason: "invalid" };
        }
        if (isRevoked(sub, jti, iat)) return { ok: false, reason: "revoked" };
        return { ok: true, userID: sub, jti, expiresAt: exp * 1000 };
      } catch (e) {
        return { ok: false, reason: e instanceof errors.JWTExpired ? "expired" : "invalid" };
      }
    },
    revoke(userID) {
      const now = deps.clock.now();
      for (const [jti, owner] of issued) {
        if (userID === undefined || owner === userID) revoked.add(jti);
      }
      if (userID === undefined) revokedAllBefore = now;
      else revokedBefore.set(userID, now);
    },
    setRejectAll(on) {
      rejectAll = on;
    },
    get rejectingAll() {
      return rejectAll;
    },
  };
}
