/**
 * The live view inside a real reference AgentServer, over real TLS WebSockets: a fake helper
 * on wss3 answers startStream and sends real fMP4 as streamBlobs; viewers connect to
 * `/live/<userID>/<streamId>`.
 */
import { ffmpegPerFrameOutput } from "../../fmp4/ffmpeg_fixture.ts";
import { createFragmentReader, type FragmentEvent, type InitEvent } from "../../fmp4/mod.ts";
import { encodeStreamBlob } from "../../live/blob.ts";
import { assert, assertEquals, assertMatch, assertNotIncludes } from "../../testing/assert.ts";
import type { ReferenceAgentServer } from "../agent_server/server.ts";
import { connectHelper, sharedTestPki, withServer } from "../agent_server/test_support.ts";
import { openWsClient, type WsClient } from "../agent_server/test_ws_client.ts";
import { decodeFrame, FRAME_FRAGMENT, FRAME_INIT } from "./framing.ts";
import { LIVE_KEY_COOKIE } from "./service.ts";
import { startTcpProxy } from "../../testing/tcp_proxy.ts";

const USER = "op-live";
const STREAM = "view-7";

const media = (async () => {
  const events = createFragmentReader().push(await ffmpegPerFrameOutput());
  return { init: events[0] as InitEvent, fragments: events.slice(1) as FragmentEvent[] };
})();

/** Opens a viewer socket; `auth` picks how it proves the key. */
async function openViewer(
  server: ReferenceAgentServer,
  auth: { header?: string; query?: string; cookie?: string; origin?: string } = {
    header: server.consoleKey,
  },
  streamId = STREAM,
): Promise<{ client?: WsClient; status?: number }> {
  const headers: Record<string, string> = {};
  if (auth.header !== undefined) headers["x-console-key"] = auth.header;
  if (auth.cookie !== undefined) headers.cookie = `${LIVE_KEY_COOKIE}=${auth.cookie}`;
  if (auth.origin !== undefined) headers.origin = auth.origin;
  const query = auth.query === undefined ? "" : `?key=${encodeURIComponent(auth.query)}`;
  const opened = await openWsClient(`${server.liveViewSocketUrl(USER, streamId)}${query}`, {
    ca: (await sharedTestPki()).caPem,
    headers,
  });
  return opened.ok ? { client: opened.client } : { status: opened.status ?? 0 };
}

async function viewer(server: ReferenceAgentServer): Promise<WsClient> {
  const { client, status } = await openViewer(server);
  assert(client, `viewer refused: ${status}`);
  return client;
}

/** What a viewer got: "info" (the init's text), "init", "F<n>"/"K<n>", "waiting", "end:…". */
async function got(client: WsClient): Promise<string[]> {
  const { fragments } = await media;
  return client.received.items.map((m) => {
    if (m.binary === undefined) {
      const type = String((m.json as { type?: unknown } | undefined)?.type);
      if (type === "init") return "info";
      return type === "end" ? `end:${(m.json as { reason?: unknown }).reason}` : type;
    }
    const { header, payload } = decodeFrame(m.binary);
    if (header.kind === FRAME_INIT) return "init";
    assertEquals(header.kind, FRAME_FRAGMENT);
    const i = fragments.findIndex((f) =>
      f.bytes.length === payload.length && f.bytes.every((x, j) => x === payload[j])
    );
    return `${header.keyframe ? "K" : "F"}${i}`;
  });
}

async function waitFor(client: WsClient, n: number): Promise<void> {
  await client.received.waitFor(() => client.received.items.length >= n, 5000, `${n} messages`);
}

const answered = new Set<unknown>();

/** The helper's side: answers the oldest `action` not answered yet. */
async function answer(
  helper: WsClient,
  action: string,
  data: Record<string, unknown> = { result: "success" },
): Promise<Record<string, unknown>> {
  const request = await helper.received.waitFor(
    (m) => m.json?.action === action && !answered.has(m.json.transaction),
    5000,
    action,
  );
  const transaction = request.json?.transaction;
  answered.add(transaction);
  const replyAction = `result${action[0]!.toUpperCase()}${action.slice(1)}`;
  helper.send({ action: replyAction, version: "1.0", transaction, data });
  return request.json?.data as Record<string, unknown>;
}

async function startStream(server: ReferenceAgentServer, helper: WsClient) {
  const reply = server.startLiveView(USER, { streamId: STREAM, display: 1, frameRate: 5 });
  assertEquals(await answer(helper, "startStream"), { streamId: STREAM, display: 1, frameRate: 5 });
  return await reply;
}

