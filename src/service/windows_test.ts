/** The logon task's steps, with schtasks scripted (it cannot run here). */
import { assertEquals, assertMatch } from "../testing/assert.ts";
import type { Finding } from "../doctor/report.ts";
import { FakeHost, type FakeReply } from "./fake_host.ts";
import { agentLaunch } from "./launch.ts";
import type { ServiceContext } from "./manager.ts";
import { taskSchedulerManager as m } from "./windows.ts";

const PROGRAM = "C:\\Program Files\\AgentHelper\\agent-helper.exe";
const LAUNCH = agentLaunch({ os: "windows", execPath: PROGRAM, projectRoot: null }, null);
const TN = "/TN AgentHelper-op";
const ABSENT = { code: 1, stderr: "ERROR: The system cannot find the file specified." };

function setup(replies: Record<string, FakeReply> = {}): { host: FakeHost; ctx: ServiceContext } {
  const host = new FakeHost({
    [`schtasks /Query ${TN}`]: ABSENT,
    [`schtasks /Query ${TN} /XML`]: ABSENT,
    ...replies,
  });
  host.uidValue = null;
  const ctx = {
    host,
    platform: {
      os: "windows",
      homeDir: "C:\\Users\\op",
      env: { USERNAME: "op", USERDOMAIN: "CORP" },
    },
    logDirectory: "C:\\Users\\op\\AppData\\Local\\AgentHelper\\logs",
    version: "1.2.3",
  } as const;
  return { host, ctx };
}

const verdicts = (f: Finding[]) => f.map((x) => `${x.verdict} ${x.topic}`);
const XML_FILE = "C:\\Temp\\agent-helper-task-1\\agent-helper-task.xml";

Deno.test("task: install registers the XML (UTF-16) with schtasks, removes it, and runs the task", async () => {
  const { host, ctx } = setup();
  const f = await m.install(ctx, LAUNCH);
  assertEquals(verdicts(f), ["OK task", "OK started"]);
  assertEquals(host.calls, [
    `schtasks /Query ${TN}`,
    `schtasks /Create ${TN} /XML ${XML_FILE} /F`,
    `schtasks /Run ${TN}`,
  ]);
  const [file, bytes] = host.writes[0]!;
  assertEquals(file, XML_FILE);
  const xml = new TextDecoder("utf-16le").decode((bytes as Uint8Array).slice(2));
  assertMatch(xml, /<UserId>CORP\\op<\/UserId>/);
  assertEquals(host.dirs.size, 0, "the temporary XML is removed");
  assertMatch(f[0]!.detail, /starts at each logon of CORP\\op, in that session/);
});

Deno.test("task: installing again ends the running agent first", async () => {
  const { host, ctx } = setup({ [`schtasks /Query ${TN}`]: { stdout: "AgentHelper-op Ready" } });
  await m.install(ctx, LAUNCH);
  assertEquals(host.calls.slice(0, 2), [`schtasks /Query ${TN}`, `schtasks /End ${TN}`]);
});

Deno.test("task: install failures: refused, not started now, no temporary directory", async () => {
  const denied = setup({
    [`schtasks /Create ${TN} /XML ${XML_FILE} /F`]: { code: 1, stderr: "ERROR: Access is denied." },
  });
  const d = await m.install(denied.ctx, LAUNCH);
  assertEquals(verdicts(d), ["FAIL task"]);
  assertMatch(d[0]!.detail, /Access is denied/);
  assertMatch(d[0]!.fix!, /as CORP\\op in that user's own session/);
  assertEquals(denied.host.dirs.size, 0);
  const later = setup({
    [`schtasks /Run ${TN}`]: { code: 1, stderr: "ERROR: The user is not logged on." },
  });
  const l = await m.install(later.ctx, LAUNCH);
  assertEquals(verdicts(l), ["OK task", "WARN started"]);
  assertMatch(l[1]!.fix!, /next logon of CORP\\op; .* schtasks \/Run \/TN AgentHelper-op/);
  const temp = setup();
  temp.host.failing.add("TEMP");
  assertEquals(verdicts(await m.install(temp.ctx, LAUNCH)), ["FAIL task"]);
});

const QUERY_XML = `<?xml version="1.0" encoding="UTF-16"?>\r\n<Task><Actions><Exec>` +
  `<Command>"${PROGRAM}"</Command><Arguments>run --config "C:\\a b\\c.json"</Arguments>` +
  `</Exec></Actions></Task>`;

async function installed(replies: Record<string, FakeReply> = {}) {
  const s = setup({ [`schtasks /Query ${TN} /XML`]: { stdout: QUERY_XML }, ...replies });
  s.host.files.set(PROGRAM, "binary");
  const found = await m.installed(s.ctx);
  assertEquals(found, {
    where: "Task Scheduler \\AgentHelper-op",
    command: [PROGRAM, "run", "--config", "C:\\a b\\c.json"],
  });
  s.host.calls.length = 0;
  return { ...s, found: found! };
}

Deno.test("task: uninstall ends and deletes the task; a refusal is FAIL", async () => {
  const ok = await installed();
  assertEquals(verdicts(await m.uninstall(ok.ctx, ok.found)), ["OK stopped", "OK task"]);
  assertEquals(ok.host.calls, [`schtasks /End ${TN}`, `schtasks /Delete ${TN} /F`]);
  const no = await installed({
    [`schtasks /Delete ${TN} /F`]: { code: 1, stderr: "ERROR: Access is denied." },
  });
  const f = await m.uninstall(no.ctx, no.found);
  assertEquals(verdicts(f), ["OK stopped", "FAIL task"]);
  assertMatch(f[1]!.fix!, /schtasks \/Delete \/TN AgentHelper-op \/F/);
});

Deno.test("task: status reads the scheduler's state column", async () => {
  const cases: [string, string, boolean | null][] = [
    ["Running", "OK scheduler", true],
    ["Ready", "OK scheduler", false],
    ["Disabled", "FAIL scheduler", null],
    ["Выполняется", "OK scheduler", null],
  ];
  for (const [state, verdict, running] of cases) {
    const s = await installed({
      [`schtasks /Query ${TN} /FO CSV /NH`]: { stdout: `"\\AgentHelper-op","N/A","${state}"\r\n` },
    });
    const r = await m.status(s.ctx, s.found);
    assertEquals(verdicts(r.findings), ["OK task", "OK command", verdict]);
    assertEquals(r.running, running, state);
  }
});
