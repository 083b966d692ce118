/**
 * macOS: a LaunchAgent in the user's GUI (Aqua) session, loaded with `launchctl bootstrap
 * gui/<uid>` and removed with `bootout`. Screen capture also needs the operator's Screen
 * Recording permission, which no command can grant: the output says where to give it.
 */
import { fail, type Finding, ok, warn } from "../doctor/report.ts";
import type { CommandResult } from "../process/runner.ts";
import { runTool, type ServiceHost } from "./host.ts";
import { type AgentLaunch, ServiceError } from "./launch.ts";
import {
  LAUNCHD_LABEL,
  launchdLogFiles,
  plistPath,
  programArgumentsOfPlist,
  renderLaunchAgentPlist,
} from "./launchd_plist.ts";
import {
  complaint,
  displayCommand,
  type Installed,
  type ServiceContext,
  type ServiceManager,
  type StatusResult,
} from "./manager.ts";

function launchctl(host: ServiceHost, ...args: string[]): Promise<CommandResult> {
  return runTool(host, "launchctl", args);
}

function domain(host: ServiceHost): string {
  const uid = host.uid();
  if (uid === null) throw new ServiceError("cannot tell this user's id for launchctl's gui domain");
  return `gui/${uid}`;
}

function permissionFix(program: string, gui: string): string {
  return `System Settings > Privacy & Security > Screen Recording: turn on ${program}, then ` +
    `restart the agent: launchctl kickstart -k ${gui}/${LAUNCHD_LABEL}`;
}

async function install(ctx: ServiceContext, launch: AgentLaunch): Promise<Finding[]> {
  const { host } = ctx;
  const gui = domain(host);
  const file = plistPath(ctx.platform);
  try {
    host.ensureDir(ctx.logDirectory);
  } catch (e) {
    return [fail(
      "log directory",
      `cannot create ${ctx.logDirectory}: ${(e as Error).message}`,
      "give the user write access to it, or set log.directory in the config",
    )];
  }
  try {
    await host.writeText(
      file,
      renderLaunchAgentPlist({ launch, logDirectory: ctx.logDirectory }),
    );
  } catch (e) {
    return [fail(
      "plist",
      `cannot write ${file}: ${(e as Error).message}`,
      "make ~/Library/LaunchAgents writable by this user (it must not belong to root)",
    )];
  }
  const out = [ok("plist", `wrote ${file}`)];
  if ((await launchctl(host, "print", `${gui}/${LAUNCHD_LABEL}`)).code === 0) {
    await launchctl(host, "bootout", `${gui}/${LAUNCHD_LABEL}`);
  }
  await launchctl(host, "enable", `${gui}/${LAUNCHD_LABEL}`);
  const boot = await launchctl(host, "bootstrap", gui, file);
  out.push(
    boot.code === 0 ? ok("loaded", `running in ${gui} now, and at each login of this user`) : warn(
      "loaded",
      `not loaded now: launchctl bootstrap ${gui} failed: ${complaint(boot)} ` +
        "(outside the user's login session, e.g. over ssh?)",
      `it loads at the user's next login; to load it now, in that session: launchctl bootstrap ${gui} ${
        displayCommand([file])
      }`,
    ),
  );
  out.push(warn(
    "screen recording",
    `macOS asks the operator once to allow Screen Recording for ${launch.program}; until it ` +
      "is allowed the recordings are unusable, and no command can grant it",
    permissionFix(launch.program, gui),
  ));
  return out;
}

async function uninstall(ctx: ServiceContext, installed: Installed): Promise<Finding[]> {
  const { host } = ctx;
  const gui = domain(host);
  const out: Finding[] = [];
  if ((await launchctl(host, "print", `${gui}/${LAUNCHD_LABEL}`)).code === 0) {
    const out1 = await launchctl(host, "bootout", `${gui}/${LAUNCHD_LABEL}`);
    if (out1.code !== 0) {
      out.push(fail(
        "stopped",
        `launchctl bootout ${gui}/${LAUNCHD_LABEL} failed: ${
          complaint(out1)
        }; the plist is left in place`,
        `launchctl bootout ${gui}/${LAUNCHD_LABEL}, then agent-helper uninstall-service again`,
      ));
      return out;
    }
    out.push(ok("stopped", `unloaded from ${gui}: the agent is stopped`));
  } else out.push(ok("stopped", `was not loaded in ${gui}`));
  try {
    host.remove(installed.where);
    out.push(ok("plist", `removed ${installed.where}`));
  } catch (e) {
    out.push(fail(
      "plist",
      `cannot remove ${installed.where}: ${(e as Error).message}`,
      `remove it by hand: rm ${displayCommand([installed.where])}`,
    ));
    return out;
  }
  out.push(ok(
    "screen recording",
    "the permission stays listed in System Settings > Privacy & Security > Screen Recording; " +
      "remove the entry there if wanted",
  ));
  return out;
}

async function status(ctx: ServiceContext, installed: Installed): Promise<StatusResult> {
  const { host } = ctx;
  const gui = domain(host);
  const program = installed.command[0];
  const findings: Finding[] = [
    ok("plist", installed.where),
    program !== undefined && host.isFile(program)
      ? ok("command", displayCommand(installed.command))
      : fail(
        "command",
        `${program ?? "ProgramArguments"} does not exist: the agent was moved or removed`,
        "run install-service again from the agent's new place",
      ),
  ];
  const print = await launchctl(host, "print", `${gui}/${LAUNCHD_LABEL}`);
  let running: boolean;
  if (print.code !== 0) {
    findings.push(fail(
      "loaded",
      `not loaded in ${gui}: ${complaint(print)}`,
      `it loads at the user's next login; now, in that session: launchctl bootstrap ${gui} ${
        displayCommand([installed.where])
      }`,
    ));
    running = false;
  } else {
    const state = /^\s*state = (.+)$/m.exec(print.stdout)?.[1]?.trim() ?? "unknown";
    const pid = /^\s*pid = (\d+)/m.exec(print.stdout)?.[1];
    const exit = /^\s*last exit code = (.+)$/m.exec(print.stdout)?.[1]?.trim() ?? "unknown";
    running = state === "running";
    findings.push(
      running ? ok("running", `running${pid ? `, pid ${pid}` : ""}`) : fail(
        "running",
        `${state}; last exit code ${exit}`,
        `${launchdLogFiles(ctx.logDirectory).stderr} and the agent's log say why; restart: ` +
          `launchctl kickstart -k ${gui}/${LAUNCHD_LABEL}`,
      ),
    );
  }
  findings.push(ok(
    "screen recording",
    `cannot be read from here: System Settings > Privacy & Security > Screen Recording must allow ${
      program ?? "the agent"
    }`,
  ));
  return { findings, running };
}

export const launchdManager: ServiceManager = {
  kind: "launchd agent",
  location: (ctx) => plistPath(ctx.platform),
  installed: (ctx) => {
    const file = plistPath(ctx.platform);
    const text = ctx.host.readText(file);
    return Promise.resolve(
      text === undefined ? null : { where: file, command: programArgumentsOfPlist(text) ?? [] },
    );
  },
  install,
  uninstall,
  status,
};
