/**
 * Random mutations of valid messages through parseInbound: it never throws, it answers every
 * input with a message or a refusal that says something, a refusal's reply can always be
 * written, and the token never leaks. Seeded, so a failure replays.
 */
import { assert, assertNotIncludes } from "../testing/assert.ts";
import { type Channel, FAILURE_KINDS, failureReply, parseInbound, type Party } from "./catalog.ts";
import { allSamples, SAMPLE_JWT } from "./samples.ts";
import { fuzzer, type Json, prng } from "../testing/fuzz.ts";

const RUNS = 2_000;
const SEED = 0x5eed_2024;

Deno.test(`parseInbound survives ${RUNS} random mutations of valid messages`, () => {
  const random = prng(SEED);
  const f = fuzzer(random);
  const samples = allSamples();
  const counts = { ok: 0, refused: 0 };
  for (let run = 0; run < RUNS; run++) {
    const { entry, message } = f.pick(samples);
    let value: Json = structuredClone(message) as Json;
    for (let i = 0, n = 1 + f.int(3); i < n; i++) value = f.mutateValue(value);
    let text = JSON.stringify(value);
    if (f.int(4) === 0) text = f.mutateText(text);
    // Mostly the receiver of the sample; sometimes the wrong one, or the wrong channel.
    const channel: Channel = f.int(10) === 0 ? f.pick(["ws2", "wss3", "platform"]) : entry.channel;
    const receiver: Party = f.int(10) === 0 ? f.pick(["helper", "jsSdk", "agentServer"]) : entry.to;

    let result;
    try {
      result = parseInbound(channel, text, receiver);
    } catch (e) {
      throw new Error(`run ${run} threw on ${text.slice(0, 200)}: ${e}`);
    }
    if (result.ok) {
      counts.ok++;
      assert(result.message.version === "1.0", `run ${run}`);
      assert(result.entry.channel === channel && result.entry.to === receiver, `run ${run}`);
      continue;
    }
    counts.refused++;
    assert(FAILURE_KINDS.includes(result.kind), `run ${run}: kind ${result.kind}`);
    assert(typeof result.reason === "string" && result.reason.trim().length > 0, `run ${run}`);
    for (const part of SAMPLE_JWT.split(".")) assertNotIncludes(result.reason, part, `run ${run}`);
    if (channel !== "platform") {
      // The helper's answer to any refusal can be written (the writer would throw if not).
      const reply = failureReply(channel, result);
      assert(reply.version === "1.0", `run ${run}`);
    }
  }
  // Both outcomes were exercised, not just one.
  assert(counts.ok > 100 && counts.refused > 500, JSON.stringify(counts));
});
