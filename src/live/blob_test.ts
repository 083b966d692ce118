import { getEntry, parseInbound, ProtocolWriteError } from "../protocol/catalog.ts";
import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import { prng } from "../testing/fuzz.ts";
import {
  base64,
  base64Length,
  chunkedBase64,
  DEFAULT_MAX_MESSAGE_BYTES,
  encodeStreamBlob,
  maxPayloadBytes,
  streamBlobMessage,
  streamBlobSize,
  StreamBlobTooLarge,
} from "./blob.ts";
import { buildLivePlan, liveMaxFrameBytes } from "./live_args.ts";

function randomBytes(n: number, seed: number): Uint8Array {
  const random = prng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
}

Deno.test("live blob: base64, native and chunked, agree with the standard", () => {
  for (const n of [0, 1, 2, 3, 4, 5, 6, 100, 24 * 1024 - 1, 24 * 1024, 24 * 1024 + 1, 200_003]) {
    const bytes = randomBytes(n, n + 1);
    const expected = bytes.toBase64();
    assertEquals(base64(bytes), expected, `${n} bytes`);
    assertEquals(chunkedBase64(bytes), expected, `${n} bytes, chunked`);
    assertEquals(chunkedBase64(bytes, 3), expected, `${n} bytes, 3 at a time`);
    assertEquals(base64Length(n), expected.length);
    assertEquals(Uint8Array.fromBase64(expected), bytes);
  }
  // A view into a larger buffer encodes only its own bytes.
  const whole = randomBytes(100, 7);
  assertEquals(chunkedBase64(whole.subarray(10, 20)), whole.subarray(10, 20).toBase64());
  for (const bad of [0, 4, -3, 1.5]) assertThrows(() => chunkedBase64(whole, bad), RangeError);
});

Deno.test("live blob: the message validates against the catalog and decodes back to the bytes", () => {
  const bytes = randomBytes(5000, 3);
  const fragment = streamBlobMessage({ streamId: "live-7", seq: 12, init: false, bytes });
  assertEquals(fragment.action, "streamBlob");
  assertEquals(fragment.version, "1.0");
  assertEquals(Object.keys(fragment.data), ["payload", "streamId", "seq"], "no init: false");
  const init = streamBlobMessage({ streamId: "live-7", seq: 0, init: true, bytes });
  assertEquals(init.data.init, true);

  const writer = getEntry("wss3", "streamBlob").writer;
  for (const message of [fragment, init]) assert(writer.safeParse(message).success);

  // The text (its payload spliced into a message written with an empty one) is that message.
  const text = encodeStreamBlob({ streamId: "live-7", seq: 12, init: false, bytes });
  assertEquals(JSON.parse(text), fragment);
  assert(writer.safeParse(JSON.parse(text)).success);
  const initText = encodeStreamBlob({ streamId: "live-7", seq: 0, init: true, bytes });
  assertEquals(JSON.parse(initText), init);
  assertEquals(
    JSON.parse(encodeStreamBlob({ streamId: "e", seq: 1, init: false, bytes: new Uint8Array(0) }))
      .data.payload,
    "",
  );
  // AgentServer's side reads it (the reference server parses with the same catalog).
  const read = parseInbound("wss3", text, "agentServer");
  assert(read.ok && read.message.action === "streamBlob", JSON.stringify(read));
  assertEquals(read.message.data.seq, 12);
  assertEquals(read.message.data.streamId, "live-7");
  assertEquals(Uint8Array.fromBase64(read.message.data.payload), bytes);

  // The writer still guards the fields that do not come from the bytes.
  assertThrows(
    () => encodeStreamBlob({ streamId: "../x", seq: 0, init: true, bytes }),
    ProtocolWriteError,
  );
  assertThrows(
    () => encodeStreamBlob({ streamId: "s", seq: -1, init: false, bytes }),
    ProtocolWriteError,
  );
});

Deno.test("live blob: sizes are known before encoding, and a blob over the cap is refused", () => {
  for (const [n, seq, init] of [[0, 0, true], [1, 9, false], [999, 12345, false]] as const) {
    const bytes = randomBytes(n, n);
    const blob = { streamId: "s-1", seq, init, bytes };
    assertEquals(streamBlobSize(blob, n), encodeStreamBlob(blob).length, `${n} bytes`);
  }

  const cap = 10_000;
  const streamId = "live-stream-0001";
  const max = maxPayloadBytes(streamId, cap);
  assertEquals(max % 3, 0);
  // The largest payload fits even with the largest seq, and 3 bytes more do not.
  const worst = { streamId, seq: Number.MAX_SAFE_INTEGER, init: true };
  assert(encodeStreamBlob({ ...worst, bytes: new Uint8Array(max) }, cap).length <= cap);
  const e = assertThrows(
    () => encodeStreamBlob({ ...worst, bytes: new Uint8Array(max + 3) }, cap),
    StreamBlobTooLarge,
    `exceeds the ${cap}-byte message cap`,
  ) as StreamBlobTooLarge;
  assertEquals([e.maxMessageBytes, e.messageBytes > cap, e.retryable], [cap, true, false]);
  assertEquals(maxPayloadBytes(streamId, 10), 0, "a cap below the envelope carries nothing");

  // With the agent's 1 MiB cap: about 786 kB of fMP4 per message.
  const agent = maxPayloadBytes("a".repeat(128));
  assert(agent > 786_000 && agent <= DEFAULT_MAX_MESSAGE_BYTES * 3 / 4, String(agent));
});

Deno.test("live blob: the live encoder's largest frame fits one message", () => {
  const plan = buildLivePlan({
    backend: "x11grab",
    area: { x: 0, y: 0, width: 3840, height: 2160, capture: { kind: "x11", display: ":0" } },
    drawCursor: true,
  });
  const frame = liveMaxFrameBytes(plan);
  assertEquals(frame, 375_000);
  // A fragment is the frame plus its moof and mdat headers (~100 bytes for one sample).
  assert(frame !== undefined && frame + 1000 < maxPayloadBytes("a".repeat(128)));
});
