/**
 * Xvfb for the benchmark: one X server with k screens of the same size, so two "monitors" are
 * :N.0 and :N.1 of one server — what x11grab sees on a real two-head X setup without Xinerama.
 * src/testing/xvfb.ts does one screen for tests; this one is separate so the bench does not
 * depend on test code's choices (e.g. its default size).
 */

/** A running Xvfb with `screens.length` screens. */
export interface XvfbServer {
  /** The display, e.g. ":123". */
  readonly display: string;
  /** One DISPLAY value per screen, e.g. [":123.0", ":123.1"]. */
  readonly screens: readonly string[];
  /** Xvfb's pid (to leave out of, or add to, CPU accounting). */
  readonly pid: number;
  stop(): Promise<void>;
}

export interface XvfbOptions {
  /** Number of screens; default 1. */
  readonly screens?: number;
  /** Each screen's size; default 1920x1080. */
  readonly width?: number;
  readonly height?: number;
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
 * Starts Xvfb on a random free display number in 90–490 (random so parallel runs of other
 * engineers' tests, which use the same range, rarely collide; on a collision Xvfb exits and the
 * next number is tried).
 */
export async function startXvfb(options: XvfbOptions = {}): Promise<XvfbServer> {
  const count = options.screens ?? 1;
  const size = `${options.width ?? 1920}x${options.height ?? 1080}x24`;
  for (let attempt = 0; attempt < 5; attempt++) {
    let n = 90 + Math.floor(Math.random() * 400);
    while (displayInUse(n) && n < 490) n++;
    const screenArgs: string[] = [];
    for (let i = 0; i < count; i++) screenArgs.push("-screen", String(i), size);
    const child = new Deno.Command("Xvfb", {
      args: [`:${n}`, ...screenArgs, "-nolisten", "tcp", "-noreset"],
      stdout: "null",
      stderr: "null",
    }).spawn();
    let exited = false;
    child.status.then(() => exited = true);
    for (let i = 0; i < 100 && !exited; i++) {
      if (exists(`/tmp/.X11-unix/X${n}`)) {
        return {
          display: `:${n}`,
          screens: Array.from({ length: count }, (_, i) => `:${n}.${i}`),
          pid: child.pid,
          stop: async () => {
            try {
              child.kill("SIGTERM");
            } catch { /* already gone */ }
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
