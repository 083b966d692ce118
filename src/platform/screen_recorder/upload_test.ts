/**
 * The Upload service end to end: a real grpc-js client over loopback TLS, a real recorder with
 * its filesystem store in a temporary directory.
 */
import { join } from "node:path";
import { Metadata, status } from "@grpc/grpc-js";
import { FakeClock } from "../../clock/fake_clock.ts";
import { MAX_CHUNK_BYTES } from "../../grpc/screen_recorder_service.ts";
import type { UploadResponse } from "../../proto/agenthelper/screenrecorder/v1/screen_recorder_pb.ts";
import {
  assert,
  assertEquals,
  assertNotIncludes,
  assertStringIncludes,
} from "../../testing/assert.ts";
import { createTokenAuthority } from "../agent_server/jwt.ts";
import { toHex } from "../../util/hex.ts";
import type { RecordingListing } from "./http_app.ts";
import type { FinishSummary, UploadStream } from "./test_client.ts";
import { startTestRecorder, type TestRecorder } from "./test_recorder.ts";
import {
  eventually,
  patternBytes,
  sampleHeader,
  sampleProtoHeader,
  sha256,
} from "./test_support.ts";

const CHUNK = 256 * 1024;
const NAME = sampleHeader().fileName;
/** A complete part's Finish fields (an empty incomplete_reason: stored as null). */
const SUMMARY = {
  frames: 1800,
  durationMs: 120_000,
  endedAtUnixMs: 1_790_000_120_000,
  incompleteReason: "",
};

async function sendRange(s: UploadStream, data: Uint8Array, from: number, to: number) {
  for (let off = from; off < to; off += CHUNK) {
    await s.chunk(off, data.subarray(off, Math.min(to, off + CHUNK)));
  }
}

async function withRecorder(fn: (t: TestRecorder) => Promise<void>): Promise<void> {
  const t = await startTestRecorder();
  try {
    await fn(t);
  } finally {
    await t.dispose();
  }
}

function finishedOf(replies: UploadResponse[]): { totalSize: bigint; sha256: Uint8Array } {
  for (const r of replies) if (r.kind.case === "finished") return r.kind.value;
  throw new Error(`no Finished among ${replies.map((r) => r.kind.case).join(", ")}`);
}

Deno.test("upload: chunks then finish store the exact bytes and answer Finished", async () => {
  await withRecorder(async (t) => {
    const data = patternBytes(3 * 1024 * 1024 + 12345);
    const s = t.client.upload(await t.authority.issue("op-1"));
    await s.header(sampleProtoHeader());
    assertEquals(await s.ackAtLeast(0), 0);
    await sendRange(s, data, 0, data.length);
    await s.finish(data.length, sha256(data), SUMMARY);
    const replies = await s.rest();
    const acks = replies.flatMap((r) =>
      r.kind.case === "ack" ? [Number(r.kind.value.committedOffset)] : []
    );
    assertEquals([...acks].sort((a, b) => a - b), acks, "acks only move forward");
    const fin = finishedOf(replies);
    assertEquals(fin.totalSize, BigInt(data.length));
    assertEquals(toHex(fin.sha256), toHex(sha256(data)));
    assertEquals((await s.status).code, status.OK);
    assertEquals(await Deno.readFile(join(t.dir, "data", NAME)), data);
    const info = await t.recorder.store.get(NAME);
    assertEquals([info?.finished, info?.size, info?.sha256], [
      true,
      data.length,
      toHex(sha256(data)),
    ]);
    assertEquals(info?.summary, { ...SUMMARY, incompleteReason: null });
    // A finished file answers its Header with Finished and ends the call.
    const again = t.client.upload(await t.authority.issue("op-1"));
    await again.header(sampleProtoHeader());
    assertEquals(finishedOf(await again.rest()).totalSize, BigInt(data.length));
    assertEquals((await again.status).code, status.OK);
  });
});

