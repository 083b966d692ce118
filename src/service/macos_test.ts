/** The LaunchAgent's steps, with launchctl scripted (it cannot run here). */
import { assertEquals, assertMatch, assertRejects } from "../testing/assert.ts";
import type { Finding } from "../doctor/report.ts";
import { FakeHost, type FakeReply } from "./fake_host.ts";
import { agentLaunch, ServiceError } from "./launch.ts";
import { launchdManager as m } from "./macos.ts";
import type { ServiceContext } from "./manager.ts";

const PLIST = "/Users/op/Library/LaunchAgents/agenthelper.agent.plist";
const LOGS = "/Users/op/Library/Logs/AgentHelper";
const PROGRAM = "/Applications/AgentHelper/agent-helper";
const LAUNCH = agentLaunch({ os: "darwin", execPath: PROGRAM, projectRoot: null }, null);
const JOB = "gui/501/agenthelper.agent";
const NOT_LOADED = {
  code: 113,
  stderr: `Could not find service "agenthelper.agent" in domain for user gui: 501`,
};

function setup(replies: Record<string, FakeReply> = {}): { host: FakeHost; ctx: ServiceContext } {
  const host = new FakeHost({ [`launchctl print ${JOB}`]: NOT_LOADED, ...replies });
  host.uidValue = 501;
  const ctx = {
    host,
    platform: { os: "darwin", homeDir: "/Users/op", env: {} },
    logDirectory: LOGS,
    version: "1.2.3",
  } as const;
  return { host, ctx };
}

const verdicts = (f: Finding[]) => f.map((x) => `${x.verdict} ${x.topic}`);

Deno.test("launchd: install writes the plist, bootstraps it into gui/<uid>, and explains Screen Recording", async () => {
  const { host, ctx } = setup();
  const f = await m.install(ctx, LAUNCH);
  assertEquals(verdicts(f), ["OK plist", "OK loaded", "WARN screen recording"]);
  assertEquals(host.calls, [
    `launchctl print ${JOB}`,
    `launchctl enable ${JOB}`,
    `launchctl bootstrap gui/501 ${PLIST}`,
  ]);
  assertEquals(host.dirs.has(LOGS), true, "launchd does not create the log directory itself");
  assertMatch(
    host.readText(PLIST) ?? "",
    /<string>\/Applications\/AgentHelper\/agent-helper<\/string>/,
  );
  assertMatch(
    f[2]!.fix!,
    /Privacy & Security > Screen Recording: turn on \/Applications.*kickstart -k gui\/501\/agenthelper.agent/,
  );
});

Deno.test("launchd: installing again unloads the running job first", async () => {
  const { host, ctx } = setup({ [`launchctl print ${JOB}`]: { stdout: "state = running" } });
  await m.install(ctx, LAUNCH);
  assertEquals(host.calls.slice(0, 2), [`launchctl print ${JOB}`, `launchctl bootout ${JOB}`]);
});

Deno.test("launchd: outside the login session the plist still loads at the next login", async () => {
  const { ctx } = setup({
    [`launchctl bootstrap gui/501 ${PLIST}`]: {
      code: 125,
      stderr: "Bootstrap failed: 125: Domain does not support specified action",
    },
  });
  const f = await m.install(ctx, LAUNCH);
  assertEquals(verdicts(f), ["OK plist", "WARN loaded", "WARN screen recording"]);
  assertMatch(f[1]!.detail, /Bootstrap failed: 125/);
  assertMatch(f[1]!.fix!, /next login; .* launchctl bootstrap gui\/501 /);
});

Deno.test("launchd: install failures: log directory, plist, unknown user id", async () => {
  const logs = setup();
  logs.host.failing.add(LOGS);
  assertEquals(verdicts(await m.install(logs.ctx, LAUNCH)), ["FAIL log directory"]);
  const plist = setup();
  plist.host.failing.add(PLIST);
  const f = await m.install(plist.ctx, LAUNCH);
  assertEquals(verdicts(f), ["FAIL plist"]);
  assertEquals(plist.host.calls, []);
  const uid = setup();
  uid.host.uidValue = null;
  await assertRejects(() => m.install(uid.ctx, LAUNCH), ServiceError, "user's id");
});

async function installed(replies: Record<string, FakeReply> = {}) {
  const s = setup(replies);
  await s.host.writeText(
    PLIST,
    `<key>ProgramArguments</key>\n<array>\n<string>${PROGRAM}</string>\n<string>run</string>\n</array>`,
  );
  s.host.files.set(PROGRAM, "binary");
  const found = await m.installed(s.ctx);
  assertEquals(found, { where: PLIST, command: [PROGRAM, "run"] });
  s.host.calls.length = 0;
  return { ...s, found: found! };
}

Deno.test("launchd: uninstall boots the job out and removes the plist", async () => {
  const loaded = await installed({ [`launchctl print ${JOB}`]: { stdout: "state = running" } });
  const f = await m.uninstall(loaded.ctx, loaded.found);
  assertEquals(verdicts(f), ["OK stopped", "OK plist", "OK screen recording"]);
  assertEquals(loaded.host.calls, [`launchctl print ${JOB}`, `launchctl bootout ${JOB}`]);
  assertEquals(loaded.host.files.has(PLIST), false);
  const idle = await installed();
  assertEquals((await m.uninstall(idle.ctx, idle.found))[0]!.detail, "was not loaded in gui/501");
  assertEquals(idle.host.files.has(PLIST), false);
});

Deno.test("launchd: uninstall failures keep the plist or say how to remove it", async () => {
  const stuck = await installed({
    [`launchctl print ${JOB}`]: { stdout: "state = running" },
    [`launchctl bootout ${JOB}`]: { code: 5, stderr: "Boot-out failed: 5: Input/output error" },
  });
  assertEquals(verdicts(await m.uninstall(stuck.ctx, stuck.found)), ["FAIL stopped"]);
  assertEquals(stuck.host.files.has(PLIST), true);
  const locked = await installed();
  locked.host.failing.add(PLIST);
  assertEquals(verdicts(await m.uninstall(locked.ctx, locked.found)), ["OK stopped", "FAIL plist"]);
});

Deno.test("launchd: status reads launchctl print", async () => {
  const run = await installed({
    [`launchctl print ${JOB}`]: {
      stdout: `${JOB} = {\n\tstate = running\n\tpid = 4242\n\tlast exit code = (never exited)\n}`,
    },
  });
  const r = await m.status(run.ctx, run.found);
  assertEquals(verdicts(r.findings), [
    "OK plist",
    "OK command",
    "OK running",
    "OK screen recording",
  ]);
  assertEquals(r.findings[2]!.detail, "running, pid 4242");
  assertEquals(r.running, true);
  const dead = await installed({
    [`launchctl print ${JOB}`]: { stdout: "\tstate = not running\n\tlast exit code = 3\n" },
  });
  const d = await m.status(dead.ctx, dead.found);
  assertEquals(d.findings[2]!.detail, "not running; last exit code 3");
  assertMatch(d.findings[2]!.fix!, /launchd-stderr.log/);
  const gone = await installed();
  const g = await m.status(gone.ctx, gone.found);
  assertEquals(verdicts(g.findings)[2], "FAIL loaded");
  assertEquals(g.running, false);
});
