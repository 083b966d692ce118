import { assert, assertEquals, assertMatch } from "../testing/assert.ts";
import type { Finding } from "../doctor/report.ts";
import { FakeHost, type FakeReply } from "./fake_host.ts";
import { agentLaunch } from "./launch.ts";
import { systemdManager as m } from "./linux.ts";
import type { ServiceContext } from "./manager.ts";

const UNIT = "/home/op/.config/systemd/user/agent-helper.service";
const PROGRAM = "/opt/ah/agent-helper";
const LAUNCH = agentLaunch({ os: "linux", execPath: PROGRAM, projectRoot: null }, null);
const NO_BUS = { code: 1, stderr: "Failed to connect to bus: No medium found" };
const SESSION = { stdout: "HOME=/home/op\nDISPLAY=:0\nXAUTHORITY=/run/user/1000/xauth\n" };

function setup(replies: Record<string, FakeReply> = {}): { host: FakeHost; ctx: ServiceContext } {
  const host = new FakeHost({ "systemctl --user show-environment": SESSION, ...replies });
  const ctx = {
    host,
    platform: { os: "linux", homeDir: "/home/op", env: {} },
    logDirectory: "/home/op/.local/state/agent-helper/logs",
    version: "1.2.3",
  } as const;
  return { host, ctx };
}

const verdicts = (f: Finding[]) => f.map((x) => `${x.verdict} ${x.topic}`);
const sc = (...args: string[]) => `systemctl --user ${args.join(" ")}`;

Deno.test("systemd: install in a session writes, reloads, enables and (re)starts", async () => {
  const { host, ctx } = setup();
  const f = await m.install(ctx, LAUNCH);
  assertEquals(verdicts(f), ["OK unit", "OK enabled", "OK started"]);
  assertEquals(host.calls, [
    sc("show-environment"),
    sc("daemon-reload"),
    sc("enable", "agent-helper.service"),
    sc("restart", "agent-helper.service"),
  ]);
  assertMatch(host.readText(UNIT) ?? "", /^ExecStart=\/opt\/ah\/agent-helper run$/m);
  assertEquals(f[2]!.detail, "running on DISPLAY :0 (restarted if it was running)");
});

