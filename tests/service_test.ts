/**
 * install-service → service-status → uninstall-service as an administrator meets them: the
 * real `main.ts` in a child process, on Linux, with a temporary HOME and XDG_CONFIG_HOME, so
 * the real user's files are never touched.
 *
 * What this machine can show, and what it cannot:
 * - No systemd user manager is reachable by the child: its XDG_RUNTIME_DIR is an empty private
 *   directory and it has no DBUS_SESSION_BUS_ADDRESS. A CI container runs no user manager at
 *   all, and a developer's own must not be driven by a test. So the round trip covers the case
 *   the brief calls out: the unit is written and enabled (systemctl does that on the files
 *   alone), and starting it is reported as not done, with the command for later. Starting and
 *   stopping through a live manager are covered with a scripted systemctl
 *   (src/service/linux_test.ts).
 * - `systemd-analyze --user verify` runs offline given a runtime directory; it exits 0 even on
 *   unknown keys (it warns on stderr), so its stderr is checked too.
 * Each test that needs a missing tool says so in its name and is skipped.
 */
import path from "node:path";
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotIncludes,
  assertStringIncludes,
} from "../src/testing/assert.ts";
import { CANARY_JWT } from "../src/testing/canary.ts";
import { type Ran, runMain } from "../src/testing/run_command.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const ROOT = path.dirname(MAIN);
const UNIT_NAME = "agent-helper.service";

async function has(program: string): Promise<boolean> {
  return await new Deno.Command(program, { args: ["--version"], stdout: "null", stderr: "null" })
    .output().then(() => true, () => false);
}

const LINUX = Deno.build.os === "linux";
const SYSTEMCTL = LINUX && await has("systemctl");
const ANALYZE = LINUX && await has("systemd-analyze");
/** The runner's Deno cache, so that the child does not recompile everything in the new HOME. */
const DENO_DIR: string = JSON.parse(
  new TextDecoder().decode(
    (await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
      .output()).stdout,
  ),
).denoDir;

interface Home {
  dir: string;
  env: Record<string, string>;
  unit: string;
  wants: string;
  config: string;
  ports: { ws2: number; http: number };
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function home(): Promise<Home> {
  const dir = await Deno.makeTempDir({ prefix: "ah-service-" });
  await Deno.mkdir(`${dir}/home`);
  await Deno.mkdir(`${dir}/run`, { mode: 0o700 });
  const ports = { ws2: freePort(), http: freePort() };
  const config = `${dir}/config.json`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({ ws2: { port: ports.ws2 }, http: { port: ports.http } }),
  );
  const xdg = `${dir}/home/.config`;
  return {
    dir,
    env: {
      HOME: `${dir}/home`,
      XDG_CONFIG_HOME: xdg,
      XDG_RUNTIME_DIR: `${dir}/run`,
      PATH: Deno.env.get("PATH") ?? "",
      DENO_DIR,
      NO_COLOR: "1",
    },
    unit: `${xdg}/systemd/user/${UNIT_NAME}`,
    wants: `${xdg}/systemd/user/graphical-session.target.wants/${UNIT_NAME}`,
    config,
    ports,
  };
}

function cli(h: Home, args: string[], extra: Record<string, string> = {}): Promise<Ran> {
  return runMain(args, { ...h.env, ...extra });
}

const exists = (p: string) => Deno.lstat(p).then(() => true, () => false);

const skipped = (why: string | null) => why ? ` (skipped: ${why})` : "";
const notLinux = LINUX ? null : "systemd user units are Linux only";