Deno.test("upload: resent committed chunks are acknowledged again, never stored twice", async () => {
  await withRecorder(async (t) => {
    const data = patternBytes(2 * 1024 * 1024);
    const half = data.length / 2;
    const first = t.client.upload(await t.authority.issue("op-1"));
    await first.header(sampleProtoHeader());
    await first.ackAtLeast(0);
    await sendRange(first, data, 0, half);
    assertEquals(await first.ackAtLeast(half), half);
    first.cancel();
    await first.status;
    // A reconnecting agent that lost track resends from 0: the recorder re-acks and skips.
    const second = t.client.upload(await t.authority.issue("op-1"));
    await second.header(sampleProtoHeader());
    assertEquals(
      await second.ackAtLeast(0),
      half,
      "the Header is answered with the committed offset",
    );
    await sendRange(second, data, 0, half);
    assertEquals(await second.ackAtLeast(half), half, "held chunks are re-acknowledged");
    // An overlapping chunk: only its tail is new.
    await second.chunk(half - 100, data.subarray(half - 100, half + 1000));
    await sendRange(second, data, half + 1000, data.length);
    await second.finish(data.length, sha256(data));
    assertEquals(finishedOf(await second.rest()).totalSize, BigInt(data.length));
    assertEquals((await second.status).code, status.OK);
    assertEquals(await Deno.readFile(join(t.dir, "data", NAME)), data);
    // A Finish without the summary fields: everything unknown, the part complete.
    assertEquals((await t.recorder.store.get(NAME))?.summary, {
      frames: 0,
      durationMs: 0,
      endedAtUnixMs: 0,
      incompleteReason: null,
    });
  });
});

Deno.test("upload: the Finish summary is listed over HTTP, an incomplete reason too, after a restart", async () => {
  let t = await startTestRecorder();
  try {
    const token = await t.authority.issue("op-1");
    const upload = async (fileName: string, startedAtUnixMs: number, summary: FinishSummary) => {
      const data = patternBytes(70_000, startedAtUnixMs);
      const s = t.client.upload(token);
      await s.header(sampleProtoHeader({ fileName, startedAtUnixMs }));
      await s.chunk(0, data);
      await s.finish(data.length, sha256(data), summary);
      finishedOf(await s.rest());
      assertEquals((await s.status).code, status.OK);
    };
    await upload("whole.mp4", 1000, SUMMARY);
    await upload("cut.mp4", 2000, {
      frames: 41,
      durationMs: 2733,
      endedAtUnixMs: 1_790_000_002_733n,
      incompleteReason: "encoder output unreadable",
    });
    t = await t.restart();
    const res = await fetch(`http://127.0.0.1:${t.recorder.httpPort}/api/recordings`);
    assertEquals(res.status, 200);
    const listed = (await res.json()) as RecordingListing[];
    assertEquals(listed.map((r) => [r.fileName, r.finished, r.summary]), [
      ["whole.mp4", true, { ...SUMMARY, incompleteReason: null }],
      ["cut.mp4", true, {
        frames: 41,
        durationMs: 2733,
        endedAtUnixMs: 1_790_000_002_733,
        incompleteReason: "encoder output unreadable",
      }],
    ]);
  } finally {
    await t.dispose();
  }
});

Deno.test("upload: a Finish summary beyond 2^53 is INVALID_ARGUMENT and finishes nothing", async () => {
  await withRecorder(async (t) => {
    const data = patternBytes(1000);
    const s = t.client.upload(await t.authority.issue("op-1"));
    await s.header(sampleProtoHeader());
    await s.chunk(0, data);
    await s.finish(data.length, sha256(data), { frames: 1n << 60n });
    const st = await s.status;
    assertEquals([st.code, st.details], [status.INVALID_ARGUMENT, "frames is too large"]);
    const info = await t.recorder.store.get(NAME);
    assertEquals([info?.finished, info?.summary], [false, null]);
  });
});

Deno.test("upload: a chunk beyond the end is INVALID_ARGUMENT naming the expected offset", async () => {
  await withRecorder(async (t) => {
    const s = t.client.upload(await t.authority.issue("op-1"));
    await s.header(sampleProtoHeader());
    await s.chunk(0, patternBytes(1000));
    await s.chunk(2000, patternBytes(1000));
    const st = await s.status;
    assertEquals(st.code, status.INVALID_ARGUMENT);
    assertEquals(st.details, "expected offset 1000");
    // The bytes before the hole are kept (committed when the writer was given back).
    await eventually(
      async () => (await t.recorder.store.get(NAME))?.committed === 1000,
      "the first chunk committed",
    );
  });
});

