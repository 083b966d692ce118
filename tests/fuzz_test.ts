/**
 * 5,000 random and mutated messages at the running agent on each of its two channels, over
 * real sockets: ws2 from a page of an allowed origin, wss3 from the reference AgentServer over
 * TLS. Every message gets exactly one reply, every reply is a well-formed message of the
 * channel (read back by the peer's own reader), and the agent is still up and registered at
 * the end. Seeded, so a failure replays.
 */
import { CATALOG, parseInbound } from "../src/protocol/catalog.ts";
import { allSamples } from "../src/protocol/samples.ts";
import { startStack } from "../src/platform/workplace/stack.ts";
import { assert, assertEquals } from "../src/testing/assert.ts";
import { fuzzer, type Json, prng } from "../src/testing/fuzz.ts";
import { connectWs2, isState } from "../src/testing/ws2_client.ts";

const RUNS = 5_000;
const ORIGIN = "https://workplace.example.com";
const USER = "fuzz-operator";

/** `RUNS` texts: samples of messages `channel` delivers to the helper, mutated, some as text. */
function corpus(channel: "ws2" | "wss3", seed: number): string[] {
  const f = fuzzer(prng(seed));
  const samples = allSamples().filter((s) => s.entry.channel === channel);
  const toHelper = samples.filter((s) => s.entry.to === "helper");
  const names = CATALOG.filter((e) => e.channel === channel).map((e) => e.name);
  const out: string[] = [];
  while (out.length < RUNS) {
    // Mostly what the helper receives; sometimes what it sends, or a random envelope.
    const source = f.int(8) === 0 ? f.pick(samples) : f.pick(toHelper);
    let value: Json = structuredClone(source.message) as Json;
    const mutations = f.int(4); // 0: the valid message itself
    for (let i = 0; i < mutations; i++) value = f.mutateValue(value);
    if (f.int(20) === 0) value = { action: f.pick(names), version: "1.0", data: f.pick([{}, []]) };
    let text = JSON.stringify(value) ?? "null";
    if (f.int(5) === 0) text = f.mutateText(text);
    out.push(text);
  }
  return out;
}

function transactionOf(text: string): string | undefined {
  try {
    const v = JSON.parse(text);
    return typeof v?.transaction === "string" && v.transaction.length <= 128
      ? v.transaction
      : undefined;
  } catch {
    return undefined;
  }
}

Deno.test(`fuzz: ${RUNS} random and mutated messages on ws2 each get one well-formed reply`, async () => {
  const stack = await startStack({
    allowedOrigins: [ORIGIN],
    // No AgentServer is allowed: a valid agentOpenConnect among the mutants dials nothing.
    agentEnv: {
      AGENT_HELPER_SERVERS_AGENT_SERVER_HOSTS: "",
      AGENT_HELPER_WS2_MESSAGES_PER_SECOND: "10000",
      AGENT_HELPER_LOG_LEVEL: "error",
    },
  });
  try {
    const page = await connectWs2(stack.ws2Port, ORIGIN);
    const texts = corpus("ws2", 0xf022_0002);
    for (const text of texts) page.ws.send(text);
    const results = { success: 0, error: 0 };
    for (let i = 0; i < texts.length; i++) {
      const reply = await page.next(10_000);
      results[(reply.data as { result: "success" | "error" }).result]++;
      const read = parseInbound("ws2", JSON.stringify(reply), "jsSdk");
      assert(read.ok, `reply ${i} to ${texts[i]!.slice(0, 120)}: ${JSON.stringify(reply)}`);
      const tx = transactionOf(texts[i]!);
      if (reply.transaction !== undefined) assertEquals(reply.transaction, tx, `reply ${i}`);
    }
    assert(results.success > 100 && results.error > 1000, JSON.stringify(results));
    assertEquals(page.ws.readyState, WebSocket.OPEN);
    assertEquals(stack.agent.registration.status().connects, 0);
    const health = await fetch(`http://127.0.0.1:${stack.agent.httpPort}/healthz`);
    assertEquals(health.status, 200);
    await health.body?.cancel();
    await page.close();
  } finally {
    await stack.stop();
  }
});

Deno.test(`fuzz: ${RUNS} random and mutated messages on wss3 each get one well-formed reply`, async () => {
  const stack = await startStack({
    allowedOrigins: [ORIGIN],
    agentServer: { maxRecordedMessages: 4 * RUNS },
    agentEnv: { AGENT_HELPER_LOG_LEVEL: "error" },
  });
  try {
    const page = await connectWs2(stack.ws2Port, ORIGIN);
    const ags = stack.agentServer;
    await page.request("agentOpenConnect", {
      agentServerURI: ags.wss3Url,
      JWTToken: await ags.issueToken(USER),
      userID: USER,
      retryDelay: "1",
    });
    await page.waitFor(isState("active"));
    await ags.waitForMessage((m) => m.action === "agentHelperInfo");
    // closeRegistration is the one message with no reply: it would end the run, so mutants
    // that still read as one are left out (and counted).
    const texts = corpus("wss3", 0xf022_0003).filter((t) => {
      const read = parseInbound("wss3", t);
      return !(read.ok && read.message.action === "closeRegistration");
    });
    assert(texts.length > RUNS * 0.9, `${texts.length} texts left`);
    const before = ags.messages.filter((m) => m.direction === "in").length;
    for (const text of texts) ags.sendRaw(USER, text);
    const replies = await (async () => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const inbound = ags.messages.filter((m) => m.direction === "in").slice(before);
        if (inbound.length >= texts.length || Date.now() > deadline) return inbound;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    assertEquals(replies.length, texts.length, "one reply per message");
    const refused = replies.filter((r) => r.refused !== undefined);
    assertEquals(refused.map((r) => r.raw.slice(0, 200)), [], "every reply reads back");
    const outcomes = replies.map((r) => (r.message?.data as { result?: string })?.result);
    assert(outcomes.filter((o) => o === "success").length > 100, "some commands succeeded");
    assert(outcomes.filter((o) => o === "error").length > 1000, "many were refused");
    const sent = new Set(texts.map(transactionOf).filter((t) => t !== undefined));
    for (const r of replies) {
      const tx = r.message?.transaction;
      assert(tx === undefined || sent.has(tx), `reply with a transaction never sent: ${tx}`);
    }
    assertEquals(stack.agent.registration.status().state, "active");
    assertEquals(ags.helper(USER)?.connections, 1);
    await page.close();
  } finally {
    await stack.stop();
  }
});
