/** The HTTP side against a real recorder: listing filters, playback with ranges. */
import { assert, assertEquals } from "../../testing/assert.ts";
import { rawRequest } from "../../testing/raw_http.ts";
import type { RecordingHeader } from "./header.ts";
import type { RecordingListing } from "./http_app.ts";
import type { RecordingStore, RecordingSummary } from "./store.ts";
import { startTestRecorder } from "./test_recorder.ts";
import { patternBytes, sampleHeader, sha256 } from "./test_support.ts";

/** Stores `data` under `header`, finished with `summary` when one is given. */
async function put(
  store: RecordingStore,
  header: RecordingHeader,
  data: Uint8Array,
  summary?: RecordingSummary,
) {
  const opened = await store.openWriter(header, { onCommitted: () => {}, onClosed: () => {} });
  assert(opened.kind === "open");
  await opened.writer.write(0, data);
  if (summary !== undefined) {
    await opened.writer.finish(data.length, sha256(data), summary);
    return;
  }
  await opened.writer.flush();
  await opened.writer.release();
}

Deno.test("http: the listing carries the metadata and filters by operator, ids and time", async () => {
  const t = await startTestRecorder();
  try {
    const base = `http://127.0.0.1:${t.recorder.httpPort}`;
    const store = t.recorder.store;
    await put(store, sampleHeader({ fileName: "a.mp4", startedAtUnixMs: 1000 }), patternBytes(10));
    await put(
      store,
      sampleHeader({ fileName: "b.mp4", operatorId: "op-2", startedAtUnixMs: 2000 }),
      patternBytes(20),
    );
    const summary: RecordingSummary = {
      frames: 45,
      durationMs: 3000,
      endedAtUnixMs: 6000,
      incompleteReason: "agent stopped",
    };
    await put(
      store,
      sampleHeader({
        fileName: "c.mp4",
        segmentId: "seg-2",
        interactionId: "int-2",
        startedAtUnixMs: 3000,
      }),
      patternBytes(30),
      summary,
    );
    const names = async (query: string) => {
      const res = await fetch(`${base}/api/recordings${query}`);
      assertEquals(res.status, 200);
      return ((await res.json()) as RecordingListing[]).map((r) => r.fileName);
    };
    assertEquals(await names(""), ["a.mp4", "b.mp4", "c.mp4"]);
    assertEquals(await names("?operator=op-2"), ["b.mp4"]);
    assertEquals(await names("?interaction=int-2"), ["c.mp4"]);
    assertEquals(await names("?segment=seg-1"), ["a.mp4", "b.mp4"]);
    assertEquals(await names("?from=2000"), ["b.mp4", "c.mp4"]);
    assertEquals(await names("?to=2000"), ["a.mp4", "b.mp4"]);
    assertEquals(await names("?from=1500&to=2500&operator=op-2"), ["b.mp4"]);
    assertEquals(await names("?operator=nobody"), []);
    const res = await fetch(`${base}/api/recordings?operator=op-2`);
    const [b] = (await res.json()) as RecordingListing[];
    assertEquals(b?.header.operatorId, "op-2");
    assertEquals(b?.header.display?.width, 1920);
    assertEquals([b?.committed, b?.finished, b?.size, b?.sha256], [20, false, null, null]);
    assertEquals(b?.summary, null, "no summary before the Finish");
    assertEquals(typeof b?.createdAt, "number");
    assertEquals(b?.url, "/recordings/b.mp4");
    const c = await (await fetch(`${base}/api/recordings?segment=seg-2`)).json();
    assertEquals([c[0]?.finished, c[0]?.size, c[0]?.summary], [true, 30, summary]);
    const bad = await fetch(`${base}/api/recordings?from=yesterday`);
    assertEquals(bad.status, 400);
    await bad.body?.cancel();
  } finally {
    await t.dispose();
  }
});

Deno.test("http: recordings play with ranges (206, 416, HEAD) and unknown ones are 404", async () => {
  const t = await startTestRecorder();
  try {
    const base = `http://127.0.0.1:${t.recorder.httpPort}/recordings`;
    const data = patternBytes(1_000_000);
    await put(t.recorder.store, sampleHeader({ fileName: "r.mp4" }), data);

    const full = await fetch(`${base}/r.mp4`);
    assertEquals(full.status, 200);
    assertEquals(full.headers.get("content-type"), "video/mp4");
    assertEquals(full.headers.get("accept-ranges"), "bytes");
    assertEquals(new Uint8Array(await full.arrayBuffer()), data);

    const part = await fetch(`${base}/r.mp4`, { headers: { Range: "bytes=1000-1999" } });
    assertEquals(part.status, 206);
    assertEquals(part.headers.get("content-range"), "bytes 1000-1999/1000000");
    assertEquals(part.headers.get("content-length"), "1000");
    assertEquals(new Uint8Array(await part.arrayBuffer()), data.subarray(1000, 2000));

    const tail = await fetch(`${base}/r.mp4`, { headers: { Range: "bytes=-16" } });
    assertEquals(tail.status, 206);
    assertEquals(new Uint8Array(await tail.arrayBuffer()), data.subarray(data.length - 16));

    const beyond = await fetch(`${base}/r.mp4`, { headers: { Range: "bytes=1000000-" } });
    assertEquals(beyond.status, 416);
    assertEquals(beyond.headers.get("content-range"), "bytes */1000000");
    await beyond.body?.cancel();

    const head = await fetch(`${base}/r.mp4`, { method: "HEAD" });
    assertEquals(head.status, 200);
    assertEquals(head.headers.get("content-length"), "1000000");
    assertEquals((await head.arrayBuffer()).byteLength, 0);

    const headPart = await fetch(`${base}/r.mp4`, {
      method: "HEAD",
      headers: { Range: "bytes=0-0" },
    });
    assertEquals(headPart.status, 206);
    assertEquals(headPart.headers.get("content-range"), "bytes 0-0/1000000");
    await headPart.body?.cancel();

    // ("/recordings/.." would be normalised by fetch to "/", the page.)
    for (const unknown of ["nope.mp4", "..%2Fstate", "a%2Fb"]) {
      const res = await fetch(`${base}/${unknown}`);
      assertEquals(res.status, 404, unknown);
      await res.body?.cancel();
    }
  } finally {
    await t.dispose();
  }
});

Deno.test("http: bound to loopback, only loopback host names are served (no DNS rebinding)", async () => {
  const t = await startTestRecorder();
  try {
    const port = t.recorder.httpPort;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, "LOCALHOST"]) {
      const ok = await rawRequest(
        port,
        `GET /api/recordings HTTP/1.1\nHost: ${host}\nConnection: close`,
      );
      assertEquals(ok.status, 200, host);
    }
    for (const host of [`evil.example.com:${port}`, "127.0.0.1.evil.example.com", ""]) {
      const r = await rawRequest(
        port,
        `GET /api/recordings HTTP/1.1\nHost: ${host}\nConnection: close`,
      );
      assertEquals(r.status, 403, host);
      assertEquals(r.body, "forbidden host\n");
    }
  } finally {
    await t.dispose();
  }
});
