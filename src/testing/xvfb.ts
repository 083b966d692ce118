/**
 * A real X display for tests and benchmarks: Xvfb on a free display number, with one screen
 * per size given (several X screens are several monitors to the agent, e.g.
 * `startXvfb(["1280x720", "800x600"])`). Fails with the fix when Xvfb is not installed
 * (scripts/run.sh test installs it).
 */
export interface Xvfb {
  /** The display, e.g. ":123". */
  readonly display: string;
  /** One DISPLAY value per screen, e.g. [":123.0", ":123.1"]. */
  readonly screens: readonly string[];
  /** Xvfb's pid (to leave out of, or add to, CPU accounting). */
  readonly pid: number;
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

/**
 * Starts Xvfb on a random free display number from 90 on (random so that test files running in
 * parallel rarely pick the same one; when two do, Xvfb exits at once and another is tried).
 */
export async function startXvfb(size: string | readonly string[] = "1280x720"): Promise<Xvfb> {
  const sizes = typeof size === "string" ? [size] : size;
  const screenArgs = sizes.flatMap((s, i) => ["-screen", String(i), `${s}x24`]);
  for (let attempt = 0; attempt < 5; attempt++) {
    let n = 90 + Math.floor(Math.random() * 400);
    while (displayInUse(n)) n++;
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command("Xvfb", {
        args: [`:${n}`, ...screenArgs, "-nolisten", "tcp", "-noreset"],
        stdout: "null",
        stderr: "null",
      }).spawn();
    } catch {
      throw new Error("Xvfb is not installed: apt-get install xvfb (scripts/run.sh test does)");
    }
    let exited = false;
    child.status.then(() => exited = true);
    for (let i = 0; i < 100 && !exited; i++) {
      if (exists(`/tmp/.X11-unix/X${n}`)) {
        return {
          display: `:${n}`,
          screens: sizes.map((_, s) => `:${n}.${s}`),
          pid: child.pid,
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
    if (!exited) {
      child.kill("SIGKILL");
      await child.status;
      throw new Error(`Xvfb :${n} did not start within 5 s`);
    }
  }
  throw new Error("Xvfb exited at once on 5 display numbers in a row");
}
