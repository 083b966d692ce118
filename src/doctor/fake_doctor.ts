/**
 * Fakes for the doctor's tests: a `SystemDeps` whose commands answer from a script, a
 * `ServerProbe` answering by host and mode, sized listings from a map, a display lister.
 */
import type { SystemDeps } from "../app/system.ts";
import { FakeClock } from "../clock/fake_clock.ts";
import type { OsName } from "../config/paths.ts";
import type { CommandResult, CommandRunner } from "../process/runner.ts";
import type { Monitor } from "../workstation/displays.ts";
import type { MakeDisplayLister } from "./display_checks.ts";
import type { DirEntryInfo, DoctorFiles } from "./spool_checks.ts";
import type { HandshakeRequest, HandshakeResult, ServerProbe } from "./tls_probe.ts";

/** A reply to a command: a result, or an error to throw. */
export type ScriptedReply = Partial<CommandResult> | Error;

/** Answers by the whole command line ("ffmpeg -hide_banner -version"), else by a matcher. */
export class ScriptedRunner implements CommandRunner {
  readonly calls: string[] = [];
  constructor(
    readonly replies: Record<string, ScriptedReply> = {},
    readonly fallback: (line: string) => ScriptedReply = () => ({ code: 0 }),
  ) {}

  run(command: string, args: readonly string[]): Promise<CommandResult> {
    const line = [command, ...args].join(" ");
    this.calls.push(line);
    const reply = this.replies[line] ?? this.fallback(line);
    if (reply instanceof Error) return Promise.reject(reply);
    return Promise.resolve({ code: 0, stdout: "", stderr: "", ...reply });
  }
}

export const FFMPEG = "/opt/ffmpeg";

/** What a real ffmpeg prints for -version, -devices, -filters and -encoders, shortened. */
export function ffmpegReplies(
  encoders: readonly string[] = ["libx264"],
  devices: readonly string[] = ["x11grab", "lavfi"],
): Record<string, ScriptedReply> {
  const listing = (names: readonly string[], flags: string) =>
    names.map((n) => ` ${flags} ${n}  description`).join("\n");
  return {
    [`${FFMPEG} -hide_banner -version`]: { stdout: "ffmpeg version 7.1-test Copyright\n" },
    [`${FFMPEG} -hide_banner -devices`]: { stdout: listing(devices, "D ") },
    [`${FFMPEG} -hide_banner -filters`]: { stdout: "" },
    [`${FFMPEG} -hide_banner -encoders`]: { stdout: listing(encoders, "V.....") },
  };
}

export interface FakeSystemOptions {
  readonly os?: OsName;
  readonly env?: Record<string, string>;
  readonly files?: Record<string, string>;
  readonly runner?: CommandRunner;
  readonly now?: number;
  /** Paths whose reading throws. */
  readonly unreadable?: readonly string[];
}

export function fakeSystem(o: FakeSystemOptions = {}): SystemDeps & { clock: FakeClock } {
  const unused = <T>(what: string): T =>
    new Proxy({}, {
      get: () => {
        throw new Error(`the doctor does not use ${what}`);
      },
    }) as T;
  return {
    clock: new FakeClock(o.now ?? Date.UTC(2026, 5, 1)),
    files: unused("files"),
    runner: o.runner ?? new ScriptedRunner(),
    spawner: unused("spawner"),
    platform: { os: o.os ?? "linux", env: o.env ?? {}, homeDir: "/home/op" },
    cwd: "/work",
    execPath: "/opt/ah/agent-helper",
    projectRoot: null,
    pid: 4242,
    runtime: { deno: "2.0.0", arch: "x86_64" },
    memoryRss: () => 0,
    random: () => 0.5,
    isFile: (p) => o.files?.[p] !== undefined,
    readTextFile: (p) => {
      if (o.unreadable?.includes(p)) {
        throw new Deno.errors.PermissionDenied(`Permission denied (os error 13): ${p}`);
      }
      return o.files?.[p];
    },
    ensureWritableDir: () => null,
    portFree: () => true,
    httpGet: () => Promise.resolve(null),
    makeTempDir: () => "/tmp/x",
    removeDir: () => {},
    writeStdout: () => {},
    writeStderr: () => {},
  };
}

/** Answers by "host:port" and by mode ("verify" or "peek"); unknown targets are refused. */
export class FakeProbe implements ServerProbe {
  readonly requests: HandshakeRequest[] = [];
  constructor(
    readonly replies: Record<string, HandshakeResult | Promise<HandshakeResult> | Error> = {},
  ) {}

  handshake(request: HandshakeRequest): Promise<HandshakeResult> {
    this.requests.push(request);
    const key = `${request.host}:${request.port}`;
    const reply = this.replies[`${key} ${request.verify ? "verify" : "peek"}`] ??
      this.replies[key];
    if (reply instanceof Error) return Promise.reject(reply);
    return Promise.resolve(
      reply ?? { ok: false, code: "ECONNREFUSED", message: `connect ECONNREFUSED ${key}` },
    );
  }
}

/** A tree of directories: path → entries; a missing path lists as null, an Error throws. */
export function fakeFiles(tree: Record<string, DirEntryInfo[] | Error>): DoctorFiles {
  return {
    list: (dir) => {
      const v = tree[dir];
      if (v instanceof Error) return Promise.reject(v);
      return Promise.resolve(v ?? null);
    },
  };
}

export function monitor(index: number, width: number, height: number, x = 0): Monitor {
  return {
    index,
    name: `M${index}`,
    primary: index === 0,
    x,
    y: 0,
    width,
    height,
    scale: 1,
    capture: { kind: "x11", display: ":0.0" },
  };
}

/** A lister that returns `monitors` (or throws), recording the options it was made with. */
export function fakeLister(
  monitors: readonly Monitor[] | Error,
  seen: unknown[] = [],
): MakeDisplayLister {
  return (options) => {
    seen.push(options);
    return {
      list: () =>
        monitors instanceof Error ? Promise.reject(monitors) : Promise.resolve([...monitors]),
    };
  };
}
