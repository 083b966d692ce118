/**
 * Whether the agent is installed as a service (systemd user unit, launchd agent, logon task)
 * and what its manager says about it: the same read-only queries as `service-status`
 * (`systemctl --user is-enabled/is-active`, `launchctl print`, `schtasks /Query`), each of
 * its lines prefixed "service". Nothing is installed, started or changed.
 */
import type { PlatformFacts } from "../config/paths.ts";
import { managerFor } from "../service/commands.ts";
import type { ServiceHost } from "../service/host.ts";
import type { ServiceManager } from "../service/manager.ts";
import { VERSION } from "../version.ts";
import { type Finding, warn } from "./report.ts";

export async function serviceFindings(
  platform: PlatformFacts,
  host: ServiceHost,
  logDirectory: string,
  manager: ServiceManager = managerFor(platform.os),
): Promise<Finding[]> {
  const ctx = { host, platform, logDirectory, version: VERSION };
  try {
    const installed = await manager.installed(ctx);
    if (installed === null) {
      return [warn(
        "service",
        `not installed (no ${manager.location(ctx)}): the agent runs only when started by hand`,
        "agent-helper install-service, as the operator who is recorded",
      )];
    }
    const status = await manager.status(ctx, installed);
    return status.findings.map((f) => ({ ...f, topic: `service ${f.topic}` }));
  } catch (e) {
    return [warn(
      "service",
      `cannot tell whether the ${manager.kind} is installed and running: ${(e as Error).message}`,
      "agent-helper service-status shows the details",
    )];
  }
}
