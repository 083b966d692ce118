/**
 * Where ffmpeg comes from, in order: the config's `ffmpeg.path`, the `FFMPEG_PATH` environment
 * variable, beside the agent's executable (how release archives ship it), the `ffmpeg-static`
 * npm package's binary when it was downloaded, then `PATH`. An explicit setting (config or env)
 * that points nowhere is an error, not a reason to pick another ffmpeg silently.
 */
import path from "node:path";
import type { OsName } from "../config/paths.ts";

export type FfmpegSource = "config" | "env" | "beside-executable" | "ffmpeg-static" | "PATH";

export interface FfmpegLocation {
  readonly path: string;
  readonly source: FfmpegSource;
}

export interface LocateFfmpegDeps {
  readonly os: OsName;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The running executable (the compiled agent, or deno in development). */
  readonly execPath: string;
  /** The project's directory in development, where node_modules lives; null when compiled. */
  readonly projectRoot: string | null;
  readonly isFile: (path: string) => boolean;
}

export type LocateFfmpegResult =
  | { readonly ok: true; readonly location: FfmpegLocation }
  | {
    readonly ok: false;
    readonly problem: string;
    readonly fix: string;
    readonly tried: readonly FfmpegLocation[];
  };

export const FFMPEG_ENV = "FFMPEG_PATH";

export function locateFfmpeg(deps: LocateFfmpegDeps, configPath: string): LocateFfmpegResult {
  const p = deps.os === "windows" ? path.win32 : path.posix;
  const exe = deps.os === "windows" ? "ffmpeg.exe" : "ffmpeg";
  const explicit: FfmpegLocation[] = [];
  if (configPath !== "") explicit.push({ path: configPath, source: "config" });
  const fromEnv = deps.env[FFMPEG_ENV];
  if (fromEnv) explicit.push({ path: fromEnv, source: "env" });
  const first = explicit[0];
  if (first) {
    if (deps.isFile(first.path)) return { ok: true, location: first };
    const what = first.source === "config" ? "ffmpeg.path in the config" : `${FFMPEG_ENV}`;
    return {
      ok: false,
      problem: `${what} names ${first.path}, which is not a file`,
      fix: `correct ${what}, or remove it to let the agent look beside its executable and on PATH`,
      tried: [first],
    };
  }
  const tried: FfmpegLocation[] = [{
    path: p.join(p.dirname(deps.execPath), exe),
    source: "beside-executable",
  }];
  if (deps.projectRoot) {
    tried.push({
      path: p.join(deps.projectRoot, "node_modules", "ffmpeg-static", exe),
      source: "ffmpeg-static",
    });
  }
  const pathVar = deps.env.PATH ?? deps.env.Path ?? "";
  for (const dir of pathVar.split(deps.os === "windows" ? ";" : ":")) {
    if (dir !== "") tried.push({ path: p.join(dir, exe), source: "PATH" });
  }
  const found = tried.find((c) => deps.isFile(c.path));
  if (found) return { ok: true, location: found };
  return {
    ok: false,
    problem:
      "ffmpeg was not found (looked beside the agent, in node_modules/ffmpeg-static and on PATH)",
    fix: deps.os === "linux"
      ? "install it (Debian/Ubuntu: `sudo apt-get install ffmpeg`), or set ffmpeg.path in the config"
      : `place ${exe} beside the agent's executable, or set ffmpeg.path in the config`,
    tried,
  };
}
