/**
 * The Windows logon task, as Task Scheduler XML: its name, what it says, its bytes (schtasks
 * reads UTF-16LE with a byte-order mark) and reading its command back. Pure; `windows.ts`
 * drives schtasks. Why a logon task and not a Windows service: docs/service.md.
 */
import type { PlatformFacts } from "../config/paths.ts";
import { escapeXml, unescapeXml } from "./launchd_plist.ts";
import { type AgentLaunch, ServiceError } from "./launch.ts";

export interface TaskUser {
  /** `DOMAIN\user` (or `user`), as the logon trigger and the principal name it. */
  readonly id: string;
  /** The task's name: one task per user, in the scheduler's root folder. */
  readonly taskName: string;
}

export function taskUser(p: PlatformFacts): TaskUser {
  const user = p.env.USERNAME?.trim();
  if (!user) {
    throw new ServiceError(
      "USERNAME is not set, so the user the logon task is for is unknown: run install-service " +
        "in the operator's own Windows session",
    );
  }
  const domain = p.env.USERDOMAIN?.trim();
  return {
    id: domain ? `${domain}\\${user}` : user,
    taskName: `AgentHelper-${user.replace(/[^A-Za-z0-9._-]/g, "_")}`,
  };
}

/** One argument as the C runtime's command-line parser (CommandLineToArgvW) reads it back. */
export function quoteWindowsArg(arg: string): string {
  if (arg !== "" && !/[\s"]/.test(arg)) return arg;
  let out = '"';
  let slashes = 0;
  for (const c of arg) {
    if (c === "\\") {
      slashes++;
      continue;
    }
    out += "\\".repeat(c === '"' ? slashes * 2 + 1 : slashes) + c;
    slashes = 0;
  }
  return `${out}${"\\".repeat(slashes * 2)}"`;
}

/** The arguments of a command line written by {@link quoteWindowsArg}. */
export function parseWindowsArgs(line: string): string[] {
  const args: string[] = [];
  let cur = "";
  let inArg = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "\\") {
      let n = 0;
      while (line[i] === "\\") n++, i++;
      if (line[i] === '"') {
        cur += "\\".repeat(Math.floor(n / 2));
        if (n % 2 === 1) cur += '"';
        else quoted = !quoted;
      } else {
        cur += "\\".repeat(n);
        i--;
      }
      inArg = true;
    } else if (c === '"') {
      quoted = !quoted;
      inArg = true;
    } else if (/\s/.test(c) && !quoted) {
      if (inArg) args.push(cur);
      cur = "";
      inArg = false;
    } else {
      cur += c;
      inArg = true;
    }
  }
  if (inArg) args.push(cur);
  return args;
}

export interface TaskOptions {
  readonly launch: AgentLaunch;
  readonly user: TaskUser;
  readonly version: string;
}

export function renderTaskXml(o: TaskOptions): string {
  const x = escapeXml;
  const { program, args } = o.launch;
  const command = /\s/.test(program) ? `"${program}"` : program;
  return [
    '<?xml version="1.0" encoding="UTF-16"?>',
    '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">',
    "  <RegistrationInfo>",
    `    <Author>AgentHelper ${x(o.version)} install-service</Author>`,
    `    <Description>AgentHelper screen-recording agent for ${
      x(o.user.id)
    }: starts at logon in the user's own session. Removed by agent-helper uninstall-service.</Description>`,
    `    <URI>\\${x(o.user.taskName)}</URI>`,
    "  </RegistrationInfo>",
    "  <Triggers>",
    "    <LogonTrigger>",
    "      <Enabled>true</Enabled>",
    `      <UserId>${x(o.user.id)}</UserId>`,
    "    </LogonTrigger>",
    "  </Triggers>",
    "  <Principals>",
    '    <Principal id="Author">',
    `      <UserId>${x(o.user.id)}</UserId>`,
    "      <LogonType>InteractiveToken</LogonType>",
    "      <RunLevel>LeastPrivilege</RunLevel>",
    "    </Principal>",
    "  </Principals>",
    "  <Settings>",
    "    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>",
    "    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>",
    "    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>",
    "    <AllowHardTerminate>true</AllowHardTerminate>",
    "    <StartWhenAvailable>false</StartWhenAvailable>",
    "    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>",
    "    <IdleSettings>",
    "      <StopOnIdleEnd>false</StopOnIdleEnd>",
    "      <RestartOnIdle>false</RestartOnIdle>",
    "    </IdleSettings>",
    "    <AllowStartOnDemand>true</AllowStartOnDemand>",
    "    <Enabled>true</Enabled>",
    "    <Hidden>false</Hidden>",
    "    <RunOnlyIfIdle>false</RunOnlyIfIdle>",
    "    <WakeToRun>false</WakeToRun>",
    "    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>",
    "    <Priority>5</Priority>",
    "    <RestartOnFailure>",
    "      <Interval>PT1M</Interval>",
    "      <Count>255</Count>",
    "    </RestartOnFailure>",
    "  </Settings>",
    '  <Actions Context="Author">',
    "    <Exec>",
    `      <Command>${x(command)}</Command>`,
    `      <Arguments>${x(args.map(quoteWindowsArg).join(" "))}</Arguments>`,
    "    </Exec>",
    "  </Actions>",
    "</Task>",
    "",
  ].join("\r\n");
}

/** The bytes schtasks /XML accepts: UTF-16LE with a byte-order mark (UTF-8 is refused). */
export function taskXmlBytes(xml: string): Uint8Array {
  const bytes = new Uint8Array(2 + xml.length * 2);
  bytes[0] = 0xff;
  bytes[1] = 0xfe;
  for (let i = 0; i < xml.length; i++) {
    const unit = xml.charCodeAt(i);
    bytes[2 + i * 2] = unit & 0xff;
    bytes[3 + i * 2] = unit >> 8;
  }
  return bytes;
}

/** Program and arguments of a task's XML (as `schtasks /Query /XML` prints it), or null. */
export function commandOfTaskXml(xml: string): string[] | null {
  const command = /<Command>([\s\S]*?)<\/Command>/.exec(xml)?.[1];
  if (command === undefined) return null;
  const args = /<Arguments>([\s\S]*?)<\/Arguments>/.exec(xml)?.[1] ?? "";
  return [unescapeXml(command).replace(/^"(.*)"$/, "$1"), ...parseWindowsArgs(unescapeXml(args))];
}
