/**
 * The screens `demo` records. On a desktop (DISPLAY set) the agent records its monitors as they
 * are. Without one (a server, CI) the demo starts Xvfb with `--monitors` screens and shows the
 * office-like scene on each in Chromium, so that the recording has something moving; without
 * Chromium the screens stay blank (and say so).
 */
import { type OfficeScene, startOfficeScene } from "../platform/workplace/office_scene.ts";
import { chromiumMissing } from "../testing/chromium.ts";
import { startXvfb } from "../testing/xvfb.ts";
import type { DemoOptions } from "./demo_options.ts";

export interface DemoDisplay {
  /** DISPLAY for the agent; null: the agent keeps the one it has. */
  readonly display: string | null;
  stop(): Promise<void>;
}

/** Sizes of the demo's monitors: different, as real desks have. */
const SIZES = ["1280x720", "1024x768", "800x600", "1280x720"];

export async function startDemoDisplay(
  current: string | undefined,
  options: Pick<DemoOptions, "monitors">,
  out: (line: string) => void,
): Promise<DemoDisplay> {
  if (current) {
    out(`  display           ${current} (this desktop's monitors)`);
    return { display: null, stop: () => Promise.resolve() };
  }
  const sizes = SIZES.slice(0, options.monitors);
  const xvfb = await startXvfb(sizes);
  const missing = chromiumMissing();
  const scenes: OfficeScene[] = [];
  try {
    if (missing === null) {
      for (const [i, screen] of xvfb.screens.entries()) {
        const [width, height] = sizes[i]!.split("x").map(Number) as [number, number];
        scenes.push(await startOfficeScene({ display: screen, width, height, seed: i + 1 }));
      }
    }
  } catch (e) {
    await Promise.all(scenes.map((s) => s.stop()));
    await xvfb.stop();
    throw e;
  }
  out(
    `  display           Xvfb ${xvfb.display}: ${sizes.join(", ")}; ${
      missing === null ? "office scene in Chromium on each" : `blank screens (${missing})`
    }`,
  );
  return {
    display: xvfb.display,
    async stop() {
      await Promise.all(scenes.map((s) => s.stop()));
      await xvfb.stop();
    },
  };
}
