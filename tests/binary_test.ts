/**
 * The release binary, black-box (issue 9): built by `deno task build` for this machine, unpacked,
 * then `version`, `doctor`, the health endpoints of `run`, and one short recording uploaded to
 * the reference ScreenRecorder. It needs the Deno runtime `deno compile` embeds (denort): from
 * DENORT_BIN, or downloaded by deno compile. Where neither can be had (no DENORT_BIN, and
 * dl.deno.land does not resolve), the test is skipped and its name says why.
 * `AGENT_HELPER_BINARY` runs these checks against an executable built elsewhere.
 */
import {
  startAgentProcess,
  startRecordingWhenReady,
  storedWhenUploaded,
} from "../src/testing/agent_process.ts";
import { assert, assertEquals, assertMatch } from "../src/testing/assert.ts";
import { freePort } from "../src/testing/free_port.ts";
import { runCommand } from "../src/testing/run_command.ts";
import { startXvfb } from "../src/testing/xvfb.ts";

const ROOT = new URL("../", import.meta.url).pathname;

async function runtimeAvailable(): Promise<string | null> {
  if (Deno.env.get("AGENT_HELPER_BINARY") || Deno.env.get("DENORT_BIN")) return null;
  try {
    await Deno.resolveDns("dl.deno.land", "A");
    return null;
  } catch {
    return "no Deno runtime (denort) to compile with: DENORT_BIN is unset and dl.deno.land " +
      "does not resolve here";
  }
}

const missing = await runtimeAvailable();

async function binary(dir: string): Promise<string> {
  const given = Deno.env.get("AGENT_HELPER_BINARY");
  if (given) return given;
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/build/build.ts", "--target", "linux-x86_64", "--out", dir],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
  return `${dir}/linux-x86_64/agent-helper`;
}

const run = runCommand;

Deno.test({
  name: `binary: version, doctor, health and a recording from the compiled agent${
    missing ? ` (skipped: ${missing})` : ""
  }`,
  ignore: missing !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "ah-binary-" });
    const xvfb = await startXvfb(["1280x720", "800x600"]);
    try {
      const exe = await binary(dir);
      const version = await run(exe, ["version", "--json"]);
      assertEquals(version.code, 0, version.stderr);
      const pkg = JSON.parse(await Deno.readTextFile(`${ROOT}package.json`));
      assertEquals(JSON.parse(version.stdout).version, pkg.version);
      const doctor = await run(exe, ["doctor", "--json"], { DISPLAY: xvfb.display });
      assert(Array.isArray(JSON.parse(doctor.stdout)), doctor.stdout + doctor.stderr);
      const demo = await run(exe, ["demo"]);
      assertEquals(demo.code, 2, "the release binary leaves the demo out, and says so");
      assertMatch(demo.stderr, /scripts\/run\.sh demo/);

      // `run`: health on loopback, then a clean stop on SIGTERM.
      const [ws2Port, httpPort] = [freePort(), freePort()];
      const child = new Deno.Command(exe, {
        args: ["run"],
        env: {
          PATH: Deno.env.get("PATH") ?? "",
          HOME: dir,
          DISPLAY: xvfb.display,
          AGENT_HELPER_WS2_PORT: String(ws2Port),
          AGENT_HELPER_HTTP_PORT: String(httpPort),
          AGENT_HELPER_LOG_DIRECTORY: `${dir}/logs`,
          AGENT_HELPER_SPOOL_DIRECTORY: `${dir}/spool`,
        },
        clearEnv: true,
        stdout: "null",
        stderr: "null",
      }).spawn();
      try {
        let ready: Response | null = null;
        for (let i = 0; i < 100 && ready?.status !== 200; i++) {
          await ready?.body?.cancel();
          await new Promise((r) => setTimeout(r, 200));
          ready = await fetch(`http://127.0.0.1:${httpPort}/readyz`).catch(() => null);
        }
        assertEquals(ready?.status, 200, await ready?.text());
        const health = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
        assertEquals([health.status, (await health.text()).trim()], [200, "ok"]);
      } finally {
        child.kill("SIGTERM");
      }
      assertEquals((await child.status).code, 0, "SIGTERM stops it cleanly");

      const agent = await startAgentProcess({ display: xvfb.display, executable: exe });
      try {
        await startRecordingWhenReady(agent, { segmentId: "bin" });
        await new Promise((r) => setTimeout(r, 4_000));
        assertEquals((await agent.command("stopScreenRecord", {})).result, "success");
        const stored = await storedWhenUploaded(agent, 2);
        assertEquals(stored.map((r) => r.fileName).sort(), ["bin.d0.p0.mp4", "bin.d1.p0.mp4"]);
        assert(stored.every((r) => (r.summary?.frames ?? 0) > 0));
      } finally {
        await agent.stop();
      }
    } finally {
      await xvfb.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
