/**
 * The reference ScreenRecorder's supervisor page in a real browser: real fMP4 H.264 recordings
 * from ffmpeg (two monitors of different sizes, one of them paused and resumed, so a second
 * part with a gap before it), uploaded over real TLS gRPC to a real recorder; then Debian's
 * Chromium (headless, playwright-core) searches them on the page, opens the segment and plays
 * it, and the test watches both monitors' <video> elements play, keep in step, show the gap
 * blank and switch to the next part.
 *
 * `UPDATE_SCREENSHOTS=1` also writes docs/playback.png (the page while playing); CI leaves the
 * committed one alone. Skipped, with the command that installs it, where Chromium is missing.
 */
import type { Page } from "playwright-core";
import { create } from "@bufbuild/protobuf";
import { DisplaySchema } from "../src/proto/agenthelper/screenrecorder/v1/screen_recorder_pb.ts";
import {
  startTestRecorder,
  type TestRecorder,
} from "../src/platform/screen_recorder/test_recorder.ts";
import { sampleProtoHeader, sha256 } from "../src/platform/screen_recorder/test_support.ts";
import { assert, assertEquals, assertStringIncludes } from "../src/testing/assert.ts";
import { chromiumMissing, launchChromium } from "../src/testing/chromium.ts";

const missing = chromiumMissing();
const SCREENSHOT = new URL("../docs/playback.png", import.meta.url);
const OPERATOR = "op-playback";
const SEGMENT = "seg-playback";
const FPS = 5;
const CHUNK = 256 * 1024;
/** An id that would run script if the page ever used it as markup. */
const MARKUP = '<img src=x onerror="document.title=1"><b>int</b>';

interface PartSpec {
  readonly display: { index: number; name: string; x: number; width: number; height: number };
  readonly part: number;
  readonly cause: string;
  readonly offsetMs: number;
  readonly seconds: number;
  /** An ffmpeg lavfi source. */
  readonly source: string;
}

const D0 = { index: 0, name: "DP-1", x: 0, width: 640, height: 360 };
const D1 = { index: 1, name: "HDMI-1", x: 640, width: 800, height: 600 };
/** Display 0 is paused from 6 s to 8 s of the segment; display 1 records throughout. */
const PARTS: readonly PartSpec[] = [
  { display: D0, part: 0, cause: "segmentStart", offsetMs: 0, seconds: 6, source: "testsrc2" },
  { display: D0, part: 1, cause: "resume", offsetMs: 8000, seconds: 4, source: "smptehdbars" },
  { display: D1, part: 0, cause: "segmentStart", offsetMs: 0, seconds: 12, source: "testsrc" },
];

