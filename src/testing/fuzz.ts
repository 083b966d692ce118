/**
 * Seeded random mutations of valid protocol messages, shared by the pure fuzz test
 * (src/protocol/fuzz_test.ts) and the real-socket ones (tests/fuzz_test.ts). Seeded, so a
 * failure replays.
 */
import { CATALOG } from "../protocol/catalog.ts";
import { SAMPLE_JWT } from "../protocol/samples.ts";

/** mulberry32: small, fast, and good enough to pick mutations. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function fuzzer(random: () => number): Fuzzer {
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const names = [...new Set(CATALOG.flatMap((e) => [e.name, ...e.aliases]))];

  const anyValue = (depth = 0): Json => {
    switch (int(depth > 2 ? 9 : 12)) {
      case 0:
        return null;
      case 1:
        return random() < 0.5;
      case 2:
        return pick([0, -1, 1, 2.5, 31, 64, 1e308, -0, 2 ** 53, 129]);
      case 3:
        return pick([
          "",
          " ",
          "1.0",
          "v1.0",
          "succes",
          "error",
          "5",
          "0",
          "-3",
          "abc",
          "..",
          "WARN",
        ]);
      case 4:
        return "x".repeat(pick([127, 128, 129, 300, 5000]));
      case 5:
        return SAMPLE_JWT;
      case 6:
        return pick(names);
      case 7:
        return "\u0000\ud800\u202e<script>";
      case 8:
        return int(100);
      case 9:
        return Array.from({ length: int(4) }, () => anyValue(depth + 1));
      case 10:
        return { [pick(["a", "__proto__", "constructor", "data", "result"])]: anyValue(depth + 1) };
      default:
        return { nested: anyValue(depth + 1) };
    }
  };

  /** Every place in the value where something can be changed. */
  const paths = (value: Json, here: (string | number)[] = []): (string | number)[][] => {
    const out = [here];
    if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...here, i])));
    else if (value !== null && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...here, k]));
    }
    return out;
  };

  const mutateValue = (root: Json): Json => {
    const copy = structuredClone(root);
    const path = pick(paths(copy));
    if (path.length === 0) return int(3) === 0 ? anyValue() : copy;
    const key = path[path.length - 1]!;
    let parent: Json = copy;
    for (const k of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[k]!;
    const p = parent as Record<string | number, Json>;
    switch (int(5)) {
      case 0:
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else delete p[key];
        break;
      case 1:
        p[key] = anyValue();
        break;
      case 2:
        if (!Array.isArray(parent)) p[`${String(key)}${pick(["", "_", "X"])}`] = anyValue();
        break;
      case 3: {
        // Rename a key: the misspelling a hand-written client makes.
        if (!Array.isArray(parent)) {
          const value = p[key]!;
          delete p[key];
          p[
            String(key).toLowerCase() === String(key)
              ? String(key).toUpperCase()
              : String(key).toLowerCase()
          ] = value;
        }
        break;
      }
      default:
        p[key] = pick([null, [], {}, "", 0]);
    }
    return copy;
  };

  const mutateText = (text: string): string => {
    const at = int(text.length + 1);
    switch (int(4)) {
      case 0:
        return text.slice(0, at);
      case 1:
        return text.slice(0, at) + text.slice(at + 1 + int(5));
      case 2:
        return text.slice(0, at) + pick(['"', "{", "}", "[", ",", ":", "\\", "\u0000", " "]) +
          text.slice(at);
      default:
        return text.slice(0, at) + text.slice(at, at + int(40)) + text.slice(at);
    }
  };

  return { int, pick, mutateValue, mutateText };
}

export interface Fuzzer {
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  mutateValue(root: Json): Json;
  mutateText(text: string): string;
}
