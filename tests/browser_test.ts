/**
 * The JsSDK in a real browser: Debian's Chromium (headless, playwright-core) loads the reference
 * workplace page, so the browser itself sets the Origin the agent's ws2 checks and speaks TLS to
 * the reference AgentServer. Real agent, real AgentServer, real sockets. One browser for the
 * file (launching is the slow part); each step has its own browser context.
 *
 * Skipped, with the command that installs it, where Chromium is missing; scripts/run.sh test
 * installs it, so CI runs these.
 */
import type { Page } from "playwright-core";
import type { RecordedMessage } from "../src/platform/agent_server/mod.ts";
import { makeTestPki } from "../src/platform/pki/test_pki.ts";
import { startWorkplace, type WorkplaceServer } from "../src/platform/workplace/server.ts";
import { startStack } from "../src/platform/workplace/stack.ts";
import { assertEquals } from "../src/testing/assert.ts";
import { chromiumMissing, launchChromium } from "../src/testing/chromium.ts";

const USER = "0f8e2a4c-6b1d-4c3e-9a7f-5d2b8c1e4f60";
const missing = chromiumMissing();

/** Waits for `selector` on the page; on timeout, the error carries the page's event log. */
async function waitFor(page: Page, selector: string, timeout = 10_000): Promise<void> {
  try {
    await page.waitForSelector(selector, { state: "attached", timeout });
  } catch (e) {
    const log = await page.$$eval("#log li", (items) => items.map((i) => i.textContent))
      .catch(() => []);
    throw new Error(
      `${(e as Error).message.split("\n")[0]}\nwaiting for ${selector}\npage log:\n  ${
        log.join("\n  ")
      }`,
    );
  }
}

const reportFrom = (userID: string, data: unknown) => (m: RecordedMessage) =>
  m.channel === "platform" && m.direction === "in" && m.action === "agentHelperConnect" &&
  m.userID === userID && JSON.stringify(m.message?.data) === JSON.stringify(data);

Deno.test({
  name: missing ? `browser: skipped — ${missing}` : "browser: the JsSDK in Chromium",
  ignore: missing !== null,
  fn: async (t) => {
    const allowed = await startWorkplace();
    const foreign: WorkplaceServer = await startWorkplace();
    const stack = await startStack({ allowedOrigins: [allowed.origin] });
    const ags = stack.agentServer;
    const browser = await launchChromium({ trustCertificates: [stack.pki.certPem] });
    const pageErrors: string[] = [];
    const open = async (server: WorkplaceServer, userID: string) => {
      const tab = await browser.newPage();
      tab.page.on("pageerror", (e) => pageErrors.push(e.message));
      await tab.page.goto(
        server.url({ wss1: ags.wss1Url, userID, discoveryTimeoutMs: 3000 }),
      );
      return tab;
    };
    try {
      await t.step(
        "a page from a foreign origin is refused at ws2, and AgentServer hears 'AgentHelper not found'",
        async () => {
          const user = "foreign-origin-operator";
          const tab = await open(foreign, user);
          try {
            await waitFor(tab.page, 'body[data-phase="notFound"]');
            assertEquals(await tab.page.textContent("#report"), "AgentHelper not found");
            await ags.waitForMessage(
              reportFrom(user, { result: "error", resultDesc: "AgentHelper not found" }),
              5000,
            );
            assertEquals(ags.helper(user), undefined, "nothing was registered");
          } finally {
            await tab.close();
          }
        },
      );

      // (b) and (c) share the tab: (c) reloads the page (b) connected.
      const tab = await open(allowed, USER);
      try {
        await t.step(
          "a page from the allowed origin runs the flow to active on both channels",
          async () => {
            await waitFor(tab.page, 'body[data-phase="connected"]');
            await ags.waitForMessage(reportFrom(USER, { result: "success" }), 5000);
            await waitFor(
              tab.page,
              'body[data-helper-state="active"][data-platform-state="active"]',
            );
            assertEquals(await tab.page.textContent("#helper-socket"), "open");
            assertEquals(ags.helper(USER)?.state, "active");
          },
        );

        await t.step(
          "a reload reattaches: success again, the helper's state at once, no new registration",
          async () => {
            await tab.page.reload();
            await waitFor(tab.page, 'body[data-phase="connected"][data-platform-state="active"]');
            assertEquals(ags.helper(USER)?.connections, 1, "no new registration after a reload");
            await waitFor(tab.page, 'body[data-helper-state="active"]');
          },
        );
      } finally {
        await tab.close();
      }
      await t.step(
        "the browser trusts exactly the AgentServer's key: a server with another key is refused",
        async () => {
          const other = await makeTestPki({ hosts: ["localhost", "127.0.0.1"] });
          let requests = 0;
          const impostor = Deno.serve({
            hostname: "127.0.0.1",
            port: 0,
            cert: other.certPem,
            key: other.keyPem,
            onListen: () => {},
          }, (request) => {
            requests++;
            const { response } = Deno.upgradeWebSocket(request);
            return response;
          });
          const tab = await browser.newPage();
          try {
            await tab.page.goto(allowed.url({
              wss1: `wss://localhost:${impostor.addr.port}/wss1`,
              userID: "impostor-check",
            }));
            await waitFor(tab.page, 'body[data-phase="failed"]');
            assertEquals(
              await tab.page.textContent("#error"),
              "AgentServer (wss1) could not be reached",
            );
            assertEquals(requests, 0, "the TLS handshake failed before any HTTP request");
          } finally {
            await tab.close();
            await impostor.shutdown();
          }
        },
      );

      assertEquals(pageErrors, [], "no script error on any page");
    } finally {
      await browser.close();
      await stack.stop();
      await allowed.stop();
      await foreign.stop();
    }
  },
});