/** A fragmented MP4 (empty moov, a fragment per keyframe) as the agent's encoders write it. */
async function encode(spec: PartSpec): Promise<Uint8Array> {
  const { width, height } = spec.display;
  const out = await new Deno.Command("ffmpeg", {
    args: [
      ...["-hide_banner", "-loglevel", "error", "-f", "lavfi"],
      ...["-i", `${spec.source}=size=${width}x${height}:rate=${FPS}`, "-t", String(spec.seconds)],
      // The agent's keyframe settings (src/capture/encoders.ts): a fixed GOP, no B-frames.
      ...["-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", String(2 * FPS)],
      ...["-keyint_min", String(2 * FPS), "-bf", "0", "-sc_threshold", "0"],
      ...["-movflags", "+frag_keyframe+empty_moov+default_base_moof", "-f", "mp4", "pipe:1"],
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`ffmpeg failed: ${new TextDecoder().decode(out.stderr)}`);
  return out.stdout;
}

/** Uploads one part as the agent would: Header, chunks, Finish with the summary. */
async function upload(
  t: TestRecorder,
  operator: string,
  segment: string,
  startedAt: number,
  spec: PartSpec,
  interaction = `int-of-${segment}`,
): Promise<void> {
  const data = await encode(spec);
  const s = t.client.upload(await t.authority.issue(operator));
  const startedAtUnixMs = startedAt + spec.offsetMs;
  const header = sampleProtoHeader({
    fileName: `${segment}.d${spec.display.index}.p${spec.part}.mp4`,
    operatorId: operator,
    segmentId: segment,
    interactionId: interaction,
    workItemIds: ["wi-1"],
    part: spec.part,
    cause: spec.cause,
    frameRate: FPS,
    startedAtUnixMs,
    offsetMs: spec.offsetMs,
  });
  header.display = create(DisplaySchema, { ...spec.display, y: 0 });
  await s.header(header);
  await s.ackAtLeast(0);
  for (let off = 0; off < data.length; off += CHUNK) {
    await s.chunk(off, data.subarray(off, off + CHUNK));
  }
  await s.finish(data.length, sha256(data), {
    frames: spec.seconds * FPS,
    durationMs: spec.seconds * 1000,
    endedAtUnixMs: startedAtUnixMs + spec.seconds * 1000,
  });
  const replies = await s.rest();
  assert(replies.some((r) => r.kind.case === "finished"), `${header.fileName} was not finished`);
}

interface PlayerSample {
  readonly display: string;
  readonly state: string;
  readonly part: number | null;
  /** The video's position on the segment's timeline, s. */
  readonly at: number;
  readonly currentTime: number;
  readonly paused: boolean;
  readonly width: number;
  readonly height: number;
}

/** The few DOM members the in-page callbacks use (this file is checked without the DOM lib). */
interface VideoLike {
  readonly dataset: Record<string, string | undefined>;
  readonly currentTime: number;
  readonly paused: boolean;
  readonly videoWidth: number;
  readonly videoHeight: number;
}
interface ElementLike {
  readonly dataset: Record<string, string | undefined>;
  querySelector(selector: string): unknown;
  value: string;
  dispatchEvent(event: Event): boolean;
}

function sample(page: Page): Promise<PlayerSample[]> {
  return page.$$eval("#monitors figure", (figures) =>
    figures.map((el) => {
      const f = el as unknown as ElementLike;
      const v = f.querySelector("video") as VideoLike;
      const part = v.dataset["part"];
      return {
        display: f.dataset["display"] ?? "",
        state: f.dataset["state"] ?? "",
        part: part === undefined ? null : Number(part),
        at: Number(v.dataset["startMs"] ?? NaN) / 1000 + v.currentTime,
        currentTime: v.currentTime,
        paused: v.paused,
        width: v.videoWidth,
        height: v.videoHeight,
      };
    }));
}

/** Seeks the page's master clock as a drag of the seek bar would. */
function seekTo(page: Page, ms: number): Promise<void> {
  return page.$eval("#seek", (el, value) => {
    const input = el as unknown as ElementLike;
    input.value = String(value);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }, ms);
}

/** Polls `check` every 100 ms until it holds, failing after `timeoutMs`. */
async function poll(check: () => Promise<boolean>, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function assertInStep(samples: readonly PlayerSample[], what: string): void {
  const playing = samples.filter((s) => s.state === "ready");
  const ats = playing.map((s) => s.at);
  const spread = Math.max(...ats) - Math.min(...ats);
  assert(spread < 0.5, `${what}: players ${spread.toFixed(3)} s apart: ${JSON.stringify(samples)}`);
}

Deno.test({
  name: missing
    ? `playback browser: skipped — ${missing}`
    : "playback browser: a supervisor finds a segment and plays its monitors in step",
  ignore: missing !== null,
  fn: async (t) => {
    const recorder = await startTestRecorder();
    const browser = await launchChromium();
    const problems: string[] = [];
    try {
      const startedAt = Date.now() - 3_600_000;
      for (const spec of PARTS) await upload(recorder, OPERATOR, SEGMENT, startedAt, spec);
      // Another operator's segment, which the search must leave out; its ids hold markup.
      await upload(recorder, "op-other", "seg-other", startedAt + 1000, PARTS[2]!, MARKUP);

      const { page, close } = await browser.newPage();
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") {
          problems.push(`${m.type()}: ${m.text()}`);
        }
      });
      page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
      page.on("requestfailed", (r) => {
        // A <video> whose source changes cancels its pending range request: not a failure.
        if (r.failure()?.errorText !== "net::ERR_ABORTED") {
          problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
        }
      });
      try {
        await page.setViewportSize({ width: 1280, height: 760 });
        const response = await page.goto(`http://127.0.0.1:${recorder.recorder.httpPort}/`);
        assertEquals(response?.status(), 200);

        await t.step("text from the listing stays text", async () => {
          await page.fill('input[name="operator"]', "op-other");
          await page.click('#search button[type="submit"]');
          await poll(
            async () => (await page.textContent("#results tbody tr td:nth-child(2)")) === MARKUP,
            "the other operator's segment",
          );
          assertEquals(await page.locator("#results img, #results b").count(), 0);
        });

        await t.step("the search by operator lists the segment with its facts", async () => {
          await page.fill('input[name="operator"]', OPERATOR);
          await page.click('#search button[type="submit"]');
          await page.waitForSelector(`#results tbody tr[data-segment="${SEGMENT}"]`);
          await poll(
            async () => (await page.locator("#results tbody tr").count()) === 1,
            "the search's result",
          );
          const cells = await page.$$eval(
            "#results tbody tr td",
            (tds) => tds.map((td) => td.textContent),
          );
          assertEquals(cells[0], SEGMENT);
          assertEquals(cells[1], `int-of-${SEGMENT}`);
          assertEquals(cells[2], OPERATOR);
          assertEquals(cells.slice(4, 7), ["0:12", "2", "3"]);
          assertEquals(cells[8], "complete");
          assertEquals(new URL(page.url()).searchParams.get("operator"), OPERATOR);
        });

        await t.step("playing keeps both monitors moving, at their sizes, in step", async () => {
          await page.click(`#results tbody tr[data-segment="${SEGMENT}"] button`);
          await page.waitForSelector("#player:not([hidden]) #monitors figure + figure");
          await page.click("#play");
          await page.waitForSelector('#player[data-playback="playing"]');
          const first = await sample(page);
          await page.waitForTimeout(2000);
          const later = await sample(page);
          assertEquals(later.map((s) => s.display), ["0", "1"]);
          for (const [i, s] of later.entries()) {
            assertEquals([s.state, s.paused], ["ready", false], `display ${s.display} plays`);
            assert(
              s.currentTime > (first[i]?.currentTime ?? 0) + 1,
              `display ${s.display} advanced: ${first[i]?.currentTime} → ${s.currentTime}`,
            );
          }
          assertEquals([later[0]?.width, later[0]?.height], [D0.width, D0.height]);
          assertEquals([later[1]?.width, later[1]?.height], [D1.width, D1.height]);
          assertInStep(later, "while playing");
          if (Deno.env.get("UPDATE_SCREENSHOTS") === "1") {
            await page.screenshot({ path: SCREENSHOT.pathname, fullPage: true });
          }
        });

        await t.step("a pause shows blank, and the next part plays from its offset", async () => {
          await seekTo(page, 5200);
          const gap = '#monitors figure[data-display="0"][data-state="blank"]';
          await page.waitForSelector(gap, { timeout: 5000 });
          assertStringIncludes(
            await page.textContent(`${gap} .blank`) ?? "",
            "recording paused until 0:08",
          );
          const inGap = await sample(page);
          assertEquals(inGap[1]?.state, "ready", "display 1 goes on during display 0's pause");
          assert(!inGap[1]?.paused);
          await poll(async () => {
            const [d0] = await sample(page);
            return d0?.state === "ready" && d0.part === 1 && d0.currentTime > 0.5;
          }, "display 0 playing its second part");
          const resumed = await sample(page);
          assertEquals(resumed[0]?.part, 1);
          assertEquals([resumed[0]?.width, resumed[0]?.height], [D0.width, D0.height]);
          assertInStep(resumed, "after the pause");
        });

        await t.step("pause stops every monitor", async () => {
          await page.click("#play");
          await page.waitForSelector('#player[data-playback="paused"]');
          await page.waitForTimeout(300);
          const paused = await sample(page);
          assert(paused.every((s) => s.paused), JSON.stringify(paused));
        });

        assertEquals(problems, [], "no console error, page error or failed request");
      } finally {
        await close();
      }
    } finally {
      await browser.close();
      await recorder.dispose();
    }
  },
});
