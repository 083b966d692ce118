/**
 * The live view end to end on the platform side, in a real browser: a real live encode (the
 * helper's live encoder argv from `buildLiveArgs`, with lavfi `testsrc2` at real-time speed in
 * place of the screen grab) piped through the fMP4 reader into `streamBlob`s, sent by a fake
 * helper registered on a real reference AgentServer (real TLS wss3), fanned out to supervisor
 * pages in Debian's Chromium (headless, playwright-core), each playing it with MSE.
 *
 * Two viewers play at once, a third joins late, the encoder restarts at another size (a new
 * init: every page starts over), and stopStream ends every page cleanly. The agent itself is
 * not in this test: its live view is wired separately (src/live/mod.ts).
 *
 * `UPDATE_SCREENSHOTS=1` also writes docs/live_view.png. Skipped, with the command that
 * installs it, where Chromium is missing.
 */
import type { Page } from "playwright-core";
import { createFragmentReader } from "../src/fmp4/mod.ts";
import { encodeStreamBlob } from "../src/live/blob.ts";
import { buildLiveArgs } from "../src/live/live_args.ts";
import { connectHelper, startTestServer } from "../src/platform/agent_server/test_support.ts";
import type { WsClient } from "../src/platform/agent_server/test_ws_client.ts";
import { assert, assertEquals, assertStringIncludes } from "../src/testing/assert.ts";
import { chromiumMissing, launchChromium } from "../src/testing/chromium.ts";
import { assertPlays, poll, sampleLivePage } from "./support/live_page.ts";

const missing = chromiumMissing();
const SCREENSHOT = new URL("../docs/live_view.png", import.meta.url);
const USER = "op-live-browser";
const STREAM = "sv-live-1";
const FPS = 5;
const SOURCE = { width: 1280, height: 720 };

/** The live encoder's argv, its screen grab swapped for lavfi testsrc2 at real-time speed. */
function liveArgs(maxHeight: number): string[] {
  const area = { x: 0, y: 0, ...SOURCE, capture: { kind: "x11" as const, display: ":0" } };
  const args = buildLiveArgs(
    { backend: "x11grab", area, drawCursor: false },
    { frameRate: FPS, maxHeight },
  );
  const from = args.indexOf("-f");
  const to = args.indexOf("-i") + 2;
  assertEquals(args[from + 1], "x11grab");
  const source = `testsrc2=size=${SOURCE.width}x${SOURCE.height}:rate=${FPS}`;
  return [...args.slice(0, from), "-re", "-f", "lavfi", "-i", source, ...args.slice(to)];
}

/** The helper's live view: one ffmpeg run at a time, every init and fragment a streamBlob. */
class FakeLiveHelper {
  #seq = 0;
  #run: { child: Deno.ChildProcess; pump: Promise<void>; stderr: Promise<string> } | undefined;
  constructor(readonly socket: WsClient) {}

