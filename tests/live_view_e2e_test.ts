/**
 * The live view end to end (issue 8): the real agent, registered on the reference AgentServer,
 * captures an Xvfb monitor with its live encoder and sends streamBlobs; supervisor pages in
 * Debian's Chromium (headless, playwright-core) play them from AgentServer's fan-out with MSE.
 *
 * Two pages play display 0 (1280x720; maxHeight 720 keeps it native) at once; stopStream ends
 * both cleanly (close 1000); a new startStream (display 1, 800x600, the default maxHeight
 * keeps it native too) plays again; then AgentServer drops the agent's wss3 connection: the
 * page shows the stream ended and the agent keeps no live view. Skipped, with the command that
 * installs it, where Chromium is missing.
 */
import type { Page } from "playwright-core";
import { assert, assertEquals, assertStringIncludes } from "../src/testing/assert.ts";
import { chromiumMissing, launchChromium } from "../src/testing/chromium.ts";
import { expectOk, sleep, USER, withRecordingStack } from "./support/recording_stack.ts";
import { assertPlays, poll, sampleLivePage } from "./support/live_page.ts";

const missing = chromiumMissing();
const real = { sanitizeResources: false, sanitizeOps: false };

/** Waits until the page shows the stream ended with `text`, its socket closed with 1000. */
async function assertEnded(page: Page, text: string, what: string) {
  const s = await poll(
    () => sampleLivePage(page),
    (s) => s.state === "ended" && s.closeCode !== undefined,
    `${what} ended`,
    15_000,
  );
  assertEquals(s.closeCode, "1000", what);
  assertStringIncludes(await page.textContent("#status") ?? "", text, what);
}

Deno.test({
  name: missing
    ? `live view e2e: skipped — ${missing}`
    : "live view e2e: the real agent's live view plays in Chromium, stops, restarts, ends on a drop",
  ignore: missing !== null,
  ...real,
  async fn(t) {
    await withRecordingStack(async (s) => {
      const browser = await launchChromium({ trustCertificates: [s.pki.certPem] });
      const problems: string[] = [];
      const tabs: { page: Page; close(): Promise<void> }[] = [];
      const open = async (streamId: string) => {
        const tab = await browser.newPage();
        tabs.push(tab);
        tab.page.on("console", (m) => {
          if (m.type() === "error" || m.type() === "warning") {
            problems.push(`${m.type()}: ${m.text()}`);
          }
        });
        tab.page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
        tab.page.on("requestfailed", (r) => {
          problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
        });
        await tab.page.setViewportSize({ width: 1400, height: 900 });
        const response = await tab.page.goto(s.agentServer.liveViewPageUrl(USER, streamId));
        assertEquals(response?.status(), 200);
        return tab.page;
      };
      try {
        await t.step("two supervisors watch display 0 at 1280x720", async () => {
          const reply = await s.agentServer.startLiveView(USER, {
            streamId: "e2e-1",
            display: 0,
            frameRate: 5,
            maxHeight: 720,
          });
          assertEquals(reply.data, { result: "success" });
          const [a, b] = [await open("e2e-1"), await open("e2e-1")];
          await Promise.all([
            assertPlays(a, 1280, 720, "viewer 1", 15_000),
            assertPlays(b, 1280, 720, "viewer 2", 15_000),
          ]);
          assertEquals(s.agentServer.liveStreams().map((x) => x.viewers), [2]);
          assertEquals(s.agent.live.status().length, 1);

          assertEquals((await s.agentServer.stopLiveView(USER, "e2e-1")).data, {
            result: "success",
          });
          await assertEnded(a, "ended: stopped", "viewer 1");
          await assertEnded(b, "ended: stopped", "viewer 2");
          assertEquals(s.agentServer.liveStreams(), []);
          assertEquals(s.agent.live.status(), []);
        });

        await t.step("a new startStream plays again (display 1, 800x600)", async () => {
          await expectOk(s, "startStream", { streamId: "e2e-2", display: 1 });
          const c = await open("e2e-2");
          await assertPlays(c, 800, 600, "viewer 3", 15_000);

          // AgentServer drops the agent's registration: the page ends, the agent stops its view.
          assert(s.agentServer.drop(USER), "the agent was connected");
          await assertEnded(c, "ended: the operator's helper disconnected", "viewer 3");
          for (let i = 0; i < 50 && s.agent.live.status().length > 0; i++) await sleep(100);
          assertEquals(s.agent.live.status(), []);
          assertEquals(s.agentServer.liveStreams(), []);
        });

        assertEquals(problems, [], "no console error, page error or failed request");
      } finally {
        for (const tab of tabs) await tab.close().catch(() => {});
        await browser.close();
      }
    });
  },
});
