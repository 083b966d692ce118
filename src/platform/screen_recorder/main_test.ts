/**
 * The process entry: flag parsing, and a real crash — upload half a file, SIGKILL the
 * recorder, start it again on the same ports and directory, resume from the committed offset.
 */
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { systemClock } from "../../clock/clock.ts";
import { assert, assertEquals, assertThrows } from "../../testing/assert.ts";
import { createTokenAuthority, generateTokenSecret } from "../agent_server/jwt.ts";
import { toHex } from "../../util/hex.ts";
import { parseFlags, UsageError } from "./main.ts";
import { type RecorderProcess, spawnRecorderProcess } from "../workplace/platform_recorder.ts";
import { RecorderClient } from "./test_client.ts";
import { testPki } from "./test_recorder.ts";
import { patternBytes, sampleHeader, sampleProtoHeader, sha256 } from "./test_support.ts";

Deno.test("main flags: parsed, and refused when incomplete or contradictory", () => {
  const f = parseFlags([
    "--store",
    "/tmp/x",
    "--grpc-port=5000",
    "--http-port",
    "5001",
    "--cert",
    "c.pem",
    "--key",
    "k.pem",
    "--token-secret-hex",
    "00ff",
  ]);
  assertEquals([f.store, f.grpcPort, f.httpPort, f.host], ["/tmp/x", 5000, 5001, "127.0.0.1"]);
  assertEquals(f.tls, { certFile: "c.pem", keyFile: "k.pem" });
  assertEquals([...f.tokenSecret], [0, 255]);
  assertEquals(
    parseFlags(["--store", "d", "--token-secret-hex", "01", "--insecure"]).tls,
    "insecure",
  );
  const bad = [
    ["--store", "d", "--token-secret-hex", "01"], // neither TLS nor --insecure
    ["--store", "d", "--token-secret-hex", "01", "--insecure", "--cert", "c"],
    ["--store", "d", "--token-secret-hex", "0g", "--insecure"],
    ["--store", "d", "--token-secret-hex", "01", "--insecure", "--grpc-port", "70000"],
    ["--token-secret-hex", "01", "--insecure"],
    ["--store", "d", "--token-secret-hex", "01", "--insecure", "--bogus", "1"],
  ];
  for (const args of bad) assertThrows(() => parseFlags(args), UsageError, undefined);
});

type Proc = RecorderProcess;
const spawnRecorder = spawnRecorderProcess;

Deno.test("main: SIGKILL mid-upload, restart on the same ports, resume, byte-identical", async () => {
  const pki = await testPki();
  const dir = await Deno.makeTempDir({ prefix: "screenrec-main-" });
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  await Deno.writeTextFile(certFile, pki.certPem);
  await Deno.writeTextFile(keyFile, pki.keyPem);
  const secret = generateTokenSecret();
  const authority = createTokenAuthority({ clock: systemClock }, { secret });
  const store = join(dir, "store");
  const common = ["--store", store, "--cert", certFile, "--key", keyFile];
  common.push("--token-secret-hex", toHex(secret));
  const data = patternBytes(4 * 1024 * 1024 + 999);
  const chunk = 512 * 1024;
  let proc: Proc | undefined;
  try {
    proc = await spawnRecorder(common);
    const ports = [proc.grpcPort, proc.httpPort];
    let client = new RecorderClient({ port: proc.grpcPort, ca: pki.caPem });
    const first = client.upload(await authority.issue("op-1"));
    await first.header(sampleProtoHeader());
    await first.ackAtLeast(0);
    const half = 2 * 1024 * 1024;
    for (let off = 0; off < half; off += chunk) {
      await first.chunk(off, data.subarray(off, off + chunk));
    }
    const acked = await first.ackAtLeast(half);
    // An HTTP connection too, so both ports have connections when the process dies.
    const head = await fetch(
      `http://127.0.0.1:${proc.httpPort}/recordings/${sampleHeader().fileName}`,
      {
        method: "HEAD",
      },
    );
    await head.body?.cancel();
    assertEquals(head.status, 200);

    proc.child.kill("SIGKILL");
    const exit = await proc.child.status;
    assertEquals(exit.signal, "SIGKILL");
    assert((await first.status).code !== status.OK, "the stream died with the process");
    client.close();

    // Same ports at once: the listeners must rebind although the old sockets linger.
    proc = await spawnRecorder([
      ...common,
      "--grpc-port",
      String(ports[0]),
      "--http-port",
      String(ports[1]),
    ]);
    assertEquals([proc.grpcPort, proc.httpPort], ports);
    client = new RecorderClient({ port: proc.grpcPort, ca: pki.caPem });
    const second = client.upload(await authority.issue("op-1"));
    await second.header(sampleProtoHeader());
    const resumeAt = await second.ackAtLeast(0);
    assert(resumeAt >= acked, `resumed at ${resumeAt}, acknowledged ${acked} before the crash`);
    for (let off = resumeAt; off < data.length; off += chunk) {
      await second.chunk(off, data.subarray(off, Math.min(data.length, off + chunk)));
    }
    await second.finish(data.length, sha256(data));
    const replies = await second.rest();
    assert(replies.some((r) => r.kind.case === "finished"), "Finished");
    assertEquals((await second.status).code, status.OK);
    client.close();

    const res = await fetch(
      `http://127.0.0.1:${proc.httpPort}/recordings/${sampleHeader().fileName}`,
    );
    assertEquals(new Uint8Array(await res.arrayBuffer()), data);

    proc.child.kill("SIGTERM");
    assertEquals((await proc.child.status).code, 0, "SIGTERM stops it cleanly");
    proc = undefined;
  } finally {
    if (proc !== undefined) {
      try {
        proc.child.kill("SIGKILL");
      } catch {
        // already gone
      }
      await proc.child.status;
    }
    await Deno.remove(dir, { recursive: true });
  }
});