Deno.test("upload: malformed streams are INVALID_ARGUMENT", async () => {
  await withRecorder(async (t) => {
    const token = await t.authority.issue("op-1");
    const noHeader = t.client.upload(token);
    await noHeader.chunk(0, patternBytes(10));
    const st1 = await noHeader.status;
    assertEquals([st1.code, st1.details], [
      status.INVALID_ARGUMENT,
      "the first message must be a header",
    ]);

    const big = t.client.upload(token);
    await big.header(sampleProtoHeader());
    await big.chunk(0, patternBytes(MAX_CHUNK_BYTES + 1));
    const st2 = await big.status;
    assertEquals(st2.code, status.INVALID_ARGUMENT);
    assertStringIncludes(st2.details, "larger than");

    const badName = t.client.upload(token);
    await badName.header(sampleProtoHeader({ fileName: "../x.mp4" }));
    assertEquals((await badName.status).code, status.INVALID_ARGUMENT);
    assertEquals((await t.recorder.store.list()).map((i) => i.fileName), [NAME]);
  });
});

Deno.test("upload: a wrong SHA-256 is DATA_LOSS and the object is kept, marked failed", async () => {
  await withRecorder(async (t) => {
    const data = patternBytes(500_000);
    const s = t.client.upload(await t.authority.issue("op-1"));
    await s.header(sampleProtoHeader());
    await sendRange(s, data, 0, data.length);
    const wrong = sha256(data);
    wrong[0] = (wrong[0] ?? 0) ^ 1;
    await s.finish(data.length, wrong);
    assertEquals((await s.status).code, status.DATA_LOSS);
    const info = await t.recorder.store.get(NAME);
    assertEquals([info?.finished, info?.committed], [false, data.length]);
    assertStringIncludes(info?.failure ?? "", "sha256");
    // A wrong size is DATA_LOSS as well.
    const s2 = t.client.upload(await t.authority.issue("op-1"));
    await s2.header(sampleProtoHeader());
    await s2.finish(data.length + 1, sha256(data));
    assertEquals((await s2.status).code, status.DATA_LOSS);
    assertEquals(await Deno.readFile(join(t.dir, "data", NAME)), data, "the bytes are kept");
  });
});

Deno.test("upload: missing, malformed, forged and expired credentials are UNAUTHENTICATED", async () => {
  await withRecorder(async (t) => {
    const forged = createTokenAuthority({ clock: new FakeClock(Date.now()) }); // another secret
    const expired = createTokenAuthority({ clock: new FakeClock(Date.now() - 7_200_000) }, {
      secret: t.secret,
    });
    const tokens = [await forged.issue("op-1"), await expired.issue("op-1"), "not-a-jwt"];
    const basic = new Metadata();
    basic.set("authorization", "Basic b3AtMTpwdw==");
    const cases: Array<[string, UploadStream]> = [
      ["missing", t.client.upload()],
      ["forged", t.client.upload(tokens[0])],
      ["expired", t.client.upload(tokens[1])],
      ["garbage", t.client.upload(tokens[2])],
      ["basic", t.client.uploadWithMetadata(basic)],
    ];
    for (const [, s] of cases) await s.header(sampleProtoHeader());
    for (const [what, s] of cases) {
      const st = await s.status;
      assertEquals(st.code, status.UNAUTHENTICATED, what);
      for (const tok of tokens) assertNotIncludes(st.details, tok);
    }
    assertEquals((await cases[2]![1].status).details, "credential expired");
    assertEquals(await t.recorder.store.list(), []);
  });
});

Deno.test("upload: a token of another operator is PERMISSION_DENIED", async () => {
  await withRecorder(async (t) => {
    const s = t.client.upload(await t.authority.issue("op-2"));
    await s.header(sampleProtoHeader({ operatorId: "op-1" }));
    assertEquals((await s.status).code, status.PERMISSION_DENIED);
    assertEquals(await t.recorder.store.list(), []);
  });
});

