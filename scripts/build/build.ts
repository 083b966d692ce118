/**
 * `deno task build [--target NAME]… [--ffmpeg-dir DIR] [--out DIR]`: one executable per target
 * with `deno compile`, packed with ffmpeg beside it (when given), a BUILD.json, and the SHA-256
 * of every archive in SHA256SUMS.
 *
 * ffmpeg ships beside the executable (the agent looks there, after its config and FFMPEG_PATH):
 * `--ffmpeg-dir DIR` takes `DIR/<target name>/ffmpeg[.exe]` (and ffprobe when present). Without
 * it the archives carry no ffmpeg and say so; the workstation then needs one on PATH.
 *
 * `deno compile` needs the Deno runtime (`denort`) of each target and downloads it from
 * dl.deno.land, which is not reachable everywhere. `DENORT_BIN` names one runtime file (one
 * target only), `DENORT_DIR` a folder of `denort-<triple>[.exe]` files; where none can be had the
 * build stops with what to do, never a stack trace (exit 3).
 */
import { parseArgs } from "node:util";
import { createHash } from "node:crypto";
import path from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { archiveName, compileArgs, exe, findTarget, type Target, TARGETS } from "./targets.ts";
import { zip } from "./zip.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const DENO = path.join(ROOT, "node_modules/.bin/deno");

/** Stops the build with a message for the person running it. */
class BuildError extends Error {}

function say(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`${line}\n`));
}

function exists(file: string): boolean {
  try {
    Deno.statSync(file);
    return true;
  } catch {
    return false;
  }
}

/** Where `deno compile` takes this target's runtime from: a file, or null (download it). */
export function denortFor(
  t: Target,
  env: { readonly DENORT_BIN?: string | undefined; readonly DENORT_DIR?: string | undefined },
  count: number,
): string | null {
  if (env.DENORT_BIN) {
    if (count > 1) {
      throw new BuildError(
        "DENORT_BIN names one runtime, but several targets are being built: build one " +
          "(--target NAME) or set DENORT_DIR to a folder of denort-<triple>[.exe] files",
      );
    }
    if (!exists(env.DENORT_BIN)) {
      throw new BuildError(`DENORT_BIN ${env.DENORT_BIN} does not exist`);
    }
    return env.DENORT_BIN;
  }
  if (env.DENORT_DIR) {
    const file = path.join(env.DENORT_DIR, exe(t, `denort-${t.triple}`));
    if (!exists(file)) {
      throw new BuildError(`DENORT_DIR has no ${path.basename(file)} for ${t.name}`);
    }
    return file;
  }
  return null;
}

