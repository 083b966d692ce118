/**
 * Linux: a systemd user unit bound to the graphical session, driven with `systemctl --user`.
 * Without a reachable user manager (ssh or su without a login session, containers, CI) the
 * unit is still written and enabled, which systemctl does on the files alone, and the
 * output says that it starts at the next graphical login and how to start it sooner.
 */
import path from "node:path";
import { fail, type Finding, ok, warn } from "../doctor/report.ts";
import { CommandNotStarted, type CommandResult } from "../process/runner.ts";
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
import {
  execStartOfUnit,
  renderSystemdUnit,
  SESSION_TARGET,
  UNIT_NAME,
  unitPath,
} from "./systemd_unit.ts";

type UserManager =
  | { readonly kind: "missing"; readonly reason: string }
  | { readonly kind: "unreachable"; readonly reason: string }
  | { readonly kind: "reachable"; readonly display: string | null };

function systemctl(host: ServiceHost, ...args: string[]): Promise<CommandResult> {
  return runTool(host, "systemctl", ["--user", ...args]);
}

/** Whether `systemctl --user` reaches a running user manager, and the DISPLAY it knows. */
async function probe(host: ServiceHost): Promise<UserManager> {
  let r: CommandResult;
  try {
    r = await host.runner.run("systemctl", ["--user", "show-environment"], { timeoutMs: 10_000 });
  } catch (e) {
    return e instanceof CommandNotStarted
      ? { kind: "missing", reason: `systemctl: ${e.reason}` }
      : { kind: "unreachable", reason: (e as Error).message };
  }
  if (r.code !== 0) return { kind: "unreachable", reason: complaint(r) };
  const display = /^DISPLAY=(.*)$/m.exec(r.stdout)?.[1]?.trim();
  return { kind: "reachable", display: display ? display : null };
}

const START_LATER = `systemctl --user daemon-reload && systemctl --user start ${UNIT_NAME}`;

async function install(ctx: ServiceContext, launch: AgentLaunch): Promise<Finding[]> {
  const { host } = ctx;
  const file = unitPath(ctx.platform);
  try {
    await host.writeText(file, renderSystemdUnit({ launch, version: ctx.version }));
  } catch (e) {
    return [
      fail(
        "unit",
        `cannot write ${file}: ${(e as Error).message}`,
        `make ${path.posix.dirname(file)} writable by this user (not owned by root), ` +
          "or set XDG_CONFIG_HOME to a writable directory",
      ),
    ];
  }
  const out = [ok("unit", `wrote ${file}`)];
  const manager = await probe(host);
  if (manager.kind === "missing") {
    out.push(fail(
      "enabled",
      `not enabled: ${manager.reason}; this system does not run systemd`,
      `start "${displayCommand([launch.program, ...launch.args])}" from the desktop's ` +
        "autostart instead (docs/service.md), and remove the unit: agent-helper uninstall-service",
    ));
    return out;
  }
  if (manager.kind === "reachable") {
    const reload = await systemctl(host, "daemon-reload");
    if (reload.code !== 0) {
      out.push(fail(
        "enabled",
        `systemctl --user daemon-reload failed: ${complaint(reload)}`,
        `in the user's session: systemctl --user daemon-reload && systemctl --user enable --now ${UNIT_NAME}`,
      ));
      return out;
    }
  }
  const enable = await systemctl(host, "enable", UNIT_NAME);
  if (enable.code !== 0) {
    out.push(fail(
      "enabled",
      `systemctl --user enable failed: ${complaint(enable)}`,
      `in the user's session: systemctl --user enable --now ${UNIT_NAME}`,
    ));
    return out;
  }
  out.push(ok("enabled", `starts with each graphical session of this user (${SESSION_TARGET})`));
  if (manager.kind === "unreachable") {
    out.push(warn(
      "started",
      `not started now: no systemd user manager is reachable from here (${manager.reason})`,
      `it starts at the user's next graphical login; to start it now, in that session: ${START_LATER}`,
    ));
  } else if (manager.display === null) {
    out.push(warn(
      "started",
      "not started now: the user's service manager has no DISPLAY, so no graphical session " +
        "of this user is running",
      "it starts at the user's next graphical login; inside a running X11 session: " +
        `systemctl --user import-environment DISPLAY XAUTHORITY && systemctl --user start ${UNIT_NAME}`,
    ));
  } else {
    const restart = await systemctl(host, "restart", UNIT_NAME);
    out.push(
      restart.code === 0
        ? ok("started", `running on DISPLAY ${manager.display} (restarted if it was running)`)
        : fail(
          "started",
          `systemctl --user restart failed: ${complaint(restart)}`,
          `journalctl --user -u ${UNIT_NAME} -n 50 shows why`,
        ),
    );
  }
  return out;
}

