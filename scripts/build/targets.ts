/**
 * What `deno task build` makes, as pure data: the five release targets, each one's file names,
 * and the `deno compile` arguments. The agent's permissions are listed rather than `-A`: what it
 * may do is part of what IT deploys.
 */
import { v8FlagsArg } from "../../src/app/v8_flags.ts";

export interface Target {
  /** Rust target triple, as `deno compile --target` takes it. */
  readonly triple: string;
  /** Short name in archive names. */
  readonly name: string;
  readonly os: "linux" | "darwin" | "windows";
}

export const TARGETS: readonly Target[] = [
  { triple: "x86_64-unknown-linux-gnu", name: "linux-x86_64", os: "linux" },
  { triple: "aarch64-unknown-linux-gnu", name: "linux-aarch64", os: "linux" },
  { triple: "x86_64-apple-darwin", name: "macos-x86_64", os: "darwin" },
  { triple: "aarch64-apple-darwin", name: "macos-aarch64", os: "darwin" },
  { triple: "x86_64-pc-windows-msvc", name: "windows-x86_64", os: "windows" },
];

export function findTarget(text: string): Target | undefined {
  return TARGETS.find((t) => t.triple === text || t.name === text);
}

export const exe = (t: Target, base: string): string => t.os === "windows" ? `${base}.exe` : base;

/** `agent-helper-<version>-<name>.tar.gz` (`.zip` for Windows). */
export function archiveName(t: Target, version: string): string {
  return `agent-helper-${version}-${t.name}${t.os === "windows" ? ".zip" : ".tar.gz"}`;
}

/**
 * What the agent needs: sockets (127.0.0.1 listeners, wss and gRPC out), its config, logs and
 * spool, ffmpeg and the OS's display tools, its environment (config overrides, DISPLAY, paths)
 * and system facts for agentHelperInfo.
 */
export const AGENT_PERMISSIONS: readonly string[] = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-run",
  "--allow-env",
  "--allow-sys",
];

export function compileArgs(t: Target, output: string, entry: string): string[] {
  return [
    "compile",
    "--target",
    t.triple,
    "--output",
    output,
    ...AGENT_PERMISSIONS,
    v8FlagsArg(),
    // One bundled module instead of the whole node_modules tree (dev tools included): ~20 MB
    // of embedded files instead of ~250 MB.
    "--bundle",
    "--no-check",
    // The logon task starts it in the operator's session: no console window to close by mistake.
    ...(t.os === "windows" ? ["--no-terminal"] : []),
    entry,
  ];
}
