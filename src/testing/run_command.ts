/**
 * Runs a program to its end with a clean environment (test helper): only HOME, PATH and
 * NO_COLOR from the test's own, plus what the caller gives, so that nothing from the
 * developer's shell (an AGENT_HELPER_* override, a DISPLAY) leaks into what is tested.
 */
export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCommand(
  command: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
  options: { readonly cwd?: string } = {},
): Promise<Ran> {
  const out = await new Deno.Command(command, {
    args: [...args],
    env: {
      HOME: Deno.env.get("HOME") ?? "/tmp",
      PATH: Deno.env.get("PATH") ?? "",
      NO_COLOR: "1",
      ...env,
    },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  }).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** `deno run -A main.ts <args>`: the agent's command line as an administrator runs it. */
export function runMain(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<Ran> {
  return runCommand(Deno.execPath(), ["run", "-A", MAIN, ...args], env);
}
