/**
 * The uploader against the real reference ScreenRecorder over loopback TLS: real spool files,
 * the agent's gRPC client against the recorder's grpc-js server, real restarts of the recorder.
 */
import { getLogger } from "@logtape/logtape";
import { createHash } from "node:crypto";
import { systemClock } from "../clock/clock.ts";
import { createTokenAuthority, generateTokenSecret } from "../platform/agent_server/jwt.ts";
import { makeTestPki } from "../platform/pki/test_pki.ts";
import { startScreenRecorder } from "../platform/screen_recorder/server.ts";
import { samplePartHeader } from "../testing/part_header.ts";
import { createSpool, type Spool } from "../spool/spool.ts";
import { assert, assertEquals } from "../testing/assert.ts";
import { createGrpcLink } from "./grpc_link.ts";
import { checkRecorderAddress } from "./recorder_address.ts";
import { createUploader, type Uploader } from "./uploader.ts";

const real = { sanitizeResources: false, sanitizeOps: false };
const log = getLogger(["test"]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const header = samplePartHeader;

function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, i + 65536));
  return b;
}

interface Rig {
  spool: Spool;
  uploader: Uploader;
  recorderPort: number;
  token: string;
  restartRecorder(): Promise<void>;
  stored(name: string): Promise<{ finished: boolean; sha256: string | null; committed: number }>;
  spoolDir: string;
}

async function withRig(body: (rig: Rig) => Promise<void>): Promise<void> {
  const pki = await makeTestPki({ hosts: ["localhost", "127.0.0.1"] });
  const dir = await Deno.makeTempDir({ prefix: "ah-upload-" });
  const secret = generateTokenSecret();
  const token = await createTokenAuthority({ clock: systemClock }, { secret }).issue("op-1");
  const recorderOptions = {
    storeDir: `${dir}/store`,
    tls: { certPem: pki.certPem, keyPem: pki.keyPem },
    tokenSecret: secret,
  };
  let recorder = await startScreenRecorder({}, recorderOptions);
  const port = recorder.grpcPort;
  const spool = createSpool({ log }, { directory: `${dir}/spool`, maxBytes: 1 << 30 });
  const uploader = createUploader({
    clock: systemClock,
    link: createGrpcLink({ caPem: pki.caPem, keepaliveMs: 2_000 }),
    log,
    random: Math.random,
    checkAddress: (a) => checkRecorderAddress(a, { hosts: [`localhost:${port}`], devMode: false }),
  }, { chunkBytes: 64 * 1024, windowBytes: 1 << 20, ackTimeoutMs: 5_000 });
  try {
    await body({
      spool,
      uploader,
      recorderPort: port,
      token,
      spoolDir: `${dir}/spool`,
      async restartRecorder() {
        await recorder.stop();
        recorder = await startScreenRecorder({}, { ...recorderOptions, grpcPort: port });
      },
      async stored(name) {
        const info = await recorder.store.get(name);
        return {
          finished: info?.finished ?? false,
          sha256: info?.sha256 ?? null,
          committed: info?.committed ?? 0,
        };
      },
    });
  } finally {
    await uploader.stop();
    await recorder.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

const target = (port: number) => ({
  recorder: `localhost:${port}`,
  tenantId: "t",
  operatorId: "op-1",
  sessionId: "s",
});

Deno.test({
  name:
    "uploader: a growing file streams while written, survives a recorder restart, and is forgotten once stored",
  ...real,
  async fn() {
    await withRig(
      async ({ spool, uploader, recorderPort, token, restartRecorder, stored, spoolDir }) => {
        const name = "seg.d0.p0.mp4";
        const entry = await spool.create(name, {
          header: header(name),
          target: target(recorderPort),
        });
        uploader.setCredential({ token, recorder: "" });
        uploader.add(entry, { live: true });
        const hash = createHash("sha256");
        for (let i = 0; i < 20; i++) {
          const chunk = randomBytes(100_000 + i * 1000);
          hash.update(chunk);
          await entry.append(chunk, 1_000 + i * 2_000);
          if (i === 10) await restartRecorder();
          await sleep(20);
        }
        const sha = hash.digest("hex");
        await entry.seal({}, sha);
        await uploader.drained();
        // Forgotten locally by the time drained() resolves: nothing of it is left on disk, so
        // an agent stopping now would not upload it again at its next start.
        assertEquals([...Deno.readDirSync(spoolDir)].filter((e) => e.isDirectory), []);
        const s = await stored(name);
        assertEquals([s.finished, s.sha256], [true, sha]);
        assertEquals(spool.usedBytes(), 0);
        assertEquals(uploader.status().files, 0);
      },
    );
  },
});

Deno.test({
  name:
    "uploader: what a previous run left is uploaded once a credential arrives; a refused token waits for another",
  ...real,
  async fn() {
    await withRig(async ({ spool, uploader, recorderPort, token, spoolDir, stored }) => {
      const name = "left.d0.p0.mp4";
      const first = await spool.create(name, {
        header: header(name),
        target: target(recorderPort),
      });
      const bytes = randomBytes(300_000);
      await first.append(bytes, 1_000); // then the agent "died": never sealed
      const again = createSpool({ log }, { directory: spoolDir, maxBytes: 1 << 30 });
      const [left] = await again.recover();
      assert(left);
      uploader.add(left);
      await sleep(300);
      assertEquals(uploader.status().states.waiting, 1); // no credential yet: nothing dialled
      uploader.setCredential({ token: "not-a-jwt", recorder: "" });
      for (let i = 0; i < 50 && uploader.status().states.blocked === 0; i++) await sleep(100);
      assertEquals(uploader.status().states.blocked, 1);
      uploader.setCredential({ token, recorder: "" });
      await uploader.drained();
      const s = await stored(name);
      assertEquals([s.finished, s.sha256], [
        true,
        createHash("sha256").update(bytes).digest("hex"),
      ]);
    });
  },
});