Deno.test("live view: viewers get the init and the fragments; a late one from the keyframe; stop ends them", async () => {
  const { init, fragments } = await media;
  await withServer(async (server) => {
    const helper = await connectHelper(server, await server.issueToken(USER));
    assertEquals((await startStream(server, helper)).data, { result: "success" });
    assertEquals(server.liveStreams().map((s) => [s.streamId, s.state, s.display]), [
      [STREAM, "waiting", 1],
    ]);
    const a = await viewer(server);
    await waitFor(a, 1);
    let seq = 0;
    const blob = (bytes: Uint8Array, isInit = false) =>
      helper.send(encodeStreamBlob({ streamId: STREAM, seq: seq++, init: isInit, bytes }));
    blob(init.bytes, true);
    for (const f of fragments.slice(0, 6)) blob(f.bytes);
    await waitFor(a, 9);
    assertEquals(await got(a), ["waiting", "info", "init", "K0", "F1", "F2", "F3", "K4", "F5"]);
    const initFrame = decodeFrame(a.received.items[2]!.binary!);
    assertEquals([...initFrame.payload], [...init.bytes], "decoded bytes, not base64");
    const b = await viewer(server);
    await waitFor(b, 4);
    assertEquals(await got(b), ["info", "init", "K4", "F5"]);

    const [status] = server.liveStreams();
    assertEquals([status?.viewers, status?.blobs, status?.lastSeq], [2, 7, 6]);
    const consoleClient = Deno.createHttpClient({ caCerts: [(await sharedTestPki()).caPem] });
    const listed = await fetch(`${server.consoleUrl}/live`, {
      client: consoleClient,
      headers: { "x-console-key": server.consoleKey },
    });
    assertEquals((await listed.json()).streams[0].viewers, 2);
    consoleClient.close();
    assert((status?.lastKeyframeAgeMs ?? -1) >= 0);

    // The log keeps what each blob was, not its bytes.
    const logged = server.messages.filter((m) => m.action === "streamBlob");
    assertEquals(logged.length, 7);
    const first = logged[0]?.message?.data as Record<string, unknown>;
    assertEquals(first, {
      streamId: STREAM,
      seq: 0,
      init: true,
      payloadChars: 4 * Math.ceil(init.bytes.length / 3),
    });
    for (const m of logged) assert(m.raw.length < 200, m.raw);

    const stopped = server.stopLiveView(USER, STREAM);
    assertEquals(await answer(helper, "stopStream"), { streamId: STREAM });
    assertEquals((await stopped).data, { result: "success" });
    for (const v of [a, b]) {
      assertEquals(await v.closed, { code: 1000, reason: "stopped" });
      assertEquals((await got(v)).at(-1), "end:stopped");
    }
    assertEquals(server.liveStreams(), []);
    blob(fragments[6]!.bytes); // a straggler reaches nobody
    await helper.close(1000);
  });
});

Deno.test("live view: viewers need the console key: header, query, or this origin's page cookie", async () => {
  await withServer(async (server) => {
    const helper = await connectHelper(server, await server.issueToken(USER));
    await startStream(server, helper);
    const key = server.consoleKey;
    const origin = new URL(server.consoleUrl).origin;
    assertEquals((await openViewer(server, {})).status, 401);
    assertEquals((await openViewer(server, { header: "wrong" })).status, 401);
    assertEquals((await openViewer(server, { query: "wrong" })).status, 401);
    assertEquals((await openViewer(server, { cookie: key })).status, 401, "no Origin");
    assertEquals(
      (await openViewer(server, { cookie: key, origin: "https://evil.example" })).status,
      401,
    );
    assertEquals((await openViewer(server, { header: key }, "other")).status, 404);
    for (const auth of [{ header: key }, { query: key }, { cookie: key, origin }]) {
      const { client, status } = await openViewer(server, auth);
      assert(client, `${JSON.stringify(Object.keys(auth))}: ${status}`);
      await client.close(1000);
    }

    const client = Deno.createHttpClient({ caCerts: [(await sharedTestPki()).caPem] });
    try {
      const page = server.liveViewPageUrl(USER, STREAM);
      assertMatch(page, /^https:\/\/localhost:\d+\/live-view\?user=op-live&stream=view-7&key=/);
      const bare = new URL(page);
      bare.searchParams.delete("key");
      const refused = await fetch(bare, { client });
      assertEquals(refused.status, 401);
      await refused.body?.cancel();
      const ok = await fetch(page, { client });
      assertEquals(ok.status, 200);
      assertMatch(ok.headers.get("content-security-policy") ?? "", /script-src 'self'/);
      assertEquals(
        ok.headers.get("set-cookie"),
        `${LIVE_KEY_COOKIE}=${key}; Path=/live/; HttpOnly; Secure; SameSite=Strict`,
      );
      assertNotIncludes(await ok.text(), key);
      const withCookie = await fetch(bare, {
        client,
        headers: { cookie: `${LIVE_KEY_COOKIE}=${key}` },
      });
      assertEquals(withCookie.status, 200);
      await withCookie.body?.cancel();
      const assets: [string, string][] = [
        ["/live-view.js", "text/javascript"],
        ["/live-view.css", "text/css"],
        ["/live-view.svg", "image/svg+xml"],
      ];
      for (const [path, type] of assets) {
        const asset = await fetch(new URL(path, page), { client });
        assertEquals(asset.status, 200);
        assert(asset.headers.get("content-type")?.startsWith(type), path);
        await asset.body?.cancel();
      }
      const missing = await fetch(new URL("/live-view.map", page), { client });
      assertEquals(missing.status, 404);
      await missing.body?.cancel();
    } finally {
      client.close();
    }
    await helper.close(1000);
  });
});

