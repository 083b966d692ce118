import { assertEquals, assertMatch, assertThrows } from "../testing/assert.ts";
import { agentLaunch, configOfArgs, ServiceError } from "./launch.ts";

Deno.test("launch: a release executable runs itself, with --config only when one was named", () => {
  const facts = { os: "linux", execPath: "/opt/ah/agent-helper", projectRoot: null } as const;
  assertEquals(agentLaunch(facts, null), {
    program: "/opt/ah/agent-helper",
    args: ["run"],
    development: false,
    env: {},
  });
  assertEquals(agentLaunch(facts, "/etc/ah.json").args, ["run", "--config", "/etc/ah.json"]);
  // A compiled binary that happens to sit beside node_modules is still the release binary.
  assertEquals(agentLaunch({ ...facts, projectRoot: "/opt/ah" }, null).development, false);
});

Deno.test("launch: deno in a source tree runs main.ts with the agent's V8 flags", () => {
  const l = agentLaunch(
    {
      os: "windows",
      execPath: "C:\\src\\ah\\node_modules\\deno\\deno.EXE",
      projectRoot: "C:\\src\\ah",
    },
    "C:\\cfg.json",
  );
  assertEquals(l.development, true);
  assertEquals(l.args, [
    "run",
    "--allow-all",
    "--v8-flags=--max-semi-space-size=1",
    "C:\\src\\ah\\main.ts",
    "run",
    "--config",
    "C:\\cfg.json",
  ]);
  assertEquals(l.env, { DENO_NO_UPDATE_CHECK: "1" });
});

Deno.test("launch: refuses what a service could not run, saying what to do", () => {
  const e = assertThrows(
    () => agentLaunch({ os: "linux", execPath: "/usr/bin/deno", projectRoot: null }, null),
    ServiceError,
  );
  assertMatch(e.message, /from the release executable .* or from the source tree/);
  assertThrows(
    () => agentLaunch({ os: "linux", execPath: "/opt/a\nb/agent-helper", projectRoot: null }, null),
    ServiceError,
    "control character",
  );
  assertThrows(
    () =>
      agentLaunch({ os: "linux", execPath: "/opt/agent-helper", projectRoot: null }, "/x\r.json"),
    ServiceError,
    "control character",
  );
});

Deno.test("launch: the --config of a recorded command line", () => {
  assertEquals(configOfArgs(["/a", "run", "--config", "/c.json"]), "/c.json");
  assertEquals(configOfArgs(["/a", "run"]), null);
  assertEquals(configOfArgs(["/a", "run", "--config"]), null);
});
