import { assertEquals, assertMatch, assertNotIncludes } from "../testing/assert.ts";
import { agentLaunch } from "./launch.ts";
import {
  execStartOfUnit,
  parseExecStart,
  quoteEnvAssignment,
  quoteExecWord,
  renderSystemdUnit,
  unitPath,
} from "./systemd_unit.ts";

const GOLDEN = new URL("../../tests/fixtures/service/agent-helper.service", import.meta.url);
const CONFIG = "/home/op/Agent Helper/100% config.json";

Deno.test("systemd unit: the release executable, golden file (tests/fixtures/service)", () => {
  const launch = agentLaunch(
    { os: "linux", execPath: "/opt/agent-helper/agent-helper", projectRoot: null },
    CONFIG,
  );
  const unit = renderSystemdUnit({ version: "1.2.3", launch });
  assertEquals(unit, Deno.readTextFileSync(GOLDEN));
  assertEquals(execStartOfUnit(unit), [
    "/opt/agent-helper/agent-helper",
    "run",
    "--config",
    CONFIG,
  ]);
  // No environment of its own: the release binary needs none, and nothing secret is written.
  assertNotIncludes(unit, "Environment=");
});

Deno.test("systemd unit: in a source tree, this Deno runs main.ts without its update check", () => {
  const launch = agentLaunch(
    { os: "linux", execPath: "/src/ah/node_modules/deno/deno", projectRoot: "/src/ah" },
    null,
  );
  const unit = renderSystemdUnit({ version: "1.2.3", launch });
  assertMatch(
    unit,
    /^ExecStart=\/src\/ah\/node_modules\/deno\/deno run --allow-all --v8-flags=--max-semi-space-size=1 \/src\/ah\/main\.ts run$/m,
  );
  assertMatch(unit, /^Environment=DENO_NO_UPDATE_CHECK=1$/m);
});

Deno.test("systemd unit: ExecStart words survive spaces, quotes, backslashes, % and $", () => {
  const words = ["/opt/a b/agent", 'say "hi"', "back\\slash", "100%", "$HOME", "plain-1.0", "=x"];
  const line = words.map(quoteExecWord).join(" ");
  assertEquals(parseExecStart(line), words);
  assertEquals(quoteExecWord("100%"), "100%%");
  assertEquals(quoteExecWord("$HOME"), '"$$HOME"');
  // Environment= expands % but not $.
  assertEquals(quoteEnvAssignment("A", "x $y%"), '"A=x $y%%"');
});

Deno.test("systemd unit: lives in $XDG_CONFIG_HOME/systemd/user, else ~/.config", () => {
  assertEquals(
    unitPath({ os: "linux", homeDir: "/home/op", env: {} }),
    "/home/op/.config/systemd/user/agent-helper.service",
  );
  assertEquals(
    unitPath({ os: "linux", homeDir: "/home/op", env: { XDG_CONFIG_HOME: "/cfg" } }),
    "/cfg/systemd/user/agent-helper.service",
  );
  assertEquals(
    unitPath({ os: "linux", homeDir: "/home/op", env: { XDG_CONFIG_HOME: " " } }),
    "/home/op/.config/systemd/user/agent-helper.service",
  );
});
