/**
 * The HTTP Range header (RFC 9110 §14) for one resource of a known size. Only single byte
 * ranges are served as 206; a header that cannot be parsed, or asks for several ranges, is
 * ignored (the whole body is sent with 200, which the RFC allows).
 */

export type RangeDecision =
  | { readonly kind: "full" }
  /** Bytes [start, end] inclusive. */
  | { readonly kind: "partial"; readonly start: number; readonly end: number }
  | { readonly kind: "unsatisfiable" };

const SINGLE = /^bytes=(\d*)-(\d*)$/;

export function decideRange(header: string | null | undefined, size: number): RangeDecision {
  if (header === null || header === undefined) return { kind: "full" };
  const m = SINGLE.exec(header.trim());
  if (m === null) return { kind: "full" };
  const [, first = "", last = ""] = m;
  if (first === "" && last === "") return { kind: "full" };
  if (first === "") {
    // Suffix range: the last N bytes.
    const n = Number(last);
    if (n === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "partial", start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return { kind: "unsatisfiable" };
  if (last === "") return { kind: "partial", start, end: size - 1 };
  const end = Number(last);
  if (end < start) return { kind: "full" };
  return { kind: "partial", start, end: Math.min(end, size - 1) };
}
