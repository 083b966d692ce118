import type { PlatformFacts } from "../config/paths.ts";
import { FakeHost, type FakeReply } from "../service/fake_host.ts";
import { agentLaunch } from "../service/launch.ts";
import { renderSystemdUnit } from "../service/systemd_unit.ts";
import { assertEquals, assertStringIncludes } from "../testing/assert.ts";
import { readOnlyServiceHost } from "./deps.ts";
import { fakeSystem, ScriptedRunner } from "./fake_doctor.ts";
import type { Finding } from "./report.ts";
import { serviceFindings } from "./service_checks.ts";

const UNIT = "/home/op/.config/systemd/user/agent-helper.service";
const PROGRAM = "/opt/ah/agent-helper";
const LINUX: PlatformFacts = { os: "linux", homeDir: "/home/op", env: {} };
const LOGS = "/home/op/.local/state/agent-helper/logs";
const SESSION = { stdout: "HOME=/home/op\nDISPLAY=:0\n" };
const sc = (...args: string[]) => `systemctl --user ${args.join(" ")}`;
const verdicts = (f: Finding[]) => f.map((x) => `${x.verdict} ${x.topic}`);

function installed(replies: Record<string, FakeReply>): FakeHost {
  const host = new FakeHost({ [sc("show-environment")]: SESSION, ...replies });
  const launch = agentLaunch({ os: "linux", execPath: PROGRAM, projectRoot: null }, null);
  host.files.set(UNIT, renderSystemdUnit({ launch, version: "1.2.3" }));
  host.files.set(PROGRAM, "binary");
  return host;
}

/** Only queries: nothing written, nothing started, enabled or reloaded. */
function assertReadOnly(host: FakeHost): void {
  assertEquals(host.writes, []);
  for (const call of host.calls) {
    assertEquals(
      /^systemctl --user (show-environment|is-enabled|is-active)\b|^schtasks \/Query\b/.test(call),
      true,
      call,
    );
  }
}

Deno.test("service: not installed is WARN with install-service as the fix", async () => {
  const host = new FakeHost();
  const f = await serviceFindings(LINUX, host, LOGS);
  assertEquals(verdicts(f), ["WARN service"]);
  assertStringIncludes(f[0]!.detail, `not installed (no ${UNIT})`);
  assertStringIncludes(f[0]!.fix ?? "", "agent-helper install-service");
  assertEquals(host.calls, []);
});

Deno.test("service: installed, enabled and active: the status lines, prefixed", async () => {
  const host = installed({
    [sc("is-enabled", "agent-helper.service")]: { stdout: "enabled\n" },
    [sc("is-active", "agent-helper.service")]: { stdout: "active\n" },
  });
  const f = await serviceFindings(LINUX, host, LOGS);
  assertEquals(verdicts(f), [
    "OK service unit",
    "OK service command",
    "OK service enabled",
    "OK service running",
  ]);
  assertEquals(f[3]!.detail, "active on DISPLAY :0");
  assertReadOnly(host);
});

Deno.test("service: disabled and failed are FAIL with the manager's fix", async () => {
  const host = installed({
    [sc("is-enabled", "agent-helper.service")]: { stdout: "disabled\n" },
    [sc("is-active", "agent-helper.service")]: { stdout: "failed\n" },
  });
  const f = await serviceFindings(LINUX, host, LOGS);
  assertEquals(verdicts(f).slice(2), ["FAIL service enabled", "FAIL service running"]);
  assertStringIncludes(f[3]!.fix ?? "", "journalctl --user -u agent-helper.service");
  assertReadOnly(host);
});

Deno.test("service: no user manager reachable is WARN, not a guess", async () => {
  const host = installed({
    [sc("show-environment")]: { code: 1, stderr: "Failed to connect to bus" },
    [sc("is-enabled", "agent-helper.service")]: { stdout: "enabled\n" },
  });
  const f = await serviceFindings(LINUX, host, LOGS);
  assertEquals(verdicts(f).slice(2), ["OK service enabled", "WARN service running"]);
  assertReadOnly(host);
});

Deno.test("service: a manager that cannot be asked is WARN pointing to service-status", async () => {
  const host = new FakeHost();
  host.readText = () => {
    throw new Deno.errors.PermissionDenied("Permission denied (os error 13)");
  };
  const f = await serviceFindings(LINUX, host, LOGS);
  assertEquals(verdicts(f), ["WARN service"]);
  assertStringIncludes(f[0]!.detail, "cannot tell whether the systemd user unit is installed");
  assertStringIncludes(f[0]!.fix ?? "", "service-status");
});

Deno.test("service: Windows without the logon task is WARN", async () => {
  const host = new FakeHost({ schtasks: { code: 1, stderr: "ERROR: The system cannot find" } });
  const f = await serviceFindings(
    { os: "windows", homeDir: "C:\\Users\\op", env: { USERNAME: "op" } },
    host,
    LOGS,
  );
  assertEquals(verdicts(f), ["WARN service"]);
  assertStringIncludes(f[0]!.fix ?? "", "install-service");
  assertReadOnly(host);
});

Deno.test("service: the doctor's host queries through the system runner and refuses changes", async () => {
  const runner = new ScriptedRunner();
  const host = readOnlyServiceHost(fakeSystem({ runner, files: { [UNIT]: "x" } }));
  assertEquals(host.readText(UNIT), "x");
  assertEquals(host.isFile(UNIT), true);
  await host.runner.run("systemctl", ["--user", "is-active", "x"]);
  assertEquals(runner.calls, ["systemctl --user is-active x"]);
  let refused = 0;
  for (
    const change of [
      () => host.writeText(UNIT, ""),
      () => host.writeBytes(UNIT, new Uint8Array()),
      () => Promise.resolve().then(() => host.remove(UNIT)),
      () => Promise.resolve().then(() => host.ensureDir("/x")),
      () => Promise.resolve().then(() => host.makeTempDir("x")),
      () => Promise.resolve().then(() => host.removeDir("/x")),
    ]
  ) {
    await change().catch((e: Error) => {
      assertStringIncludes(e.message, "doctor changes nothing");
      refused++;
    });
  }
  assertEquals(refused, 6);
});
