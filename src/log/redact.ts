/**
 * Keeps tokens out of every log record and every error text. Two nets: patterns that catch a
 * JWT, a Bearer header or a token in a URL wherever it appears, and exact secrets registered at
 * run time (the token a web page hands over), in case one does not look like a JWT.
 */
export const REDACTED = "[REDACTED]";

const PATTERNS: readonly [RegExp, string][] = [
  // A JWT (header.payload.signature, base64url; the header always starts with {" → eyJ).
  [/eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g, REDACTED],
  [/\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/=-]+/gi, `$1$2${REDACTED}`],
  [/([?&#](?:access_token|token|jwt|jwttoken|auth|password|key)=)[^&#\s"']+/gi, `$1${REDACTED}`],
  // user:password@ in a URL.
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)[^@\s/]+@/gi, `$1${REDACTED}@`],
];

/** Keys whose values are secrets whatever they look like. */
const SECRET_KEY =
  /^(jwt|jwt_?token|token|access_?token|refresh_?token|id_?token|authorization|password|passwd|secret|api_?key|credentials?|cookie)$/i;

const MIN_SECRET_LENGTH = 6;
const MAX_DEPTH = 8;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export class Redactor {
  readonly #secrets = new Set<string>();

  /** Registers a secret to blank out wherever it appears verbatim. */
  addSecret(secret: string | undefined): void {
    if (secret && secret.length >= MIN_SECRET_LENGTH) this.#secrets.add(secret);
  }

  forgetSecret(secret: string): void {
    this.#secrets.delete(secret);
  }

  text(input: string): string {
    let out = input;
    for (const secret of this.#secrets) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    return out;
  }

  /** A deep copy of `value` with every string redacted and every secret-named key blanked. */
  value(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
    if (typeof value === "string") return this.text(value);
    if (typeof value !== "object" || value === null) return value;
    if (seen.has(value)) return "[Circular]";
    if (depth >= MAX_DEPTH) return "[Too deep]";
    seen.add(value);
    if (value instanceof Error) return this.error(value, depth, seen);
    if (value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
    if (value instanceof Date) return value;
    if (Array.isArray(value)) return value.map((v) => this.value(v, depth + 1, seen));
    if (value instanceof Map) {
      return Object.fromEntries(
        [...value].map(([k, v]) => [String(k), this.#entry(String(k), v, depth, seen)]),
      );
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = this.#entry(k, v, depth, seen);
    return out;
  }

  /** An Error of the same name whose message, stack, cause and own fields are redacted. */
  error(error: Error, depth = 0, seen: WeakSet<object> = new WeakSet()): Error {
    const copy = new Error(this.text(error.message));
    copy.name = error.name;
    if (error.stack === undefined) delete copy.stack;
    else copy.stack = this.text(error.stack);
    if (error.cause !== undefined) copy.cause = this.value(error.cause, depth + 1, seen);
    for (const [k, v] of Object.entries(error)) {
      if (k !== "message" && k !== "stack" && k !== "cause") {
        (copy as unknown as Record<string, unknown>)[k] = this.#entry(k, v, depth, seen);
      }
    }
    return copy;
  }

  #entry(key: string, v: unknown, depth: number, seen: WeakSet<object>): unknown {
    if (isSecretKey(key) && v !== undefined && v !== null && v !== "") return REDACTED;
    return this.value(v, depth + 1, seen);
  }
}
