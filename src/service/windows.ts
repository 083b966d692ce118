/**
 * Windows: a Task Scheduler task that starts the agent at the user's logon, in that user's
 * interactive session, with the user's ordinary (not elevated) rights. Registered from XML,
 * because `schtasks /Create /SC ONLOGON` makes a trigger for every user, which only an
 * administrator may create, and cannot lift the 72-hour run limit (docs/service.md).
 */
import path from "node:path";
import { fail, type Finding, ok, warn } from "../doctor/report.ts";
import type { CommandResult } from "../process/runner.ts";
import { runTool, type ServiceHost } from "./host.ts";
import type { AgentLaunch } from "./launch.ts";
import {
  complaint,
  displayCommand,
  type Installed,
  type ServiceContext,
  type ServiceManager,
  type StatusResult,
} from "./manager.ts";
import { commandOfTaskXml, renderTaskXml, taskUser, taskXmlBytes } from "./windows_task.ts";

function schtasks(host: ServiceHost, ...args: string[]): Promise<CommandResult> {
  return runTool(host, "schtasks", args);
}

/** schtasks prints `\name` for a task of the root folder. */
const where = (name: string) => `Task Scheduler \\${name}`;

async function install(ctx: ServiceContext, launch: AgentLaunch): Promise<Finding[]> {
  const { host } = ctx;
  const user = taskUser(ctx.platform);
  const name = user.taskName;
  if ((await schtasks(host, "/Query", "/TN", name)).code === 0) {
    await schtasks(host, "/End", "/TN", name);
  }
  const xml = renderTaskXml({ launch, user, version: ctx.version });
  let created: CommandResult;
  let dir: string;
  try {
    dir = host.makeTempDir("agent-helper-task-");
  } catch (e) {
    return [fail(
      "task",
      `cannot make a temporary directory for the task's XML: ${(e as Error).message}`,
      "check that %TEMP% exists and is writable",
    )];
  }
  try {
    const file = path.win32.join(dir, "agent-helper-task.xml");
    await host.writeBytes(file, taskXmlBytes(xml));
    created = await schtasks(host, "/Create", "/TN", name, "/XML", file, "/F");
  } finally {
    host.removeDir(dir);
  }
  if (created.code !== 0) {
    return [fail(
      "task",
      `schtasks /Create failed: ${complaint(created)}`,
      `run install-service as ${user.id} in that user's own session: a standard user may ` +
        "create a logon task only for themselves",
    )];
  }
  const out = [
    ok("task", `created ${where(name)}: starts at each logon of ${user.id}, in that session`),
  ];
  const run = await schtasks(host, "/Run", "/TN", name);
  out.push(
    run.code === 0 ? ok("started", "running now") : warn(
      "started",
      `not started now: ${complaint(run)}`,
      `it starts at the next logon of ${user.id}; to start it now: schtasks /Run /TN ${name}`,
    ),
  );
  return out;
}

async function uninstall(ctx: ServiceContext, installed: Installed): Promise<Finding[]> {
  const { host } = ctx;
  const name = taskUser(ctx.platform).taskName;
  await schtasks(host, "/End", "/TN", name);
  const out = [ok("stopped", "ended the task's agent, if it ran")];
  const deleted = await schtasks(host, "/Delete", "/TN", name, "/F");
  out.push(
    deleted.code === 0 ? ok("task", `deleted ${installed.where}`) : fail(
      "task",
      `schtasks /Delete failed: ${complaint(deleted)}`,
      `schtasks /Delete /TN ${name} /F, as the user who installed it`,
    ),
  );
  return out;
}

/** The "Status" column of `schtasks /Query /FO CSV /NH`: "Running", "Ready", "Disabled" (localized). */
function taskState(csv: string): string {
  const fields = [...(csv.trim().split("\n")[0] ?? "").matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
  return fields[2]?.trim() || "unknown";
}

async function status(ctx: ServiceContext, installed: Installed): Promise<StatusResult> {
  const { host } = ctx;
  const name = taskUser(ctx.platform).taskName;
  const program = installed.command[0];
  const findings: Finding[] = [
    ok("task", installed.where),
    program !== undefined && host.isFile(program)
      ? ok("command", displayCommand(installed.command))
      : fail(
        "command",
        `${program ?? "the task's command"} does not exist: the agent was moved or removed`,
        "run install-service again from the agent's new place",
      ),
  ];
  const state = taskState(
    (await schtasks(host, "/Query", "/TN", name, "/FO", "CSV", "/NH")).stdout,
  );
  // Other values are in the system's language; the ports below tell whether the agent runs.
  const running = state === "Running" ? true : state === "Ready" ? false : null;
  findings.push(
    state === "Disabled"
      ? fail("scheduler", "the task is disabled", `schtasks /Change /TN ${name} /ENABLE`)
      : ok("scheduler", `state: ${state}`),
  );
  return { findings, running };
}

export const taskSchedulerManager: ServiceManager = {
  kind: "logon task",
  location: (ctx) => where(taskUser(ctx.platform).taskName),
  installed: async (ctx) => {
    const name = taskUser(ctx.platform).taskName;
    const r = await schtasks(ctx.host, "/Query", "/TN", name, "/XML");
    return r.code === 0 ? { where: where(name), command: commandOfTaskXml(r.stdout) ?? [] } : null;
  },
  install,
  uninstall,
  status,
};
