/**
 * The real outside world, gathered in one place for the composition root: the only module
 * that reads `Deno.env`, `Deno.build`, `Deno.version` and the process's paths. Everything below gets these as
 * dependencies.
 */
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Clock, systemClock } from "../clock/clock.ts";
import type { OsName, PlatformFacts } from "../config/paths.ts";
import type { LocateFfmpegDeps } from "../ffmpeg/locate.ts";
import { denoLogFiles, type LogFiles } from "../log/log_files.ts";
import { type CommandRunner, denoCommandRunner } from "../process/runner.ts";
import { denoProcessSpawner, type ProcessSpawner } from "../encoder/process.ts";

export interface SystemDeps {
  readonly clock: Clock;
  readonly files: LogFiles;
  readonly runner: CommandRunner;
  /** Long-lived children: the encoders. */
  readonly spawner: ProcessSpawner;
  readonly platform: PlatformFacts;
  readonly cwd: string;
  readonly execPath: string;
  readonly projectRoot: string | null;
  readonly pid: number;
  /** The Deno runtime's version and the CPU architecture, for `version`. */
  readonly runtime: { readonly deno: string; readonly arch: string };
  /** Resident set size of this process, bytes. */
  memoryRss(): number;
  /** [0, 1): retry jitter. */
  random(): number;
  isFile(path: string): boolean;
  readTextFile(path: string): string | undefined;
  /** Creates `dir` if needed and proves it writable; the problem in words, or null. */
  ensureWritableDir(dir: string): string | null;
  /** Whether a TCP port on 127.0.0.1 can be bound now. */
  portFree(port: number): boolean;
  /** A GET on loopback with a short timeout; null when nothing answered. */
  httpGet(url: string): Promise<{ status: number; body: string } | null>;
  /** A fresh private temporary directory. */
  makeTempDir(prefix: string): string;
  removeDir(path: string): void;
  writeStdout(text: string): void;
  writeStderr(text: string): void;
}

function osName(): OsName {
  const o = Deno.build.os;
  return o === "windows" || o === "darwin" ? o : "linux";
}

function statKind(p: string): "file" | "dir" | null {
  try {
    const s = Deno.statSync(p);
    return s.isFile ? "file" : s.isDirectory ? "dir" : null;
  } catch {
    return null;
  }
}

function writeAll(fd: { writeSync(b: Uint8Array): number }, text: string): void {
  const bytes = new TextEncoder().encode(text);
  let off = 0;
  while (off < bytes.length) off += fd.writeSync(bytes.subarray(off));
}

/** `mainUrl` is main.ts's `import.meta.url`; node_modules beside it marks a development tree. */
export function realSystem(mainUrl: string): SystemDeps {
  const root = mainUrl.startsWith("file:") ? path.dirname(fileURLToPath(mainUrl)) : null;
  return {
    clock: systemClock,
    files: denoLogFiles,
    runner: denoCommandRunner,
    spawner: denoProcessSpawner,
    platform: Object.freeze({
      os: osName(),
      env: Object.freeze(Deno.env.toObject()),
      homeDir: os.homedir(),
    }),
    cwd: Deno.cwd(),
    execPath: Deno.execPath(),
    projectRoot: root && statKind(path.join(root, "node_modules")) === "dir" ? root : null,
    pid: Deno.pid,
    runtime: { deno: Deno.version.deno, arch: Deno.build.arch },
    memoryRss: () => Deno.memoryUsage().rss,
    random: Math.random,
    isFile: (p) => statKind(p) === "file",
    readTextFile: (p) => {
      try {
        return Deno.readTextFileSync(p);
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return undefined;
        throw e;
      }
    },
    ensureWritableDir: (dir) => {
      try {
        Deno.mkdirSync(dir, { recursive: true });
        const probe = path.join(dir, `.write-test-${Deno.pid}`);
        Deno.writeFileSync(probe, new Uint8Array(1));
        Deno.removeSync(probe);
        return null;
      } catch (e) {
        return `${dir} is not writable: ${(e as Error).message}`;
      }
    },
    portFree: (port) => {
      try {
        Deno.listen({ hostname: "127.0.0.1", port }).close();
        return true;
      } catch {
        return false;
      }
    },
    httpGet: async (url) => {
      try {
        const r = await fetch(url, { signal: AbortSignal.timeout(3000) });
        return { status: r.status, body: await r.text() };
      } catch {
        return null;
      }
    },
    makeTempDir: (prefix) => Deno.makeTempDirSync({ prefix }),
    removeDir: (p) => Deno.removeSync(p, { recursive: true }),
    writeStdout: (t) => writeAll(Deno.stdout, t),
    writeStderr: (t) => writeAll(Deno.stderr, t),
  };
}

/** What ffmpeg discovery needs of the system. */
export function ffmpegLocateDeps(sys: SystemDeps): LocateFfmpegDeps {
  const { platform, execPath, projectRoot, isFile } = sys;
  return { os: platform.os, env: platform.env, execPath, projectRoot, isFile };
}
