/**
 * The operator's part of `demo`: a web page's JsSDK (in Deno, presenting the page's Origin)
 * connects the agent through the reference AgentServer, which then sends it commands. Prints
 * one line per step; true when every step did what the protocol says.
 */
import { JsSdk, webSocketFactory, whenStatus } from "../platform/jssdk/mod.ts";
import type { Stack } from "../platform/workplace/stack.ts";

const DEMO_USER = "00000000-0000-4000-8000-000000000001";

export async function runDemoSession(
  stack: Stack,
  origin: string,
  out: (line: string) => void,
): Promise<boolean> {
  const ags = stack.agentServer;
  const client = Deno.createHttpClient({ caCerts: [stack.pki.caPem] });
  const sdk = new JsSdk({ wss1Url: ags.wss1Url, userID: DEMO_USER }, {
    platformSocket: webSocketFactory((url) => new WebSocket(url, { client })),
    helperSocket: webSocketFactory((url) =>
      new WebSocket(url, { headers: { origin } } as unknown as string[])
    ),
  });
  try {
    const settled = await sdk.start();
    out(`  web page (JsSDK)  ${origin}: getAgentHelperData → agentOpenConnect: ${settled.phase}`);
    const active = await whenStatus(
      sdk,
      (s) =>
        s.helperState?.connectionState === "active" &&
        s.platformState?.connectionState === "active",
      10_000,
    );
    out(
      `  registration      helper says ${sdk.status.helperState?.connectionState ?? "nothing"}, ` +
        `AgentServer says ${sdk.status.platformState?.connectionState ?? "nothing"}`,
    );
    if (!active) return false;
    await ags.waitForMessage((m) => m.action === "agentHelperInfo");
    const info = ags.helper(DEMO_USER)?.info;
    out(
      `  agentHelperInfo   ${info?.computerName ?? "?"}, ${info?.osVersion ?? "?"}, ` +
        `encoders: ${info?.capabilities?.encoders.join(" ") || "none"}`,
    );
    const level = await ags.sendCommand(DEMO_USER, "setLogLevel", { logLevel: "debug" });
    const displays = await ags.sendCommand(DEMO_USER, "getDisplayInfo", {});
    const shown = displays.data as { result: string; resultDesc?: string; displays?: unknown[] };
    out(`  AgentServer → agent setLogLevel: ${(level.data as { result: string }).result}`);
    out(
      `  AgentServer → agent getDisplayInfo: ${
        shown.result === "success"
          ? `${shown.displays?.length ?? 0} display(s)`
          : `error (${shown.resultDesc})`
      }`,
    );
    const bye = await sdk.logout();
    const ended = await ags.waitForState(DEMO_USER, "inactive", "closedByClient")
      .then(() => true, () => false);
    out(`  operator logs out agentCloseConnect: ${bye.result}; AgentServer sees it inactive`);
    return settled.phase === "connected" && bye.result === "success" && ended &&
      (level.data as { result: string }).result === "success";
  } finally {
    sdk.close();
    client.close();
  }
}
