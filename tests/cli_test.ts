/**
 * The CLI as an administrator meets it: the real `main.ts` in a child process, real files,
 * real ports, real signals.
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotIncludes,
  assertStringIncludes,
} from "../src/testing/assert.ts";
import { CANARY_JWT } from "../src/testing/canary.ts";
import { runMain } from "../src/testing/run_command.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

const cli = runMain;

async function tempConfig(config: unknown): Promise<{ dir: string; path: string }> {
  const dir = await Deno.makeTempDir({ prefix: "ah-cli-" });
  const path = `${dir}/config.json`;
  await Deno.writeTextFile(path, typeof config === "string" ? config : JSON.stringify(config));
  return { dir, path };
}

Deno.test("cli: --help for every command, version, and usage errors exit 2", async () => {
  for (
    const args of [["--help"], ["run", "--help"], ["demo", "-h"], ["doctor", "--help"], [
      "config",
      "--help",
    ], ["help", "version"]]
  ) {
    const r = await cli(args);
    assertEquals(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    assertStringIncludes(r.stdout, "Usage: agent-helper");
  }
  const v = await cli(["version", "--json"]);
  assertEquals(v.code, 0);
  assertMatch(JSON.parse(v.stdout).product, /^AgentHelper \d+\.\d+\.\d+/);
  for (
    const args of [["bogus"], ["run", "--json"], ["config"], ["config", "frobnicate"], [
      "version",
      "extra",
    ], ["--nope"]]
  ) {
    const r = await cli(args);
    assertEquals(r.code, 2, `${args.join(" ")} should be a usage error`);
    assertStringIncludes(r.stderr, "agent-helper --help");
  }
});

Deno.test("cli: config check lists every problem and exits 3; a good config exits 0", async () => {
  const bad = await tempConfig({
    ws2: { port: -1 },
    log: { level: "chatty" },
    capture: { frameRate: 0 },
  });
  try {
    const r = await cli(["config", "check", "--config", bad.path], { AGENT_HELPER_HTTP_PORT: "x" });
    assertEquals(r.code, 3);
    assertStringIncludes(r.stderr, "(4 problems)");
    for (const where of ["ws2.port", "log.level", "capture.frameRate", "AGENT_HELPER_HTTP_PORT"]) {
      assertStringIncludes(r.stderr, where);
    }
    const syntax = await tempConfig("{ not json");
    const s = await cli(["config", "check", "--config", syntax.path]);
    assertEquals(s.code, 3);
    assertStringIncludes(s.stderr, "expected valid JSON");
    await Deno.remove(syntax.dir, { recursive: true });
    const missing = await cli(["config", "check", "--config", `${bad.dir}/none.json`]);
    assertEquals(missing.code, 3);
    assertStringIncludes(missing.stderr, "no such file");
    const good = await tempConfig({ ws2: { allowedOrigins: ["https://workplace.example.com"] } });
    const g = await cli(["config", "check"], {
      AGENT_HELPER_CONFIG: good.path,
      AGENT_HELPER_LOG_LEVEL: "debug",
    });
    assertEquals(g.code, 0, g.stderr);
    assertStringIncludes(g.stdout, `config OK: ${good.path}; environment: AGENT_HELPER_LOG_LEVEL`);
    await Deno.remove(good.dir, { recursive: true });
  } finally {
    await Deno.remove(bad.dir, { recursive: true });
  }
});

Deno.test("cli: config print shows the effective config with directories resolved", async () => {
  const c = await tempConfig({ log: { directory: "logs" } });
  try {
    const r = await cli(["config", "print", "--config", c.path], {
      AGENT_HELPER_CAPTURE_FRAME_RATE: "10",
    });
    assertEquals(r.code, 0, r.stderr);
    const printed = JSON.parse(r.stdout);
    assertEquals(printed.capture.frameRate, 10);
    assertEquals(printed.log.directory, `${c.dir}/logs`);
  } finally {
    await Deno.remove(c.dir, { recursive: true });
  }
});

Deno.test("cli: run serves health on loopback, logs to its directory, stops on SIGTERM", async () => {
  const c = await tempConfig({
    http: { port: 0 },
    ws2: { port: 0 },
    log: { directory: "logs", level: "debug" },
    spool: { directory: "spool" },
  });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "run", "--config", c.path],
    env: { NO_COLOR: "1", AGENT_HELPER_SERVERS_CA_BUNDLE: "", TOKEN_FOR_TEST: CANARY_JWT },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let stderr = "";
  try {
    let port = 0;
    while (port === 0) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`agent exited early:\n${stderr}`);
      stderr += value;
      port = Number(/Health and metrics on http:\/\/127\.0\.0\.1:(\d+)\//.exec(stderr)?.[1] ?? 0);
    }
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assertEquals(await health.text(), "ok\n");
    let ready: Response;
    for (;;) {
      ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      const body = await ready.json();
      if (!body.checks.some((ch: { detail: string }) => ch.detail === "probing")) break;
    }
    assertEquals(ready.status, 200);
    const status = await (await fetch(`http://127.0.0.1:${port}/status`)).json();
    assertEquals(status.registration.state, "idle");
    child.kill("SIGTERM");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      stderr += value;
    }
    const result = await child.status;
    assertEquals(result.code, 0, stderr);
    assertStringIncludes(stderr, "SIGTERM: stopping");
    const files = [...Deno.readDirSync(`${c.dir}/logs`)].map((e) => e.name);
    assertEquals(files.length, 1);
    const log = await Deno.readTextFile(`${c.dir}/logs/${files[0]}`);
    assertStringIncludes(log, "AgentHelper stopping");
    assertNotIncludes(log, CANARY_JWT);
    assert(await Deno.stat(`${c.dir}/spool`).then((s) => s.isDirectory));
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
    await child.stdout.cancel().catch(() => {});
    await Deno.remove(c.dir, { recursive: true });
  }
});

Deno.test("cli: a taken port exits 5 with the reason", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const c = await tempConfig({
    http: { port: (listener.addr as Deno.NetAddr).port },
    log: { directory: "logs", console: false },
    spool: { directory: "spool" },
  });
  try {
    const r = await cli(["run", "--config", c.path]);
    assertEquals(r.code, 5, r.stderr);
    assertStringIncludes(r.stderr, "is taken");
  } finally {
    listener.close();
    await Deno.remove(c.dir, { recursive: true });
  }
});

Deno.test("cli: a missing servers.caBundle exits 5 naming the file", async () => {
  const c = await tempConfig({
    ws2: { port: 0 },
    http: { port: 0 },
    servers: { caBundle: "/nonexistent/agent-helper-ca.pem" },
    log: { directory: "logs", console: false },
    spool: { directory: "spool" },
  });
  try {
    const r = await cli(["run", "--config", c.path]);
    assertEquals(r.code, 5, r.stderr);
    assertStringIncludes(
      r.stderr,
      "servers.caBundle /nonexistent/agent-helper-ca.pem does not exist",
    );
  } finally {
    await Deno.remove(c.dir, { recursive: true });
  }
});

Deno.test("cli: doctor prints a verdict per line with fixes, exit 4 on FAIL", async () => {
  const c = await tempConfig({
    ffmpeg: { path: "/nonexistent/ffmpeg" },
    log: { directory: "logs" },
    spool: { directory: "spool" },
  });
  try {
    const r = await cli(["doctor", "--config", c.path, "--json"], {
      DISPLAY: "",
      XDG_CONFIG_HOME: c.dir, // no systemd unit of the developer's own
    });
    assertEquals(r.code, 4, r.stderr);
    const findings = JSON.parse(r.stdout) as {
      verdict: string;
      topic: string;
      detail: string;
      fix?: string;
    }[];
    const ffmpeg = findings.find((f) => f.topic === "ffmpeg");
    assertEquals(ffmpeg?.verdict, "FAIL");
    assertStringIncludes(ffmpeg?.fix ?? "", "ffmpeg.path");
    assert(findings.filter((f) => f.verdict !== "OK").every((f) => (f.fix ?? "") !== ""));
    assertEquals(findings.find((f) => f.topic === "log directory")?.verdict, "OK");
    const recorder = findings.find((f) => f.detail.includes("servers.screenRecorderHosts"));
    assertEquals(recorder?.verdict, "WARN");
    assertStringIncludes(recorder?.detail ?? "", "uploads will be refused");
    assertEquals(findings.find((f) => f.topic === "spool")?.verdict, "OK");
    const service = findings.find((f) => f.topic === "service");
    assertEquals(service?.verdict, "WARN");
    assertStringIncludes(service?.fix ?? "", "agent-helper install-service");
  } finally {
    await Deno.remove(c.dir, { recursive: true });
  }
});

Deno.test("cli: doctor captures a frame of a real X display (Xvfb)", async () => {
  const { startXvfb } = await import("../src/testing/xvfb.ts");
  const x = await startXvfb("1024x768");
  const c = await tempConfig({
    log: { directory: "logs" },
    spool: { directory: "spool" },
    ws2: { port: 0 },
    http: { port: 0 },
  });
  try {
    const r = await cli(["doctor", "--config", c.path], {
      DISPLAY: x.display,
      XDG_CONFIG_HOME: c.dir,
    });
    assertMatch(
      r.stdout,
      new RegExp(`OK\\s+display\\s+captured one frame of ${x.display}, 1024x768`),
    );
    assertMatch(r.stdout, /OK\s+monitors\s+1: 1024x768 \(primary\) at 0,0/);
    assertMatch(r.stdout, /OK\s+H\.264\s+recordings use /);
    assertEquals(r.code, 0, r.stdout);
  } finally {
    await x.stop();
    await Deno.remove(c.dir, { recursive: true });
  }
});

Deno.test("cli: doctor dials the configured servers: TLS verified with the CA bundle, or refused", async () => {
  const { makeTestPki } = await import("../src/platform/pki/test_pki.ts");
  const pki = await makeTestPki({ hosts: ["127.0.0.1"], validDays: 60 });
  const server = Deno.listenTls({
    hostname: "127.0.0.1",
    port: 0,
    cert: pki.certPem,
    key: pki.keyPem,
    alpnProtocols: ["h2"],
  });
  const conns: Deno.TlsConn[] = [];
  const accepting = (async () => {
    for await (const conn of server) {
      conns.push(conn);
      conn.handshake().catch(() => {});
    }
  })();
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = (closed.addr as Deno.NetAddr).port;
  closed.close();
  const port = (server.addr as Deno.NetAddr).port;
  const c = await tempConfig({
    ffmpeg: { path: "/nonexistent/ffmpeg" },
    log: { directory: "logs" },
    spool: { directory: "spool" },
    servers: {
      agentServerHosts: [`127.0.0.1:${closedPort}`],
      screenRecorderHosts: [`127.0.0.1:${port}`],
      caBundle: "ca.pem",
    },
  });
  await Deno.writeTextFile(`${c.dir}/ca.pem`, pki.caPem);
  try {
    const r = await cli(["doctor", "--config", c.path], { DISPLAY: "", XDG_CONFIG_HOME: c.dir });
    assertEquals(r.code, 4, r.stdout);
    assertMatch(r.stdout, /OK\s+CA bundle\s+\S+ca\.pem: 1 certificate\(s\), earliest expiry /);
    assertMatch(
      r.stdout,
      new RegExp(
        `OK\\s+ScreenRecorder\\s+127\\.0\\.0\\.1:${port}: TLS verified; CN=127\\.0\\.0\\.1, issued by CN=AgentHelper Test CA, valid until \\S+; ALPN h2`,
      ),
    );
    assertMatch(
      r.stdout,
      new RegExp(`FAIL\\s+AgentServer\\s+127\\.0\\.0\\.1:${closedPort}: connection refused`),
    );
  } finally {
    server.close();
    for (const conn of conns) {
      try {
        conn.close();
      } catch { /* closed already */ }
    }
    await accepting.catch(() => {});
    await Deno.remove(c.dir, { recursive: true });
  }
});
