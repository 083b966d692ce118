import { assertEquals } from "../testing/assert.ts";
import {
  backoffDelay,
  classifyBreak,
  DEFAULT_UPLOAD_MACHINE,
  GrpcCode,
  step,
  type UploadEvent,
  type UploadState,
} from "./machine.ts";

function run(events: UploadEvent[], from: UploadState = { kind: "waiting" }) {
  let state = from;
  const effects: string[] = [];
  for (const e of events) {
    const next = step(state, e);
    state = next.state;
    effects.push(...next.effects.map((x) => x.type + ("from" in x ? `@${x.from}` : "")));
  }
  return { state, effects };
}

Deno.test("upload machine: header answered, acks trim, Finished removes", () => {
  const r = run([
    { type: "ready" },
    { type: "opened", committed: 100 },
    { type: "acked", committed: 300 },
    { type: "acked", committed: 200 }, // stale: ignored
    { type: "finished" },
  ]);
  assertEquals(r.effects, ["open", "commit", "pump@100", "commit", "close", "remove"]);
  assertEquals(r.state, { kind: "done" });
});

Deno.test("upload machine: a transport break backs off, grows, and resets after progress", () => {
  const broken = { type: "broken", code: GrpcCode.unavailable, message: "x" } as const;
  let r = run([{ type: "ready" }, broken, { type: "retryTimer" }, broken]);
  assertEquals(r.state, { kind: "backoff", attempt: 2 });
  r = run([{ type: "retryTimer" }, { type: "opened", committed: 5 }], r.state);
  assertEquals(r.state, { kind: "streaming", attempt: 2, committed: 5 });
  r = run([{ type: "acked", committed: 9 }, broken], r.state);
  assertEquals(r.state, { kind: "backoff", attempt: 1 });
  const s = step({ kind: "streaming", attempt: 0, committed: 0 }, broken);
  assertEquals(s.effects.find((e) => e.type === "schedule"), { type: "schedule", ms: 250 });
});

Deno.test("upload machine: credential refusals wait for a new credential; refusals of the file stop", () => {
  let r = run([{ type: "ready" }, {
    type: "broken",
    code: GrpcCode.unauthenticated,
    message: "expired",
  }]);
  assertEquals(r.state.kind, "blocked");
  r = run([{ type: "retryTimer" }], r.state);
  assertEquals(r.state.kind, "blocked");
  r = run([{ type: "credentialChanged" }], r.state);
  assertEquals(r.effects, ["open"]);
  r = run([{ type: "broken", code: GrpcCode.dataLoss, message: "sha" }], r.state);
  assertEquals(r.state, { kind: "failed", reason: "code 15: sha" });
  assertEquals(run([{ type: "ready" }, { type: "credentialChanged" }], r.state).effects, []);
});

Deno.test("upload machine: stop closes a live call and waits; events after done are ignored", () => {
  assertEquals(run([{ type: "ready" }, { type: "stop" }]).effects, ["open", "close"]);
  assertEquals(run([{ type: "stop" }], { kind: "backoff", attempt: 1 }).state, {
    kind: "waiting",
  });
  assertEquals(run([{ type: "ready" }], { kind: "done" }).effects, []);
});

Deno.test("upload machine: every gRPC code is classified; backoff is jittered within bounds", () => {
  assertEquals(classifyBreak(GrpcCode.unavailable), "retry");
  assertEquals(classifyBreak(GrpcCode.resourceExhausted), "retry");
  assertEquals(classifyBreak(GrpcCode.aborted), "retry");
  assertEquals(classifyBreak(GrpcCode.deadlineExceeded), "retry");
  assertEquals(classifyBreak(GrpcCode.permissionDenied), "credential");
  assertEquals(classifyBreak(GrpcCode.invalidArgument), "permanent");
  assertEquals(classifyBreak(GrpcCode.failedPrecondition), "permanent");
  assertEquals(backoffDelay(DEFAULT_UPLOAD_MACHINE, 1, 0), 200);
  assertEquals(backoffDelay(DEFAULT_UPLOAD_MACHINE, 1, 0.999_999), 300);
  assertEquals(backoffDelay(DEFAULT_UPLOAD_MACHINE, 99, 0.5), 30_000);
});