async function uninstall(ctx: ServiceContext, installed: Installed): Promise<Finding[]> {
  const { host } = ctx;
  const out: Finding[] = [];
  const manager = await probe(host);
  if (manager.kind === "reachable") {
    const stop = await systemctl(host, "stop", UNIT_NAME);
    out.push(
      stop.code === 0 ? ok("stopped", "the agent is stopped") : warn(
        "stopped",
        `systemctl --user stop failed: ${complaint(stop)}`,
        `systemctl --user stop ${UNIT_NAME}`,
      ),
    );
  } else {
    out.push(ok(
      "stopped",
      `nothing to stop from here: no systemd user manager is reachable (${manager.reason}); ` +
        "the ports below show whether an agent still listens",
    ));
  }
  if (manager.kind !== "missing") {
    const disable = await systemctl(host, "disable", UNIT_NAME);
    if (disable.code !== 0) {
      out.push(fail(
        "disabled",
        `systemctl --user disable failed: ${complaint(disable)}; the unit is left in place`,
        `systemctl --user disable ${UNIT_NAME}, then agent-helper uninstall-service again`,
      ));
      return out;
    }
    out.push(ok("disabled", "no longer starts with the graphical session"));
  }
  try {
    host.remove(installed.where);
    out.push(ok("unit", `removed ${installed.where}`));
  } catch (e) {
    out.push(fail(
      "unit",
      `cannot remove ${installed.where}: ${(e as Error).message}`,
      `remove it by hand: rm ${displayCommand([installed.where])}`,
    ));
    return out;
  }
  if (manager.kind === "reachable") {
    const reload = await systemctl(host, "daemon-reload");
    await systemctl(host, "reset-failed", UNIT_NAME);
    if (reload.code !== 0) {
      out.push(warn(
        "reloaded",
        `systemctl --user daemon-reload failed: ${complaint(reload)}`,
        "systemctl --user daemon-reload",
      ));
    }
  }
  return out;
}

async function status(ctx: ServiceContext, installed: Installed): Promise<StatusResult> {
  const { host } = ctx;
  const findings: Finding[] = [ok("unit", installed.where)];
  const program = installed.command[0];
  findings.push(
    program !== undefined && host.isFile(program)
      ? ok("command", displayCommand(installed.command))
      : fail(
        "command",
        `${program ?? "ExecStart"} does not exist: the agent was moved or removed`,
        "run install-service again from the agent's new place",
      ),
  );
  const manager = await probe(host);
  if (manager.kind === "missing") {
    findings.push(fail("systemd", manager.reason, "see docs/service.md, Linux without systemd"));
    return { findings, running: null };
  }
  const enabled = (await systemctl(host, "is-enabled", UNIT_NAME)).stdout.trim();
  findings.push(
    enabled === "enabled"
      ? ok("enabled", `starts with each graphical session of this user (${SESSION_TARGET})`)
      : fail(
        "enabled",
        `is-enabled: ${enabled || "unknown"}`,
        `systemctl --user enable ${UNIT_NAME}`,
      ),
  );
  if (manager.kind === "unreachable") {
    findings.push(warn(
      "running",
      `unknown: no systemd user manager is reachable from here (${manager.reason})`,
      "run service-status in the operator's session; the ports below show whether an agent listens",
    ));
    return { findings, running: null };
  }
  const active = (await systemctl(host, "is-active", UNIT_NAME)).stdout.trim();
  if (active === "active") {
    findings.push(
      ok("running", `active${manager.display ? ` on DISPLAY ${manager.display}` : ""}`),
    );
    return { findings, running: true };
  }
  if (active === "failed") {
    findings.push(fail(
      "running",
      "failed: the agent exited with an error",
      `journalctl --user -u ${UNIT_NAME} -n 50 shows why; then systemctl --user restart ${UNIT_NAME}`,
    ));
  } else if (active === "inactive" && manager.display === null) {
    findings.push(warn(
      "running",
      "inactive: no graphical session of this user is running",
      "it starts at the user's next graphical login",
    ));
  } else if (active === "inactive") {
    findings.push(fail("running", "inactive", `systemctl --user start ${UNIT_NAME}`));
  } else {
    findings.push(warn("running", active || "unknown", "check again in a moment"));
    return { findings, running: null };
  }
  return { findings, running: false };
}

export const systemdManager: ServiceManager = {
  kind: "systemd user unit",
  location: (ctx) => unitPath(ctx.platform),
  installed: (ctx) => {
    const file = unitPath(ctx.platform);
    const text = ctx.host.readText(file);
    return Promise.resolve(
      text === undefined ? null : { where: file, command: execStartOfUnit(text) ?? [] },
    );
  },
  install,
  uninstall,
  status,
};
