/**
 * The ScreenRecorder proto: buf lint passes and `src/proto/` is what `deno task gen:proto`
 * generates (scripts/gen_proto.ts --check, which CI also runs through `gen:check`); and the
 * generated code round-trips an upload's messages.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  UploadRequestSchema,
  UploadResponseSchema,
} from "../src/proto/agenthelper/screenrecorder/v1/screen_recorder_pb.ts";
import { assert, assertEquals } from "../src/testing/assert.ts";

Deno.test("proto: lints clean and the generated code has not drifted", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "scripts/gen_proto.ts", "--check"],
    cwd: new URL("../", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, text);
  assert(text.includes("is up to date"), text);
});

Deno.test("proto: a header, a chunk and an ack survive encoding", () => {
  const header = create(UploadRequestSchema, {
    kind: {
      case: "header",
      value: {
        fileName: "seg.d0.p0.mp4",
        segmentId: "seg",
        workItemIds: ["w1", "w2"],
        display: { index: 0, name: "DP-1", x: -1920, y: 0, width: 1920, height: 1080 },
        startedAtUnixMs: 1_790_000_000_123n,
      },
    },
  });
  const back = fromBinary(UploadRequestSchema, toBinary(UploadRequestSchema, header));
  assert(back.kind.case === "header");
  assertEquals(back.kind.value.display?.x, -1920);
  assertEquals(back.kind.value.workItemIds, ["w1", "w2"]);
  assertEquals(back.kind.value.startedAtUnixMs, 1_790_000_000_123n);
  const chunk = create(UploadRequestSchema, {
    kind: { case: "chunk", value: { offset: 5_000_000_000n, data: new Uint8Array([1, 2, 3]) } },
  });
  const c = fromBinary(UploadRequestSchema, toBinary(UploadRequestSchema, chunk));
  assert(c.kind.case === "chunk");
  assertEquals(c.kind.value.offset, 5_000_000_000n);
  assertEquals([...c.kind.value.data], [1, 2, 3]);
  const ack = create(UploadResponseSchema, {
    kind: { case: "ack", value: { committedOffset: 42n } },
  });
  const a = fromBinary(UploadResponseSchema, toBinary(UploadResponseSchema, ack));
  assertEquals(a.kind.case === "ack" ? a.kind.value.committedOffset : -1n, 42n);
});
