/**
 * Where a part goes and on whose behalf, as the upload path decides it from the registration
 * and the recording commands. No recorder is on the allow-list here, so nothing is dialled:
 * what is checked is what the spool records for each part.
 */
import { getLogger } from "@logtape/logtape";
import { systemClock } from "../clock/clock.ts";
import type { Target } from "../registration/machine.ts";
import { assertEquals } from "../testing/assert.ts";
import { samplePartHeader } from "../testing/part_header.ts";
import { createUploadPath } from "./upload_path.ts";

const target = (userID: string, screenServer?: string): Target => ({
  userID,
  url: "wss://ags.example.com/wss3",
  token: `token-of-${userID}`,
  retryDelayMs: 1000,
  tenantId: "tenant-1",
  sessionId: `session-of-${userID}`,
  ...(screenServer === undefined ? {} : { screenServer }),
});

Deno.test("upload path: parts go where the registration or the last command said, for its operator", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ah-upload-path-" });
  const path = createUploadPath({ clock: systemClock, random: Math.random, log: getLogger("t") }, {
    spoolDirectory: dir,
    maxBytes: 1 << 30,
    screenRecorderHosts: ["rec.example.com"],
    devMode: false,
    caPem: null,
    keepaliveMs: 10_000,
  });
  try {
    const meta = async (name: string) => {
      const writer = await path.sink.open(samplePartHeader(name));
      await writer.abort("test");
      const text = await Deno.readTextFile(`${dir}/upload/${name}/meta.json`);
      return JSON.parse(text).target;
    };
    assertEquals(await path.resume(), 0, "an empty spool");
    path.setTarget(target("op-1", "rec.example.com"));
    const first = {
      recorder: "rec.example.com",
      tenantId: "tenant-1",
      operatorId: "op-1",
      sessionId: "session-of-op-1",
    };
    assertEquals(await meta("a.d0.p0.mp4"), first);
    // After a logout the last registration still owns what is recorded and uploaded.
    path.setTarget(null);
    assertEquals(await meta("b.d0.p0.mp4"), first);
    path.setScreenServer("rec.example.com:8443");
    assertEquals((await meta("c.d0.p0.mp4")).recorder, "rec.example.com:8443");
    // Another operator: their own registration's recorder, not the previous command's.
    path.setTarget(target("op-2"));
    assertEquals(await meta("d.d0.p0.mp4"), {
      recorder: "",
      tenantId: "tenant-1",
      operatorId: "op-2",
      sessionId: "session-of-op-2",
    });
    assertEquals(path.checkAddress("rec.example.com").ok, true);
    assertEquals(path.checkAddress("other.example.com").ok, false);
  } finally {
    await path.stop(0);
  }
  // A new run finds every part left in the spool.
  const again = createUploadPath({ clock: systemClock, random: Math.random, log: getLogger("t") }, {
    spoolDirectory: dir,
    maxBytes: 1 << 30,
    screenRecorderHosts: [],
    devMode: false,
    caPem: null,
    keepaliveMs: 10_000,
  });
  try {
    assertEquals(await again.resume(), 4);
  } finally {
    await again.stop(0);
    await Deno.remove(dir, { recursive: true });
  }
});
