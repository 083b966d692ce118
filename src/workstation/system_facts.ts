/**
 * The real adapter behind `workstationFacts`: reads this machine's host name, OS release, user
 * and network addresses (node:os) and, on Linux, the distribution's name (/etc/os-release).
 * The environment and the OS name come in as data (SystemDeps.platform), never from
 * `Deno.env` here. Read on each call: addresses and names can change between reconnects.
 */
import os from "node:os";
import type { PlatformFacts } from "../config/paths.ts";
import {
  type FactsInput,
  type NetworkAddress,
  type WorkstationFacts,
  workstationFacts,
} from "./facts.ts";

/** `PRETTY_NAME` of an os-release file (os-release(5)); unquoted and unescaped. */
export function parseOsRelease(text: string): string | undefined {
  const m = /^PRETTY_NAME=(.*)$/m.exec(text);
  if (!m) return undefined;
  let value = (m[1] ?? "").trim();
  const quote = value[0];
  if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
    value = value.slice(1, -1);
    if (quote === '"') value = value.replace(/\\(["\\$`])/g, "$1");
  }
  return value.trim() || undefined;
}

function readOsDescription(osName: PlatformFacts["os"]): string | undefined {
  if (osName !== "linux") return undefined; // Windows product name, macOS sw_vers: issue 5
  for (const file of ["/etc/os-release", "/usr/lib/os-release"]) {
    try {
      return parseOsRelease(Deno.readTextFileSync(file));
    } catch {
      // try the next one
    }
  }
  return undefined;
}

function addresses(): NetworkAddress[] {
  let table: ReturnType<typeof os.networkInterfaces>;
  try {
    table = os.networkInterfaces();
  } catch {
    return [];
  }
  const out: NetworkAddress[] = [];
  for (const [name, list] of Object.entries(table)) {
    for (const a of list ?? []) {
      if (a.family !== "IPv4" && a.family !== "IPv6") continue;
      out.push({ interfaceName: name, address: a.address, family: a.family, internal: a.internal });
    }
  }
  return out;
}

function userName(): string | undefined {
  try {
    return os.userInfo().username;
  } catch {
    return undefined; // no passwd entry (containers); the environment may still say
  }
}

export function systemFactsInput(platform: Pick<PlatformFacts, "os" | "env">): FactsInput {
  return {
    os: platform.os,
    env: platform.env,
    hostname: os.hostname(),
    osRelease: os.release(),
    osDescription: readOsDescription(platform.os),
    userName: userName(),
    addresses: addresses(),
  };
}

/** This workstation's facts now. */
export function systemWorkstationFacts(
  platform: Pick<PlatformFacts, "os" | "env">,
): WorkstationFacts {
  return workstationFacts(systemFactsInput(platform));
}
