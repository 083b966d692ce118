/**
 * The operator's part of `demo`: a web page's JsSDK (in Deno, presenting the page's Origin)
 * connects the agent through the reference AgentServer, which then sends it commands; at the
 * end the operator logs out. Prints one line per step.
 */
import { JsSdk, webSocketFactory, whenStatus } from "../platform/jssdk/mod.ts";
import type { Stack } from "../platform/workplace/stack.ts";

export const DEMO_USER = "00000000-0000-4000-8000-000000000001";

export interface DemoSession {
  /** Every connect step did what the protocol says. */
  readonly connected: boolean;
  /** Monitors the agent reported in getDisplayInfo. */
  readonly displays: number;
  /** The operator logs out; true when both sides saw it. */
  logout(): Promise<boolean>;
  close(): void;
}

export async function openDemoSession(
  stack: Stack,
  origin: string,
  out: (line: string) => void,
): Promise<DemoSession> {
  const ags = stack.agentServer;
  const client = Deno.createHttpClient({ caCerts: [stack.pki.caPem] });
  const sdk = new JsSdk({ wss1Url: ags.wss1Url, userID: DEMO_USER }, {
    platformSocket: webSocketFactory((url) => new WebSocket(url, { client })),
    helperSocket: webSocketFactory((url) =>
      new WebSocket(url, { headers: { origin } } as unknown as string[])
    ),
  });
  const close = () => {
    sdk.close();
    client.close();
  };
  const failed = (): DemoSession => ({
    connected: false,
    displays: 0,
    logout: () => Promise.resolve(false),
    close,
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
    if (!active || settled.phase !== "connected") return failed();
    await ags.waitForMessage((m) => m.action === "agentHelperInfo");
    const info = ags.helper(DEMO_USER)?.info;
    out(
      `  agentHelperInfo   ${info?.computerName ?? "?"}, ${info?.osVersion ?? "?"}, ` +
        `encoders: ${info?.capabilities?.encoders.join(" ") || "none"}`,
    );
    const level = await ags.sendCommand(DEMO_USER, "setLogLevel", { logLevel: "info" });
    const listed = await ags.sendCommand(DEMO_USER, "getDisplayInfo", {});
    const shown = listed.data as { result: string; resultDesc?: string; displays?: unknown[] };
    const levelOk = (level.data as { result: string }).result === "success";
    out(`  AgentServer → agent setLogLevel: ${levelOk ? "success" : "error"}`);
    const displays = shown.result === "success" ? shown.displays?.length ?? 0 : 0;
    out(
      `  AgentServer → agent getDisplayInfo: ${
        shown.result === "success" ? `${displays} display(s)` : `error (${shown.resultDesc})`
      }`,
    );
    return {
      connected: levelOk && shown.result === "success",
      displays,
      async logout() {
        const bye = await sdk.logout();
        const ended = await ags.waitForState(DEMO_USER, "inactive", "closedByClient")
          .then(() => true, () => false);
        out(`  operator logs out agentCloseConnect: ${bye.result}; AgentServer sees it inactive`);
        return bye.result === "success" && ended;
      },
      close,
    };
  } catch (e) {
    out(`  web page (JsSDK)  failed: ${(e as Error).message}`);
    return failed();
  }
}