  start(maxHeight: number): void {
    const child = new Deno.Command("ffmpeg", {
      args: liveArgs(maxHeight),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = createFragmentReader();
    const pump = (async () => {
      for await (const chunk of child.stdout) {
        for (const event of reader.push(chunk)) {
          this.socket.send(encodeStreamBlob({
            streamId: STREAM,
            seq: this.#seq++,
            init: event.kind === "init",
            bytes: event.bytes,
          }));
        }
      }
    })();
    this.#run = { child, pump, stderr: new Response(child.stderr).text() };
  }

  async stop(): Promise<void> {
    const run = this.#run;
    if (run === undefined) return;
    this.#run = undefined;
    const stdin = run.child.stdin.getWriter();
    await stdin.write(new TextEncoder().encode("q"));
    await stdin.close();
    const status = await run.child.status;
    await run.pump;
    assertEquals(status.code, 0, (await run.stderr).slice(-2000));
  }

  /** Answers startStream / stopStream as the agent will, starting and stopping the encoder. */
  serve(): () => void {
    return this.socket.received.subscribe((m) => {
      const action = m.json?.action;
      if (action !== "startStream" && action !== "stopStream") return;
      const data = m.json?.data as { maxHeight?: number };
      (async () => {
        if (action === "startStream") this.start(data.maxHeight ?? 720);
        else await this.stop();
        this.socket.send({
          action: action === "startStream" ? "resultStartStream" : "resultStopStream",
          version: "1.0",
          transaction: m.json?.transaction,
          data: { result: "success" },
        });
      })();
    });
  }
}

Deno.test({
  name: missing
    ? `live view browser: skipped — ${missing}`
    : "live view browser: supervisors watch a live stream, join late, see a restart and the end",
  ignore: missing !== null,
  fn: async (t) => {
    const { server, pki } = await startTestServer();
    const helper = new FakeLiveHelper(await connectHelper(server, await server.issueToken(USER)));
    const unsubscribe = helper.serve();
    const browser = await launchChromium({ trustCertificates: [pki.certPem] });
    const problems: string[] = [];
    const pages: { page: Page; close(): Promise<void> }[] = [];
    const open = async () => {
      const tab = await browser.newPage();
      pages.push(tab);
      tab.page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") {
          problems.push(`${m.type()}: ${m.text()}`);
        }
      });
      tab.page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
      tab.page.on("requestfailed", (r) => {
        problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
      });
      await tab.page.setViewportSize({ width: 1100, height: 560 });
      const response = await tab.page.goto(server.liveViewPageUrl(USER, STREAM));
      assertEquals(response?.status(), 200);
      assert(!tab.page.url().includes("key="), "the key leaves the address bar");
      return tab.page;
    };
    try {
      const reply = await server.startLiveView(USER, {
        streamId: STREAM,
        display: 0,
        frameRate: FPS,
        maxHeight: 360,
      });
      assertEquals(reply.data, { result: "success" });

      const [a, b] = [await open(), await open()];
      await t.step("two viewers play at once, at the stream's size", async () => {
        await Promise.all([
          assertPlays(a, 640, 360, "viewer 1"),
          assertPlays(b, 640, 360, "viewer 2"),
        ]);
        assertEquals(server.liveStreams()[0]?.viewers, 2);
        assertStringIncludes(await a.textContent("#who") ?? "", `${USER} · ${STREAM}`);
      });

      let late: Page | undefined;
      await t.step("a third viewer joins late and plays from a keyframe", async () => {
        late = await open();
        const s = await assertPlays(late, 640, 360, "the late viewer");
        assert(s.time > 3, `it joined mid-stream: media time ${s.time}`);
        const [status] = server.liveStreams();
        assertEquals(status?.viewers, 3);
        assert((status?.lastKeyframeAgeMs ?? 9999) < 1500, JSON.stringify(status));
        assertEquals(status?.rejected, 0);
        if (Deno.env.get("UPDATE_SCREENSHOTS") === "1") {
          await a.screenshot({ path: SCREENSHOT.pathname });
        }
      });

      await t.step("an encoder restart (a new init) resets every viewer", async () => {
        await helper.stop();
        helper.start(180);
        for (const [i, page] of [a, b, late!].entries()) {
          await poll(() => sampleLivePage(page), (s) => s.resets === 1, `viewer ${i + 1} reset`);
          await assertPlays(page, 320, 180, `viewer ${i + 1} after the restart`);
        }
        assertEquals(server.liveStreams()[0]?.inits, 2);
      });

      await t.step("stopStream ends every viewer cleanly", async () => {
        assertEquals((await server.stopLiveView(USER, STREAM)).data, { result: "success" });
        for (const [i, page] of [a, b, late!].entries()) {
          const s = await poll(
            () => sampleLivePage(page),
            (s) => s.state === "ended" && s.closeCode !== undefined,
            `viewer ${i + 1} ended`,
          );
          assertEquals(s.closeCode, "1000");
          assertStringIncludes(await page.textContent("#status") ?? "", "ended: stopped");
        }
        assertEquals(server.liveStreams(), []);
      });

      assertEquals(problems, [], "no console error, page error or failed request");
    } finally {
      unsubscribe();
      await helper.stop().catch(() => {});
      for (const tab of pages) await tab.close().catch(() => {});
      await browser.close();
      await helper.socket.close(1000);
      await server.stop();
    }
  },
});
