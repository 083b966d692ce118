/**
 * A real X display for tests: Xvfb on a free display number, with one screen per size given
 * (several X screens are several monitors to the agent, e.g. `startXvfb(["1280x720",
 * "800x600"])`). Fails with the fix when Xvfb is not installed (scripts/run.sh test installs
 * it).
 */
export interface Xvfb {
  readonly display: string;
  stop(): Promise<void>;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function displayInUse(n: number): boolean {
  return exists(`/tmp/.X11-unix/X${n}`) || exists(`/tmp/.X${n}-lock`);
}

export async function startXvfb(size: string | readonly string[] = "1280x720"): Promise<Xvfb> {
  const sizes = typeof size === "string" ? [size] : size;
  const screens = sizes.flatMap((s, i) => ["-screen", String(i), `${s}x24`]);
  const first = 90 + Math.floor(Math.random() * 400);
  let n = first;
  while (displayInUse(n)) n++;
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("Xvfb", {
      args: [`:${n}`, ...screens, "-nolisten", "tcp", "-noreset"],
      stdout: "null",
      stderr: "null",
    }).spawn();
  } catch {
    throw new Error("Xvfb is not installed: apt-get install xvfb (scripts/run.sh test does)");
  }
  for (let i = 0; i < 100; i++) {
    if (exists(`/tmp/.X11-unix/X${n}`)) {
      return {
        display: `:${n}`,
        stop: async () => {
          try {
            child.kill("SIGTERM");
          } catch { /* gone */ }
          await child.status;
        },
      };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGKILL");
  await child.status;
  throw new Error(`Xvfb :${n} did not start within 5 s`);
}