Deno.test("live view: a failed startStream, a dropped helper and a stopping server end the viewers", async () => {
  await withServer(async (server) => {
    const helper = await connectHelper(server, await server.issueToken(USER));
    const reply = server.startLiveView(USER, { streamId: STREAM, display: 1, frameRate: 5 });
    await helper.waitForAction("startStream");
    const early = await viewer(server); // the stream exists while the reply is awaited
    await answer(helper, "startStream", { result: "error", resultDesc: "displayNotFound" });
    assertEquals((await reply).data, { result: "error", resultDesc: "displayNotFound" });
    assertEquals(await early.closed, { code: 1000, reason: "startFailed" });
    assertEquals(server.liveStreams(), []);

    await startStream(server, helper);
    const dropped = await viewer(server);
    server.drop(USER);
    assertEquals(await dropped.closed, { code: 1000, reason: "helperDisconnected" });
    assertEquals(server.liveStreams(), []);

    const again = await connectHelper(server, await server.issueToken(USER));
    await startStream(server, again);
    const last = await viewer(server);
    await server.stop();
    assertEquals(await last.closed, { code: 1001, reason: "serverStopping" });
  });
});

Deno.test("live view: a viewer that stops reading is skipped, bounded, then dropped; the other plays on", async () => {
  const { init, fragments } = await media;
  const highWater = 128 * 1024;
  await withServer(async (server) => {
    const helper = await connectHelper(server, await server.issueToken(USER));
    await startStream(server, helper);
    // The stuck viewer's bytes go through a proxy that turns into a black hole.
    const proxy = await startTcpProxy({ target: { hostname: "127.0.0.1", port: server.port } });
    try {
      const url = server.liveViewSocketUrl(USER, STREAM).replace(
        `:${server.port}/`,
        `:${proxy.port}/`,
      );
      const opened = await openWsClient(url, {
        ca: (await sharedTestPki()).caPem,
        headers: { "x-console-key": server.consoleKey },
      });
      assert(opened.ok);
      const stuck = opened.client;
      const reader = await viewer(server);
      proxy.hold();
      let seq = 0;
      const blob = (bytes: Uint8Array, isInit = false) =>
        helper.send(encodeStreamBlob({ streamId: STREAM, seq: seq++, init: isInit, bytes }));
      blob(init.bytes, true);
      let largestBuffered = 0;
      let sent = 0;
      for (let round = 0; round < 3000; round++) {
        // A few fragments at a time, well under the mark, as a real stream comes.
        for (let i = 0; i < 4; i++) blob(fragments[sent++ % fragments.length]!.bytes);
        // Paced by the reader: the next round goes once AgentServer has taken this one and
        // the reader's socket has sent it on (so the reader alone never reaches the mark).
        for (let wait = 0; wait < 1000; wait++) {
          await new Promise((resolve) => setTimeout(resolve, 2));
          const status = server.liveStreams()[0];
          const reading = status?.viewerDetails.find((v) => v.id === 2);
          if (status?.blobs === 1 + sent && reading?.bufferedAmount === 0) break;
        }
        const [status] = server.liveStreams();
        largestBuffered = Math.max(largestBuffered, status?.viewerDetails[0]?.bufferedAmount ?? 0);
        if (status?.viewers === 1) break;
      }
      const [status] = server.liveStreams();
      assertEquals(status?.viewers, 1, "the stuck viewer was dropped");
      const largestFrame = Math.max(...fragments.map((f) => f.bytes.length)) + 32;
      assert(largestBuffered > highWater / 2, `its socket's buffer filled: ${largestBuffered}`);
      assert(
        largestBuffered <= highWater + largestFrame,
        `${largestBuffered} bytes held for it, more than the mark and a frame`,
      );
      // The reader got every fragment meanwhile.
      assertEquals(status?.viewerDetails[0]?.id, 2);
      assertEquals(status?.viewerDetails[0]?.skippedFragments, 0);
      await reader.received.waitFor(
        () => reader.received.items.length === 2 + 1 + sent,
        5000,
        "every fragment",
      );
      proxy.release();
      assertEquals((await stuck.closed).code, 4008);
      await helper.close(1000);
    } finally {
      await proxy.close();
    }
  }, { liveView: { viewerHighWaterBytes: highWater, slowViewerTimeoutMs: 300 } });
});
