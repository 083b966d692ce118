/** Help texts of every command (`agent-helper <command> --help`). */
import { CONFIG_PATH_ENV, ENV_KEYS } from "../config/env_overrides.ts";

const CONFIG_OPTION =
  `  --config PATH   the config file (default: ${CONFIG_PATH_ENV}, then the OS-standard location)`;

export const HELP: Readonly<Record<string, string>> = {
  main: `AgentHelper: the contact-center platform's screen-recording agent.

Usage: agent-helper [command] [options]

Commands:
  run             run the agent (the default)
  demo            the agent and the reference platform end to end: connect, record, upload
  doctor          check everything the agent needs; each line OK / WARN / FAIL with its fix
  config check    validate the configuration and list every problem
  config print    print the effective configuration (secrets masked)
  version         print the version

Service, for the user who runs the command, in that user's graphical session:
  install-service     start the agent at each login of this user, and now
  uninstall-service   stop it and remove what install-service made
  service-status      installed? running? what listens on the agent's ports?

Options:
  -h, --help      help for a command (agent-helper doctor --help)

Exit codes: 0 ok, 1 failure, 2 usage, 3 invalid config, 4 a check failed, 5 cannot start.
`,
  run: `Usage: agent-helper run [--config PATH]

Runs the agent until SIGINT or SIGTERM: loopback ws2 for the web workplace, health and metrics
on http://127.0.0.1:<http.port>/ (healthz, readyz, metrics, status), logs in log.directory.

${CONFIG_OPTION}
`,
  demo: `Usage: agent-helper demo [--seconds N] [--monitors N] [--fps N] [--keep]

The whole product on this machine. Starts the agent on built-in defaults (free ports,
temporary log and spool directories, no config file) beside the reference platform (an
AgentServer and a ScreenRecorder on TLS from a CA made for the run); without a display, an
Xvfb display of its own showing an office-like scene in Chromium. Checks the agent's health
over HTTP, lets a JsSDK web page connect it to AgentServer, records every monitor through
start, restart (a new segment), pause, resume and stop, waits for the uploads, checks every
stored file (SHA-256, frames) and prints a summary with the playback page's address.
Exit 0 only when every check passed.

  --seconds N     length of the recording, 8-3600 (default 20)
  --monitors N    monitors of the demo's own display, 1-4 (default 2; ignored on a desktop)
  --fps N         frame rate, 1-30 (default 5)
  --keep          keep the platform and the playback page running until Ctrl-C
`,
  doctor: `Usage: agent-helper doctor [--config PATH] [--json]

Checks what the agent needs and prints OK / WARN / FAIL with the fix for each: config,
allow-lists, CA bundle, ports, log and spool directories, what the spool holds, ffmpeg, its
capture backends and a probe encode with each H.264 encoder, the display and its monitors,
reachability and TLS of every configured server, and the service. Exit 4 when anything FAILs.

${CONFIG_OPTION}
  --json          print the findings as JSON
`,
  config: `Usage: agent-helper config check [--config PATH]
       agent-helper config print [--config PATH]

check: validates the config file and AGENT_HELPER_* variables; exit 3 listing every problem.
print: prints the effective configuration as JSON, secrets masked.

${CONFIG_OPTION}

Environment overrides (each config key has one; lists are comma-separated):
${ENV_KEYS.map((k) => `  ${k.name.padEnd(44)} ${k.path.join(".")}`).join("\n")}
`,
  "install-service": `Usage: agent-helper install-service [--config PATH]

Installs the agent as a per-user background service of the user who runs it, started in that
user's graphical session at each login (it records the desktop, so never as a system service):
Linux: a systemd user unit bound to graphical-session.target; macOS: a LaunchAgent (then allow
Screen Recording in System Settings); Windows: a Task Scheduler logon task. Starts it now when
it can, and says how to start it later when it cannot. Installing again replaces it.
The config must be valid (exit 3 otherwise). AGENT_HELPER_* variables of this shell do not
reach the service: put settings in the config file. Exit 5 when a step failed. See
docs/service.md.

  --config PATH   the config file the service reads, recorded in the service as --config
                  (default: AGENT_HELPER_CONFIG, else the OS-standard file, looked for at each start)
`,
  "uninstall-service": `Usage: agent-helper uninstall-service [--config PATH]

Stops the service and removes everything install-service made, then checks that the agent's
ports are closed. The config, logs and spool stay. Exit 0 also when nothing was installed;
exit 5 when a step failed.

  --config PATH   the config whose ports are checked (default: the one the service read)
`,
  "service-status": `Usage: agent-helper service-status [--config PATH] [--json]

OK / WARN / FAIL for the service: installed, its command, enabled, running, and what listens
on the agent's ports (127.0.0.1 only). Exit 4 when anything FAILs, not installed included.

  --config PATH   the config whose ports are checked (default: the one the service reads)
  --json          print the findings as JSON
`,
  version: `Usage: agent-helper version [--json]

Prints the version, the runtime and the OS.
`,
};
