/**
 * V8 flags the agent is launched with (`deno task start`, the test and benchmark launcher,
 * and `deno compile --v8-flags` for the release binary).
 *
 * `--max-semi-space-size=1` (MB) caps the young generation. V8 grows it to 16 MB per semi-space
 * under allocation, which the agent's steady trickle of small buffers (encoder output, fMP4
 * fragments, progress lines) triggers although almost nothing survives a scavenge; the cap
 * keeps ~10–15 MB of RSS off every workstation for more frequent but tiny scavenges
 * (docs/benchmarks.md measures both RSS and CPU with it).
 */
export const AGENT_V8_FLAGS: readonly string[] = ["--max-semi-space-size=1"];

/** The flags as the one `--v8-flags=` argument of `deno run` / `deno compile`. */
export function v8FlagsArg(): string {
  return `--v8-flags=${AGENT_V8_FLAGS.join(",")}`;
}