Deno.test("upload: a Header conflicting with the stored one is INVALID_ARGUMENT naming the field", async () => {
  await withRecorder(async (t) => {
    const token = await t.authority.issue("op-1");
    const s = t.client.upload(token);
    await s.header(sampleProtoHeader());
    await s.ackAtLeast(0);
    s.end();
    assertEquals((await s.status).code, status.OK);
    const other = t.client.upload(token);
    await other.header(sampleProtoHeader({ segmentId: "seg-other" }));
    const st = await other.status;
    assertEquals(st.code, status.INVALID_ARGUMENT);
    assertStringIncludes(st.details, "segment_id");
  });
});

Deno.test("upload: a second stream for the same file supersedes the first (ABORTED)", async () => {
  await withRecorder(async (t) => {
    const data = patternBytes(1024 * 1024 + 77);
    const token = await t.authority.issue("op-1");
    const older = t.client.upload(token);
    await older.header(sampleProtoHeader());
    await older.ackAtLeast(0);
    await sendRange(older, data, 0, CHUNK * 2);
    await older.ackAtLeast(CHUNK * 2);
    // The agent reconnects while the server still holds the old stream.
    const newer = t.client.upload(token);
    await newer.header(sampleProtoHeader());
    assertEquals((await older.status).code, status.ABORTED);
    const resumeAt = await newer.ackAtLeast(0);
    assertEquals(resumeAt, CHUNK * 2);
    await sendRange(newer, data, resumeAt, data.length);
    await newer.finish(data.length, sha256(data));
    assertEquals(finishedOf(await newer.rest()).totalSize, BigInt(data.length));
    assertEquals((await newer.status).code, status.OK);
    assertEquals(await Deno.readFile(join(t.dir, "data", NAME)), data);
  });
});

Deno.test("upload: a restarted recorder keeps committed bytes and drops an uncommitted tail", async () => {
  let t = await startTestRecorder();
  try {
    const data = patternBytes(1_500_000);
    const s = t.client.upload(await t.authority.issue("op-1"));
    await s.header(sampleProtoHeader());
    await sendRange(s, data, 0, 600_000);
    assertEquals(await s.ackAtLeast(600_000), 600_000);
    const grpcPort = t.recorder.grpcPort;
    const dataPath = join(t.dir, "data", NAME);
    t = await t.restart(async () => {
      // Bytes written after the last commit, as a crash would leave them.
      await Deno.writeFile(dataPath, patternBytes(5000, 9), { append: true });
    });
    assert((await s.status).code !== status.OK, "the old call ended with an error");
    assertEquals(t.recorder.grpcPort, grpcPort, "same port after the restart");
    assertEquals((await Deno.stat(dataPath)).size, 600_000, "the uncommitted tail is gone");
    const again = t.client.upload(await t.authority.issue("op-1"));
    await again.header(sampleProtoHeader());
    const resumeAt = await again.ackAtLeast(0);
    assertEquals(resumeAt, 600_000);
    await sendRange(again, data, resumeAt, data.length);
    await again.finish(data.length, sha256(data));
    assertEquals(finishedOf(await again.rest()).totalSize, BigInt(data.length));
    assertEquals(await Deno.readFile(dataPath), data);
  } finally {
    await t.dispose();
  }
});

Deno.test("upload: a full disk is RESOURCE_EXHAUSTED", async () => {
  let t = await startTestRecorder();
  try {
    const s = t.client.upload(await t.authority.issue("op-1"));
    await s.header(sampleProtoHeader());
    await s.ackAtLeast(0);
    s.end();
    await s.status;
    // Writes to /dev/full fail with ENOSPC: a real "disk full" from the kernel.
    const dataPath = join(t.dir, "data", NAME);
    t = await t.restart(async () => {
      await Deno.remove(dataPath);
      await Deno.symlink("/dev/full", dataPath);
    });
    const again = t.client.upload(await t.authority.issue("op-1"));
    await again.header(sampleProtoHeader());
    assertEquals(await again.ackAtLeast(0), 0);
    await again.chunk(0, patternBytes(1000));
    const st = await again.status;
    assertEquals(st.code, status.RESOURCE_EXHAUSTED);
    assertEquals((await t.recorder.store.get(NAME))?.committed, 0);
    await Deno.remove(dataPath);
  } finally {
    await t.dispose();
  }
});
