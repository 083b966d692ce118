/**
 * The office-like scene on one X screen (the recording benchmark's, and what `demo` shows on
 * its own display): Debian's Chromium, headful, in a kiosk window
 * covering the screen, showing office_scene.html (a CRM form being typed into, a scrolling
 * table, a clock). Call once per screen for several monitors (`:N.0`, `:N.1`, …): one browser
 * each, as an operator with two monitors would have two windows.
 *
 * The page animates itself from its seed (see office_scene.html), so runs are repeatable and the
 * driver costs nothing while a measurement runs. `restart()` navigates to it again (a new
 * document with fresh timers), which puts the scene back at its t=0 — use it before each of
 * several runs that should see the same pixels.
 */
import { Buffer } from "node:buffer";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { CHROMIUM_PATH } from "../../testing/chromium.ts";

export interface SceneOptions {
  /** X display of the screen to fill, e.g. ":123.0". */
  readonly display: string;
  readonly width: number;
  readonly height: number;
  /** Seeds the typed text and the scroll steps; default 1. */
  readonly seed?: number;
  /**
   * How much text is on screen. "typical" (default): form + 10-row table, near the issue's
   * reference bitrate (~450 kbit/s with superfast, keyframes every 2 s). "dense": full-height
   * table + history panel, a screen full of text (~3× the bits, mostly in the keyframes).
   */
  readonly density?: SceneDensity;
}

export type SceneDensity = "typical" | "dense";

export interface OfficeScene {
  /** Reloads the page: the typing, scrolling and clock start again from the beginning. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function encodeBase64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

const PAGE = new URL("./office_scene.html", import.meta.url);

/** A headful Chromium whose one window fills an X screen (kiosk), and its page. */
export interface KioskWindow {
  readonly page: Page;
  stop(): Promise<void>;
}

/** Opens a kiosk Chromium window covering the screen `display` (width × height). */
export async function launchKiosk(
  options: { readonly display: string; readonly width: number; readonly height: number },
): Promise<KioskWindow> {
  const profile = await Deno.makeTempDir({ prefix: "bench-chromium-" });
  let context: BrowserContext;
  try {
    // A persistent context is the only way to get playwright's page in the browser's first
    // window, the one --kiosk makes full-screen; newContext() would open a second, ordinary one.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: false,
      // null: the page gets the window's size instead of playwright's 1280x720 emulation.
      viewport: null,
      env: { ...Deno.env.toObject(), DISPLAY: options.display },
      // --enable-automation shows an infobar ("controlled by automated software"): pixels no
      // real operator has.
      ignoreDefaultArgs: ["--enable-automation"],
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--kiosk",
        "--window-position=0,0",
        `--window-size=${options.width},${options.height}`,
      ],
    });
  } catch (e) {
    await Deno.remove(profile, { recursive: true }).catch(() => {});
    throw e;
  }
  return {
    page: context.pages()[0] ?? await context.newPage(),
    stop: async () => {
      await context.close().catch(() => {});
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    },
  };
}

export async function startOfficeScene(options: SceneOptions): Promise<OfficeScene> {
  const html = await Deno.readTextFile(PAGE);
  const seed = Math.trunc(options.seed ?? 1);
  const kiosk = await launchKiosk(options);
  const page = kiosk.page;
  // The settings are written into the page, which is then opened as a data: URL. A navigation, not
  // setContent(): that rewrites the document in the same window, whose old timers keep running
  // and whose top-level consts make the page's script fail the second time.
  const seeded = html.replace(
    "<head>",
    `<head><script>window.SCENE_SEED = ${JSON.stringify(seed)}; ` +
      `window.SCENE_DENSITY = ${JSON.stringify(options.density ?? "typical")};</script>`,
  );
  const url = `data:text/html;base64,${encodeBase64(seeded)}`;
  // A script error would leave a half-animated page and quietly skew every number after it.
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const load = async () => {
    await page.goto(url, { waitUntil: "load" });
    await page.waitForFunction("document.querySelectorAll('#rows tr').length === 200", null, {
      timeout: 5000,
    });
    if (errors.length > 0) throw new Error(`office scene: ${errors.join("; ")}`);
  };
  try {
    await load();
  } catch (e) {
    await kiosk.stop();
    throw e;
  }
  return { restart: load, stop: kiosk.stop };
}
