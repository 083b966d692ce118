/**
 * The LaunchAgent's property list. launchd cannot run here, so the file is checked against a
 * golden copy, and parsed by Python's plistlib (the format's reference reader off macOS) where
 * python3 is installed.
 */
import { assertEquals } from "../testing/assert.ts";
import { agentLaunch } from "./launch.ts";
import {
  escapeXml,
  LAUNCHD_LABEL,
  plistPath,
  programArgumentsOfPlist,
  renderLaunchAgentPlist,
  unescapeXml,
} from "./launchd_plist.ts";

const GOLDEN = new URL("../../tests/fixtures/service/agenthelper.agent.plist", import.meta.url);
const CONFIG = "/Users/op/Library/Application Support/AgentHelper/R&D <site>.json";
const PROGRAM = "/Applications/AgentHelper/agent-helper";

function golden(): string {
  return renderLaunchAgentPlist({
    logDirectory: "/Users/op/Library/Logs/AgentHelper",
    launch: agentLaunch({ os: "darwin", execPath: PROGRAM, projectRoot: null }, CONFIG),
  });
}

/** python3's answer; run only where python3 exists (see PYTHON). */
async function python(code: string, input: Uint8Array): Promise<string> {
  const child = new Deno.Command("python3", { args: ["-c", code], stdin: "piped", stdout: "piped" })
    .spawn();
  const w = child.stdin.getWriter();
  await w.write(input);
  await w.close();
  const out = await child.output();
  assertEquals(out.code, 0, "python3 could not read the file");
  return new TextDecoder().decode(out.stdout);
}

const PYTHON = await new Deno.Command("python3", { args: ["--version"], stdout: "null" }).output()
  .then((r) => r.success, () => false);

Deno.test("launchd plist: golden file (tests/fixtures/service), arguments read back", () => {
  const plist = golden();
  assertEquals(plist, Deno.readTextFileSync(GOLDEN));
  assertEquals(programArgumentsOfPlist(plist), [PROGRAM, "run", "--config", CONFIG]);
  assertEquals(
    plistPath({ os: "darwin", homeDir: "/Users/op", env: {} }),
    `/Users/op/Library/LaunchAgents/${LAUNCHD_LABEL}.plist`,
  );
});

Deno.test({
  name: `launchd plist: Python's plistlib reads every key as meant${
    PYTHON ? "" : " (skipped: no python3 here; the golden file is still checked)"
  }`,
  ignore: !PYTHON,
}, async () => {
  const json = await python(
    "import plistlib, sys, json; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))",
    new TextEncoder().encode(golden()),
  );
  assertEquals(JSON.parse(json), {
    Label: LAUNCHD_LABEL,
    ProgramArguments: [PROGRAM, "run", "--config", CONFIG],
    EnvironmentVariables: { AGENT_HELPER_LOG_CONSOLE: "false" },
    LimitLoadToSessionType: "Aqua",
    RunAtLoad: true,
    KeepAlive: { SuccessfulExit: false },
    ThrottleInterval: 10,
    Umask: 0o077,
    StandardOutPath: "/Users/op/Library/Logs/AgentHelper/launchd-stdout.log",
    StandardErrorPath: "/Users/op/Library/Logs/AgentHelper/launchd-stderr.log",
  });
});

Deno.test("launchd plist: in a source tree, deno's update check is off too", () => {
  const plist = renderLaunchAgentPlist({
    logDirectory: "/l",
    launch: agentLaunch(
      { os: "darwin", execPath: "/s/node_modules/deno/deno", projectRoot: "/s" },
      null,
    ),
  });
  assertEquals(programArgumentsOfPlist(plist)?.slice(-2), ["/s/main.ts", "run"]);
  assertEquals(plist.includes("<key>DENO_NO_UPDATE_CHECK</key>\n\t\t<string>1</string>"), true);
});

Deno.test("launchd plist: XML text escapes and reads back", () => {
  const text = `a&b <c> "d" 'e' &amp;`;
  assertEquals(escapeXml(text), `a&amp;b &lt;c&gt; "d" 'e' &amp;amp;`);
  assertEquals(unescapeXml(escapeXml(text)), text);
  assertEquals(unescapeXml("&#65;&#x42;&quot;&apos;"), `AB"'`);
});