Deno.test({
  name:
    `service: install → status → uninstall through the CLI; no user manager here, so the unit is enabled on the files and not started${
      skipped(notLinux)
    }`,
  ignore: !LINUX,
  async fn() {
    const h = await home();
    try {
      // A shell's overrides and secrets must not reach the unit.
      const install = await cli(h, ["install-service", "--config", h.config], {
        AGENT_HELPER_LOG_LEVEL: "debug",
        TOKEN_FOR_TEST: CANARY_JWT,
      });
      const unit = await Deno.readTextFile(h.unit);
      const exec = `${Deno.execPath()} run --allow-all --v8-flags=--max-semi-space-size=1 ` +
        `${ROOT}/main.ts run --config ${h.config}`;
      assertStringIncludes(unit, `\nExecStart=${exec}\n`);
      for (
        const line of [
          "PartOf=graphical-session.target",
          "After=graphical-session.target",
          "WantedBy=graphical-session.target",
          "Restart=on-failure",
          "RestartSec=5",
          "NoNewPrivileges=yes",
          "Environment=DENO_NO_UPDATE_CHECK=1",
        ]
      ) {
        assertStringIncludes(unit, `\n${line}\n`);
      }
      assertNotIncludes(unit, "AGENT_HELPER_");
      assertNotIncludes(unit + install.stdout + install.stderr, CANARY_JWT);
      assertMatch(install.stdout, new RegExp(`OK\\s+unit\\s+wrote ${h.unit}`));
      assertMatch(
        install.stdout,
        /WARN\s+environment\s+AGENT_HELPER_LOG_LEVEL set here will not reach/,
      );
      if (!SYSTEMCTL) {
        // Where systemd is absent the unit is still written, and the output says why it is not enabled.
        assertEquals(install.code, 5, install.stdout);
        assertMatch(install.stdout, /FAIL\s+enabled\s+not enabled: systemctl: not found/);
      } else {
        assertEquals(install.code, 0, install.stdout + install.stderr);
        assertMatch(install.stdout, /OK\s+enabled\s+starts with each graphical session/);
        assertMatch(
          install.stdout,
          /WARN\s+started\s+not started now: no systemd user manager is reachable from here \(Failed to connect to bus/,
        );
        assertStringIncludes(
          install.stdout,
          "systemctl --user daemon-reload && systemctl --user start agent-helper.service",
        );
        assertEquals(await Deno.readLink(h.wants), h.unit);

        const status = await cli(h, ["service-status"]);
        assertEquals(status.code, 0, status.stdout);
        assertMatch(status.stdout, new RegExp(`OK\\s+command\\s+${Deno.execPath()} run`));
        assertMatch(status.stdout, /OK\s+enabled\s+/);
        assertMatch(
          status.stdout,
          /WARN\s+running\s+unknown: no systemd user manager is reachable/,
        );
        assertMatch(
          status.stdout,
          new RegExp(`OK\\s+ws2 port\\s+127.0.0.1:${h.ports.ws2} is closed`),
        );
      }

      // Something that answers like an agent on the config's ports (which status read from the unit).
      const ws2 = Deno.listen({ hostname: "127.0.0.1", port: h.ports.ws2 });
      const http = Deno.serve(
        { hostname: "127.0.0.1", port: h.ports.http, onListen: () => {} },
        () => new Response("ok\n"),
      );
      try {
        const busy = await cli(h, ["service-status"]);
        assertMatch(
          busy.stdout,
          new RegExp(`OK\\s+ws2 port\\s+127.0.0.1:${h.ports.ws2}: an agent answers`),
        );
        await http.shutdown();
        const other = await cli(h, ["service-status", "--json"]);
        assertEquals(other.code, 4, "a port held by another program is a FAIL");
        const findings = JSON.parse(other.stdout).findings as {
          verdict: string;
          topic: string;
          detail: string;
        }[];
        const port = findings.find((f) => f.topic === "ws2 port");
        assertEquals(port?.verdict, "FAIL");
        assertMatch(port?.detail ?? "", /is taken by a program that is not an agent/);
      } finally {
        ws2.close();
        await http.shutdown().catch(() => {});
      }

      const uninstall = await cli(h, ["uninstall-service"]);
      assertEquals(uninstall.code, 0, uninstall.stdout);
      assertEquals(await exists(h.unit), false);
      assertEquals(await exists(h.wants), false, "disable removed the symlink");
      assertMatch(uninstall.stdout, new RegExp(`OK\\s+unit\\s+removed ${h.unit}`));
      assertMatch(
        uninstall.stdout,
        new RegExp(`OK\\s+ws2 port\\s+127.0.0.1:${h.ports.ws2} is closed`),
      );
      assertMatch(
        uninstall.stdout,
        new RegExp(`OK\\s+http port\\s+127.0.0.1:${h.ports.http} is closed`),
      );

      const after = await cli(h, ["service-status"]);
      assertEquals(after.code, 4);
      assertMatch(after.stdout, /FAIL\s+systemd user unit\s+not installed/);
    } finally {
      await Deno.remove(h.dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    `service: systemd-analyze --user verify accepts the generated unit, and would flag a broken one${
      skipped(notLinux ?? (ANALYZE ? null : "systemd-analyze is not installed"))
    }`,
  ignore: !ANALYZE,
  async fn() {
    const h = await home();
    try {
      const install = await cli(h, ["install-service", "--config", h.config]);
      assert(await exists(h.unit), install.stdout + install.stderr);
      const verify = async (file: string) => {
        const r = await new Deno.Command("systemd-analyze", {
          args: ["--user", "verify", file],
          env: h.env,
          clearEnv: true,
          stdout: "piped",
          stderr: "piped",
        }).output();
        return { code: r.code, stderr: new TextDecoder().decode(r.stderr) };
      };
      const good = await verify(h.unit);
      assertEquals(good.code, 0, good.stderr);
      assertNotIncludes(good.stderr, UNIT_NAME, "no warning about the unit");
      // The check has teeth: a mistyped value and an unknown key are reported.
      const broken = `${path.dirname(h.unit)}/agent-helper-broken.service`;
      await Deno.writeTextFile(
        broken,
        (await Deno.readTextFile(h.unit)).replace(
          "Restart=on-failure",
          "Restart=on-failur\nBogus=1",
        ),
      );
      const bad = await verify(broken);
      assertMatch(
        bad.stderr,
        /agent-helper-broken\.service:\d+: Failed to parse service restart specifier/,
      );
      assertMatch(bad.stderr, /Unknown key '?Bogus'? in section \[Service\]/);
    } finally {
      await Deno.remove(h.dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    `service: failures through the CLI: unwritable directory exits 5, invalid config 3, nothing to uninstall 0${
      skipped(notLinux)
    }`,
  ignore: !LINUX,
  async fn() {
    const h = await home();
    try {
      // XDG_CONFIG_HOME under a regular file: no directory can be made there (root or not).
      await Deno.writeTextFile(`${h.dir}/file`, "");
      const blocked = await cli(h, ["install-service", "--config", h.config], {
        XDG_CONFIG_HOME: `${h.dir}/file/config`,
      });
      assertEquals(blocked.code, 5, blocked.stdout + blocked.stderr);
      assertMatch(
        blocked.stdout,
        /FAIL\s+unit\s+cannot write .*\/file\/config\/systemd\/user\/agent-helper.service: Not a directory/,
      );
      assertMatch(blocked.stdout, /fix: make .* writable by this user .* or set XDG_CONFIG_HOME/);

      await Deno.writeTextFile(`${h.dir}/bad.json`, '{"ws2":{"port":"x"}}');
      const invalid = await cli(h, ["install-service", "--config", `${h.dir}/bad.json`]);
      assertEquals(invalid.code, 3);
      assertStringIncludes(invalid.stderr, "ws2.port");
      assertEquals(await exists(h.unit), false);

      const nothing = await cli(h, ["uninstall-service", "--config", h.config]);
      assertEquals(nothing.code, 0, nothing.stdout);
      assertStringIncludes(
        nothing.stdout,
        "Nothing to remove: the service is not installed for this user.",
      );

      const usage = await cli(h, ["install-service", "--json"]);
      assertEquals(usage.code, 2);
      for (const command of ["install-service", "uninstall-service", "service-status"]) {
        const help = await cli(h, [command, "--help"]);
        assertEquals(help.code, 0);
        assertStringIncludes(help.stdout, `Usage: agent-helper ${command}`);
      }
    } finally {
      await Deno.remove(h.dir, { recursive: true });
    }
  },
});