async function compile(t: Target, out: string, denort: string | null): Promise<void> {
  const output = path.join(out, t.name, exe(t, "agent-helper"));
  const r = await new Deno.Command(DENO, {
    args: compileArgs(t, output, path.join(ROOT, "main.ts")),
    cwd: ROOT,
    env: {
      NO_COLOR: "1",
      // deno compile --bundle fetches esbuild from the npm registry; a build machine behind a
      // TLS-inspecting proxy trusts that proxy in the OS store (as npm does), not in Deno's own.
      DENO_TLS_CA_STORE: Deno.env.get("DENO_TLS_CA_STORE") ?? "mozilla,system",
      ...(denort ? { DENORT_BIN: denort } : {}),
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (r.code === 0) return;
  // deno's own report, without its Rust stack backtrace.
  const err = new TextDecoder().decode(r.stderr).split("Stack backtrace:")[0]!.trim();
  const lines = err.split("\n").filter((l) => /denort.*\.zip/.test(l));
  const fetchFailed = lines.find((l) => /error/i.test(l)) ?? lines[0];
  if (denort === null && fetchFailed) {
    throw new BuildError(
      `deno compile could not get the Deno runtime (denort) for ${t.name}:\n  ` +
        `${fetchFailed.replace(/^\s*\d+:\s*/, "").slice(0, 400)}\n` +
        `  It is downloaded from dl.deno.land, which this machine cannot reach. Download ` +
        `denort-${t.triple}.zip for Deno ${Deno.version.deno} from ` +
        `https://github.com/denoland/deno/releases elsewhere, unpack it, and set DENORT_BIN ` +
        `(one target) or DENORT_DIR (a folder of denort-<triple>[.exe] files).`,
    );
  }
  throw new BuildError(`deno compile for ${t.name} failed:\n${err}`);
}

async function sha256(file: string): Promise<string> {
  return createHash("sha256").update(await Deno.readFile(file)).digest("hex");
}

async function git(args: string[]): Promise<string> {
  const r = await new Deno.Command("git", { args, cwd: ROOT, stdout: "piped", stderr: "null" })
    .output().catch(() => null);
  return r?.code === 0 ? new TextDecoder().decode(r.stdout).trim() : "unknown";
}

async function pack(t: Target, out: string, ffmpegDir: string | null): Promise<string> {
  const dir = path.join(out, t.name);
  const files = [exe(t, "agent-helper")];
  for (const tool of ["ffmpeg", "ffprobe"]) {
    if (ffmpegDir === null) break;
    const from = path.join(ffmpegDir, t.name, exe(t, tool));
    if (!exists(from)) {
      if (tool === "ffmpeg") throw new BuildError(`--ffmpeg-dir has no ${t.name}/${exe(t, tool)}`);
      continue;
    }
    await Deno.copyFile(from, path.join(dir, exe(t, tool)));
    await Deno.chmod(path.join(dir, exe(t, tool)), 0o755).catch(() => {});
    files.push(exe(t, tool));
  }
  const info = {
    name: "agent-helper",
    version: pkg.version,
    target: t.triple,
    commit: await git(["rev-parse", "HEAD"]),
    builtAt: new Date().toISOString(),
    deno: Deno.version.deno,
    ffmpeg: files.includes(exe(t, "ffmpeg")) ? "beside the executable" : null,
    files: Object.fromEntries(
      await Promise.all(files.map(async (f) => [f, await sha256(path.join(dir, f))])),
    ),
  };
  await Deno.writeTextFile(path.join(dir, "BUILD.json"), `${JSON.stringify(info, null, 2)}\n`);
  files.push("BUILD.json");
  const archive = path.join(out, archiveName(t, pkg.version));
  if (t.os === "windows") {
    const entries = await Promise.all(files.map(async (f) => ({
      name: `agent-helper/${f}`,
      data: await Deno.readFile(path.join(dir, f)),
      mode: f.endsWith(".exe") ? 0o755 : 0o644,
    })));
    await Deno.writeFile(archive, zip(entries));
  } else {
    const r = await new Deno.Command("tar", {
      args: [
        "-czf",
        archive,
        "--owner=0",
        "--group=0",
        "-C",
        dir,
        "--transform",
        "s,^,agent-helper/,",
        ...files,
      ],
      stderr: "piped",
    }).output();
    if (r.code !== 0) throw new BuildError(`tar: ${new TextDecoder().decode(r.stderr)}`);
  }
  if (ffmpegDir === null) say(`  ${t.name}: no ffmpeg in the archive (no --ffmpeg-dir)`);
  return archive;
}

export async function build(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      target: { type: "string", multiple: true },
      "ffmpeg-dir": { type: "string" },
      out: { type: "string" },
    },
    strict: true,
  });
  const targets = (values.target ?? TARGETS.map((t) => t.name)).map((name) => {
    const t = findTarget(name);
    if (!t) {
      throw new BuildError(
        `unknown target ${name}; one of: ${TARGETS.map((x) => x.name).join(", ")}`,
      );
    }
    return t;
  });
  const out = path.resolve(values.out ?? path.join(ROOT, "dist"));
  const ffmpegDir = values["ffmpeg-dir"] ? path.resolve(values["ffmpeg-dir"]) : null;
  // Every runtime is checked before anything is built: a missing one fails fast.
  const runtimes = targets.map((t) => denortFor(t, env, targets.length));
  await Deno.mkdir(out, { recursive: true });
  const sums: string[] = [];
  for (const [i, t] of targets.entries()) {
    say(`== ${t.name} (${t.triple})`);
    await Deno.remove(path.join(out, t.name), { recursive: true }).catch(() => {});
    await Deno.mkdir(path.join(out, t.name), { recursive: true });
    await compile(t, out, runtimes[i] ?? null);
    const archive = await pack(t, out, ffmpegDir);
    sums.push(`${await sha256(archive)}  ${path.basename(archive)}`);
    say(`  ${path.relative(ROOT, archive)}`);
  }
  await Deno.writeTextFile(path.join(out, "SHA256SUMS"), `${sums.join("\n")}\n`);
  say(`== ${targets.length} archive(s) and SHA256SUMS in ${path.relative(ROOT, out) || "."}`);
}

if (import.meta.main) {
  try {
    await build(Deno.args, {
      DENORT_BIN: Deno.env.get("DENORT_BIN"),
      DENORT_DIR: Deno.env.get("DENORT_DIR"),
    });
  } catch (e) {
    const usage = (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    if (!(e instanceof BuildError) && !usage) throw e;
    say(`build: ${(e as Error).message}`);
    Deno.exit(usage ? 2 : 3);
  }
}
