/** The three commands end to end in-process: a fake system, a fake service host. */
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotIncludes,
  assertStringIncludes,
} from "../testing/assert.ts";
import { CANARY_JWT } from "../testing/canary.ts";
import type { OsName } from "../config/paths.ts";
import {
  type ServiceCommand,
  serviceCommand,
  type ServiceOptions,
  type ServiceSystem,
} from "./commands.ts";
import { FakeHost, type FakeReply } from "./fake_host.ts";

const UNIT = "/home/op/.config/systemd/user/agent-helper.service";
const PROGRAM = "/opt/ah/agent-helper";

interface World {
  env?: Record<string, string>;
  files?: Record<string, string>;
  execPath?: string;
  projectRoot?: string | null;
  /** Ports something listens on: an agent (its healthz answers) or another program. */
  busy?: Record<number, "agent" | "other">;
  replies?: Record<string, FakeReply>;
  os?: OsName;
}

function world(w: World = {}) {
  const out = { stdout: "", stderr: "" };
  const busy = w.busy ?? {};
  const sys: ServiceSystem = {
    platform: { os: w.os ?? "linux", homeDir: "/home/op", env: w.env ?? {} },
    cwd: "/work",
    execPath: w.execPath ?? PROGRAM,
    projectRoot: w.projectRoot ?? null,
    readTextFile: (p) => w.files?.[p],
    portFree: (port) => busy[port] === undefined,
    httpGet: (url) => {
      const port = Number(/:(\d+)\//.exec(url)?.[1]);
      return Promise.resolve(busy[port] === "agent" ? { status: 200, body: "ok\n" } : null);
    },
    writeStdout: (t) => void (out.stdout += t),
    writeStderr: (t) => void (out.stderr += t),
  };
  const host = new FakeHost({
    "systemctl --user show-environment": {
      code: 1,
      stderr: "Failed to connect to bus: No medium found",
    },
    ...w.replies,
  });
  host.files.set(PROGRAM, "binary");
  const run = async (command: ServiceCommand, options: ServiceOptions = {}) => {
    out.stdout = out.stderr = "";
    const code = await serviceCommand(sys, host, command, options);
    return { code, ...out };
  };
  return { sys, host, run };
}

Deno.test("install-service: no config file: the service looks for the standard one at each start", async () => {
  const { host, run } = world();
  const r = await run("install-service");
  assertEquals(r.code, 0, r.stdout + r.stderr);
  assertMatch(r.stdout, /OK\s+config\s+none found, the built-in defaults apply/);
  assertMatch(host.readText(UNIT) ?? "", /^ExecStart=\/opt\/ah\/agent-helper run$/m);
  assertStringIncludes(r.stdout, "Installed as a systemd user unit.");
});

Deno.test("install-service: --config is recorded absolute; shell overrides are named, never copied", async () => {
  const { host, run } = world({
    files: { "/work/site.json": '{"ws2":{"port":5000}}' },
    // Invalid here, but it never reaches the service: install judges the config the service reads.
    env: { AGENT_HELPER_WS2_PORT: "bogus", AGENT_HELPER_LOG_LEVEL: "debug", TOKEN: CANARY_JWT },
  });
  const r = await run("install-service", { configPath: "site.json" });
  assertEquals(r.code, 0, r.stdout + r.stderr);
  const unit = host.readText(UNIT) ?? "";
  assertMatch(unit, /^ExecStart=\/opt\/ah\/agent-helper run --config \/work\/site.json$/m);
  assertNotIncludes(unit, "AGENT_HELPER_");
  assertNotIncludes(unit, CANARY_JWT);
  assertMatch(
    r.stdout,
    /WARN\s+environment\s+AGENT_HELPER_LOG_LEVEL, AGENT_HELPER_WS2_PORT set here will not reach the service/,
  );
  assertStringIncludes(r.stdout, "fix: put the settings in /work/site.json instead");
});

Deno.test("install-service: AGENT_HELPER_CONFIG becomes the service's --config", async () => {
  const { host, run } = world({
    env: { AGENT_HELPER_CONFIG: "/etc/site.json" },
    files: { "/etc/site.json": "{}" },
  });
  assertEquals((await run("install-service")).code, 0);
  assertMatch(host.readText(UNIT) ?? "", /run --config \/etc\/site.json$/m);
});

Deno.test("install-service: an invalid config installs nothing and exits 3", async () => {
  const { host, run } = world({ files: { "/work/bad.json": '{"ws2":{"port":-1}}' } });
  const r = await run("install-service", { configPath: "bad.json" });
  assertEquals(r.code, 3);
  assertStringIncludes(r.stderr, "ws2.port");
  assertStringIncludes(r.stderr, "Nothing was installed");
  assertEquals(host.files.has(UNIT), false);
  assertEquals(host.calls, []);
  const missing = await run("install-service", { configPath: "/nope.json" });
  assertEquals(missing.code, 3);
  assertStringIncludes(missing.stderr, "no such file");
});

Deno.test("install-service: FAIL exits 5; root is warned; an unusable launch exits 1", async () => {
  const w = world();
  w.host.failing.add(UNIT);
  const f = await w.run("install-service");
  assertEquals(f.code, 5);
  assertMatch(f.stdout, /FAIL\s+unit\s+cannot write/);
  assertStringIncludes(f.stdout, "Not installed completely");
  const root = world();
  root.host.uidValue = 0;
  const r = await root.run("install-service");
  assertEquals(r.code, 0);
  assertMatch(r.stdout, /WARN\s+user\s+installing for root/);
  const deno = world({ execPath: "/usr/bin/deno" });
  const d = await deno.run("install-service");
  assertEquals(d.code, 1);
  assertMatch(
    d.stderr,
    /^agent-helper: install-service: \/usr\/bin\/deno is Deno, but not running/,
  );
  const win = world({ os: "windows", execPath: "C:\\ah\\agent-helper.exe" });
  const n = await win.run("install-service");
  assertEquals(n.code, 1);
  assertStringIncludes(n.stderr, "USERNAME is not set");
});

Deno.test("uninstall-service: not installed says so and exits 0", async () => {
  const { run } = world();
  const r = await run("uninstall-service");
  assertEquals(r.code, 0);
  assertMatch(r.stdout, /OK\s+systemd user unit\s+not installed: there is no \/home\/op\/.config/);
  assertStringIncludes(r.stdout, "Nothing to remove");
  assertMatch(r.stdout, /OK\s+ws2 port\s+127.0.0.1:41770 is closed/);
});

Deno.test("uninstall-service: checks the ports of the config the service read", async () => {
  const { host, run } = world({
    files: { "/etc/site.json": '{"ws2":{"port":5000},"http":{"port":5001}}' },
    busy: { 5000: "agent", 5001: "agent" },
  });
  host.files.set(UNIT, `ExecStart=${PROGRAM} run --config /etc/site.json\n`);
  const r = await run("uninstall-service");
  assertEquals(r.code, 0, r.stdout);
  assertEquals(host.files.has(UNIT), false);
  assertMatch(r.stdout, /WARN\s+ws2 port\s+127.0.0.1:5000: an agent still answers/);
  assertStringIncludes(r.stdout, "Removed. The config, the logs and the spool stay");
  host.files.set(UNIT, `ExecStart=${PROGRAM} run\n`);
  host.failing.add(UNIT);
  assertEquals((await run("uninstall-service")).code, 5);
});

Deno.test("service-status: not installed exits 4; --json carries the findings", async () => {
  const { run } = world();
  const r = await run("service-status");
  assertEquals(r.code, 4);
  assertMatch(r.stdout, /FAIL\s+systemd user unit\s+not installed/);
  assertStringIncludes(r.stdout, "fix: agent-helper install-service");
  const j = JSON.parse((await run("service-status", { json: true })).stdout);
  assertEquals(j.service, "systemd user unit");
  assertEquals(j.installed, null);
  assertEquals(j.findings.map((f: { topic: string }) => f.topic), [
    "systemd user unit",
    "ws2 port",
    "http port",
  ]);
});

Deno.test("service-status: what the ports say, set against what the service manager says", async () => {
  const active: Record<string, FakeReply> = {
    "systemctl --user show-environment": { stdout: "DISPLAY=:0\n" },
    "systemctl --user is-enabled agent-helper.service": { stdout: "enabled\n" },
    "systemctl --user is-active agent-helper.service": { stdout: "active\n" },
  };
  const quiet = world({ replies: active });
  quiet.host.files.set(UNIT, `ExecStart=${PROGRAM} run\n`);
  const q = await quiet.run("service-status");
  assertEquals(q.code, 0, q.stdout);
  assertMatch(q.stdout, /WARN\s+ws2 port\s+127.0.0.1:41770 is closed although the service runs/);
  assertStringIncludes(q.stdout, "systemd user unit: running.");
  const taken = world({ replies: active, busy: { 41770: "other" } });
  taken.host.files.set(UNIT, `ExecStart=${PROGRAM} run\n`);
  const t = await taken.run("service-status");
  assertEquals(t.code, 4);
  assertMatch(
    t.stdout,
    /FAIL\s+ws2 port\s+127.0.0.1:41770 is taken by a program that is not an agent/,
  );
});

Deno.test("service-status: a config gone bad still gets its ports checked, at the defaults", async () => {
  const { host, run } = world({ files: { "/etc/site.json": "{ nope" } });
  host.files.set(UNIT, `ExecStart=${PROGRAM} run --config /etc/site.json\n`);
  const r = await run("service-status");
  assertMatch(
    r.stdout,
    /WARN\s+config\s+\/etc\/site.json is invalid, so the default ports are checked/,
  );
  assertMatch(r.stdout, /127.0.0.1:41771 is closed/);
});

Deno.test("service commands never print a token, even from a tool's complaint", async () => {
  const { run } = world({
    replies: {
      "systemctl --user show-environment": { code: 1, stderr: `Bearer ${CANARY_JWT} refused` },
    },
  });
  for (const command of ["install-service", "service-status", "uninstall-service"] as const) {
    const r = await run(command);
    assertNotIncludes(r.stdout + r.stderr, CANARY_JWT);
    assert(r.stdout.includes("[REDACTED]"), command);
  }
});

Deno.test("install-service on macOS: launchd's output goes to the configured log directory", async () => {
  const { host, run } = world({
    os: "darwin",
    execPath: "/Applications/AgentHelper/agent-helper",
    files: { "/etc/site.json": '{"log":{"directory":"/var/ah-logs"}}' },
  });
  host.uidValue = 501;
  host.files.set("/Applications/AgentHelper/agent-helper", "binary");
  const r = await run("install-service", { configPath: "/etc/site.json" });
  assertEquals(r.code, 0, r.stdout);
  const plist = host.readText("/home/op/Library/LaunchAgents/agenthelper.agent.plist") ?? "";
  assertStringIncludes(plist, "<string>/var/ah-logs/launchd-stderr.log</string>");
  assertMatch(r.stdout, /WARN\s+screen recording/);
});
