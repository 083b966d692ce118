/**
 * The reference web workplace's script: bundled for the browser by `server.ts` and loaded by
 * `index.html`. It runs the JsSDK flow (PROTOCOL.md §3) with the page's own WebSocket — so the
 * browser, not the test, sets the Origin the helper checks — and shows every state in the DOM,
 * where a person or a browser test can read it:
 *
 * - `#phase` — the JsSDK's phase (`connected`, `notFound`, `failed`, …), `#error` its error;
 * - `#helper-socket`, `#platform-socket` — the two channels (`connecting`, `open`, `closed`);
 * - `#helper-state` — the helper's `agentHelperState` (`connecting`, `active`, `inactive`),
 *   `#helper-reason`, `#helper-version`;
 * - `#platform-state` — AgentServer's `agentHelperConnectionState`, `#platform-reason`;
 * - `#report` — the last `agentHelperConnect` sent to AgentServer (`success` or its reason);
 * - `#log` — one line per JsSDK event (never the token).
 *
 * Query: `wss1` (AgentServer's wss1 URL, required), `userID` (required), `discoveryTimeoutMs`.
 * The page is for tests and demos; it deliberately uses no framework and no DOM typings (the
 * project is type-checked with Deno's library), only the few members named below.
 */
import { JsSdk, type JsSdkEvent } from "../jssdk/mod.ts";

interface PageElement {
  textContent: string | null;
  append(...nodes: (PageElement | string)[]): void;
  setAttribute(name: string, value: string): void;
}

interface PageDocument {
  getElementById(id: string): PageElement | null;
  createElement(tag: string): PageElement;
  readonly body: PageElement;
}

interface PageGlobals {
  readonly document: PageDocument;
  readonly location: { readonly search: string };
  addEventListener(type: "pagehide", listener: () => void): void;
  /** For a console user or a test: the running JsSDK. */
  jssdk?: JsSdk;
}

const page = globalThis as unknown as PageGlobals;
const doc = page.document;

function show(id: string, value: string | undefined): void {
  const el = doc.getElementById(id);
  if (el) el.textContent = value ?? "";
  // Also on <body data-…>, so one selector can wait for a combination.
  doc.body.setAttribute(`data-${id}`, value ?? "");
}

function log(text: string): void {
  const list = doc.getElementById("log");
  if (!list) return;
  const item = doc.createElement("li");
  item.textContent = text;
  list.append(item);
}

/** One line per event; the event types carry no token, so nothing needs masking here. */
export function describe(event: JsSdkEvent): string {
  switch (event.type) {
    case "phase":
      return `phase ${event.phase}${event.error ? `: ${event.error}` : ""}`;
    case "platformSocket":
    case "helperSocket":
      return `${event.type === "helperSocket" ? "ws2" : "wss1"} ${event.state}` +
        (event.code === undefined ? "" : ` (${event.code})`);
    case "helperData":
      return `agentHelperURI ${event.data.agentHelperURI}, agentServerURI ${event.data.agentServerURI}`;
    case "helperNotFound":
      return `AgentHelper not found at ${event.agentHelperURI} (${event.reason})`;
    case "openResult":
      return `resultAgentOpenConnect ${event.outcome.result}` +
        (event.outcome.resultDesc ? `: ${event.outcome.resultDesc}` : "") +
        (event.reattach ? " (reattached)" : "");
    case "reported":
      return `agentHelperConnect ${event.report.result}` +
        (event.report.result === "error" ? `: ${event.report.resultDesc}` : "") +
        (event.delivered ? "" : " (not delivered: wss1 closed)");
    case "helperState":
      return `agentHelperState ${event.state.connectionState}` +
        (event.state.resultDesc ? ` (${event.state.resultDesc})` : "");
    case "platformState":
      return `agentHelperConnectionState ${event.state.connectionState}` +
        (event.state.resultDesc ? ` (${event.state.resultDesc})` : "");
    case "reconnectScheduled":
      return `ws2 restore attempt ${event.attempt + 1} in ${event.delayMs} ms`;
    case "unreadable":
      return `unreadable message on ${event.channel}: ${event.reason}`;
  }
}

function main(): void {
  const query = new URLSearchParams(page.location.search);
  const wss1Url = query.get("wss1");
  const userID = query.get("userID");
  if (!wss1Url || !userID) {
    show("phase", "failed");
    show("error", "the page needs ?wss1=<AgentServer wss1 URL>&userID=<operator>");
    return;
  }
  const timeout = Number(query.get("discoveryTimeoutMs") ?? "");
  const sdk = new JsSdk({
    wss1Url,
    userID,
    ...(Number.isFinite(timeout) && timeout > 0 ? { discoveryTimeoutMs: timeout } : {}),
  });
  page.jssdk = sdk;
  show("user", userID);
  sdk.on("*", (event) => {
    log(describe(event));
    const s = sdk.status;
    show("phase", s.phase);
    show("error", s.error);
    show("platform-socket", s.platformSocket);
    show("helper-socket", s.helperSocket);
    show("helper-state", s.helperState?.connectionState);
    show("helper-reason", s.helperState?.resultDesc);
    show("helper-version", s.helperState?.versionAgentHelper);
    show("platform-state", s.platformState?.connectionState);
    show("platform-reason", s.platformState?.resultDesc);
    show(
      "report",
      s.lastReport === undefined
        ? undefined
        : s.lastReport.result === "success"
        ? "success"
        : s.lastReport.resultDesc,
    );
  });
  // A reload or a closed tab ends the JsSDK without logging out: the helper keeps recording.
  page.addEventListener("pagehide", () => sdk.close());
  void sdk.start();
}

main();