Deno.test("systemd: without a user manager the unit is written and enabled, and says how to start", async () => {
  const { host, ctx } = setup({ [sc("show-environment")]: NO_BUS });
  const f = await m.install(ctx, LAUNCH);
  assertEquals(verdicts(f), ["OK unit", "OK enabled", "WARN started"]);
  assertEquals(host.calls, [sc("show-environment"), sc("enable", "agent-helper.service")]);
  assertMatch(
    f[2]!.detail,
    /no systemd user manager is reachable from here \(Failed to connect to bus/,
  );
  assertMatch(
    f[2]!.fix!,
    /systemctl --user daemon-reload && systemctl --user start agent-helper.service/,
  );
});

Deno.test("systemd: a manager without DISPLAY (no graphical session) is not asked to start it", async () => {
  const { host, ctx } = setup({ [sc("show-environment")]: { stdout: "HOME=/home/op\n" } });
  const f = await m.install(ctx, LAUNCH);
  assertEquals(verdicts(f), ["OK unit", "OK enabled", "WARN started"]);
  assert(!host.calls.some((c) => c.includes("restart")));
  assertMatch(f[2]!.fix!, /import-environment DISPLAY XAUTHORITY/);
});

Deno.test("systemd: install failures are FAIL with what to do", async () => {
  const write = setup();
  write.host.failing.add(UNIT);
  const w = await m.install(write.ctx, LAUNCH);
  assertEquals(verdicts(w), ["FAIL unit"]);
  assertMatch(w[0]!.detail, /cannot write .*agent-helper.service: Permission denied/);
  assertMatch(w[0]!.fix!, /XDG_CONFIG_HOME/);
  assertEquals(write.host.calls, []);

  const missing = setup({ systemctl: "missing" });
  const s = await m.install(missing.ctx, LAUNCH);
  assertEquals(verdicts(s), ["OK unit", "FAIL enabled"]);
  assertMatch(s[1]!.detail, /systemctl: not found; this system does not run systemd/);
  assertMatch(s[1]!.fix!, /autostart .* agent-helper uninstall-service/);

  for (
    const step of ["daemon-reload", "enable agent-helper.service", "restart agent-helper.service"]
  ) {
    const { ctx } = setup({ [sc(step)]: { code: 1, stderr: `${step} went wrong` } });
    const f = await m.install(ctx, LAUNCH);
    assertEquals(f.at(-1)!.verdict, "FAIL", step);
    assertMatch(f.at(-1)!.detail, new RegExp(`${step} went wrong`));
  }
});

async function installed(replies: Record<string, FakeReply> = {}) {
  const s = setup(replies);
  s.host.files.set(UNIT, "[Service]\nExecStart=/opt/ah/agent-helper run --config /etc/ah.json\n");
  s.host.files.set(PROGRAM, "binary");
  const found = await m.installed(s.ctx);
  assertEquals(found, { where: UNIT, command: [PROGRAM, "run", "--config", "/etc/ah.json"] });
  return { ...s, found: found! };
}

Deno.test("systemd: uninstall stops, disables, removes the unit and reloads", async () => {
  const { host, ctx, found } = await installed();
  const f = await m.uninstall(ctx, found);
  assertEquals(verdicts(f), ["OK stopped", "OK disabled", "OK unit"]);
  assertEquals(host.files.has(UNIT), false);
  assertEquals(host.calls, [
    sc("show-environment"),
    sc("stop", "agent-helper.service"),
    sc("disable", "agent-helper.service"),
    sc("daemon-reload"),
    sc("reset-failed", "agent-helper.service"),
  ]);
});

Deno.test("systemd: uninstall without a manager disables on the files; without systemd removes the file", async () => {
  const off = await installed({ [sc("show-environment")]: NO_BUS });
  assertEquals(verdicts(await m.uninstall(off.ctx, off.found)), [
    "OK stopped",
    "OK disabled",
    "OK unit",
  ]);
  assertEquals(off.host.calls, [sc("show-environment"), sc("disable", "agent-helper.service")]);
  const none = await installed({ systemctl: "missing" });
  assertEquals(verdicts(await m.uninstall(none.ctx, none.found)), ["OK stopped", "OK unit"]);
  assertEquals(none.host.files.has(UNIT), false);
});

Deno.test("systemd: uninstall failures keep what is needed to try again", async () => {
  const d = await installed({ [sc("disable", "agent-helper.service")]: { code: 1, stderr: "no" } });
  assertEquals(verdicts(await m.uninstall(d.ctx, d.found)), ["OK stopped", "FAIL disabled"]);
  assertEquals(d.host.files.has(UNIT), true, "the unit stays, so that disable can find it");
  const r = await installed();
  r.host.failing.add(UNIT);
  const f = await m.uninstall(r.ctx, r.found);
  assertEquals(verdicts(f), ["OK stopped", "OK disabled", "FAIL unit"]);
  assertMatch(f[2]!.fix!, /^remove it by hand: rm /);
  const s = await installed({ [sc("stop", "agent-helper.service")]: { code: 5, stderr: "stuck" } });
  assertEquals(verdicts(await m.uninstall(s.ctx, s.found))[0], "WARN stopped");
});

Deno.test("systemd: status reads is-enabled and is-active", async () => {
  const cases: [FakeReply, FakeReply, string[], boolean | null][] = [
    [SESSION, { stdout: "active\n" }, ["OK enabled", "OK running"], true],
    [SESSION, { code: 3, stdout: "failed\n" }, ["OK enabled", "FAIL running"], false],
    [SESSION, { code: 3, stdout: "inactive\n" }, ["OK enabled", "FAIL running"], false],
    [
      { stdout: "HOME=/h\n" },
      { code: 3, stdout: "inactive\n" },
      ["OK enabled", "WARN running"],
      false,
    ],
    [SESSION, { code: 3, stdout: "activating\n" }, ["OK enabled", "WARN running"], null],
    [NO_BUS, {}, ["OK enabled", "WARN running"], null],
  ];
  for (const [env, active, expected, running] of cases) {
    const { ctx, found } = await installed({
      [sc("show-environment")]: env,
      [sc("is-enabled", "agent-helper.service")]: { stdout: "enabled\n" },
      [sc("is-active", "agent-helper.service")]: active,
    });
    const r = await m.status(ctx, found);
    assertEquals(verdicts(r.findings), ["OK unit", "OK command", ...expected]);
    assertEquals(r.running, running);
  }
});

Deno.test("systemd: status names a moved executable, a disabled unit and a missing systemctl", async () => {
  const moved = await installed({
    [sc("is-enabled", "agent-helper.service")]: { code: 1, stdout: "disabled\n" },
  });
  moved.host.files.delete(PROGRAM);
  const r = await m.status(moved.ctx, moved.found);
  assertEquals(verdicts(r.findings).slice(0, 3), ["OK unit", "FAIL command", "FAIL enabled"]);
  assertMatch(r.findings[1]!.detail, /\/opt\/ah\/agent-helper does not exist/);
  assertEquals(r.findings[2]!.fix, "systemctl --user enable agent-helper.service");
  const none = await installed({ systemctl: "missing" });
  assertEquals(verdicts((await m.status(none.ctx, none.found)).findings).at(-1), "FAIL systemd");
});
