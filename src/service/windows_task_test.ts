/**
 * The logon task's XML. Task Scheduler cannot run here, so the XML is checked against a golden
 * copy, and its bytes (UTF-16LE with a byte-order mark, as schtasks /XML requires) are parsed
 * by Python's expat where python3 is installed: the encoding a UTF-8 file would get wrong.
 */
import { assertEquals, assertThrows } from "../testing/assert.ts";
import { agentLaunch, ServiceError } from "./launch.ts";
import {
  commandOfTaskXml,
  parseWindowsArgs,
  quoteWindowsArg,
  renderTaskXml,
  taskUser,
  taskXmlBytes,
} from "./windows_task.ts";

const GOLDEN = new URL("../../tests/fixtures/service/agent-helper-task.xml", import.meta.url);
const PROGRAM = "C:\\Program Files\\AgentHelper\\agent-helper.exe";
const CONFIG = "C:\\Users\\op.name\\Agent Helper\\config.json";
const PLATFORM = {
  os: "windows",
  homeDir: "C:\\Users\\op.name",
  env: { USERNAME: "op.name", USERDOMAIN: "CORP" },
} as const;

function golden(): string {
  return renderTaskXml({
    version: "1.2.3",
    user: taskUser(PLATFORM),
    launch: agentLaunch({ os: "windows", execPath: PROGRAM, projectRoot: null }, CONFIG),
  });
}

const PYTHON = await new Deno.Command("python3", { args: ["--version"], stdout: "null" }).output()
  .then((r) => r.success, () => false);

Deno.test("windows task: golden file (tests/fixtures/service), CRLF lines, command read back", () => {
  const xml = golden();
  assertEquals(xml.replaceAll("\r\n", "\n"), Deno.readTextFileSync(GOLDEN));
  assertEquals(xml.split("\r\n").every((line) => !line.includes("\n")), true);
  assertEquals(commandOfTaskXml(xml), [PROGRAM, "run", "--config", CONFIG]);
});

Deno.test("windows task: bytes are UTF-16LE behind a byte-order mark", () => {
  const bytes = taskXmlBytes("<Task>é€</Task>");
  assertEquals([...bytes.slice(0, 4)], [0xff, 0xfe, 0x3c, 0x00]);
  assertEquals(new TextDecoder("utf-16le").decode(bytes.slice(2)), "<Task>é€</Task>");
});

Deno.test({
  name: `windows task: an XML parser reads the UTF-16 bytes as schtasks would${
    PYTHON ? "" : " (skipped: no python3 here; the golden file is still checked)"
  }`,
  ignore: !PYTHON,
}, async () => {
  const code = [
    "import sys, json, xml.etree.ElementTree as ET",
    "ns = {'t': 'http://schemas.microsoft.com/windows/2004/02/mit/task'}",
    "root = ET.fromstring(sys.stdin.buffer.read())",
    "get = lambda p: root.find(p, ns).text",
    "print(json.dumps([get('t:Triggers/t:LogonTrigger/t:UserId'),",
    "  get('t:Principals/t:Principal/t:LogonType'), get('t:Principals/t:Principal/t:RunLevel'),",
    "  get('t:Settings/t:ExecutionTimeLimit'), get('t:Actions/t:Exec/t:Command'),",
    "  get('t:Actions/t:Exec/t:Arguments')]))",
  ].join("\n");
  const child = new Deno.Command("python3", { args: ["-c", code], stdin: "piped", stdout: "piped" })
    .spawn();
  const w = child.stdin.getWriter();
  await w.write(taskXmlBytes(golden()));
  await w.close();
  const out = await child.output();
  assertEquals(out.code, 0, "the XML did not parse");
  assertEquals(JSON.parse(new TextDecoder().decode(out.stdout)), [
    "CORP\\op.name",
    "InteractiveToken",
    "LeastPrivilege",
    "PT0S",
    `"${PROGRAM}"`,
    `run --config "${CONFIG}"`,
  ]);
});

Deno.test("windows task: arguments survive the C runtime's quoting rules", () => {
  const args = ["plain", "with space", 'say "hi"', "C:\\dir\\", "C:\\a b\\", "", "x\\\\y", "\\\\"];
  const line = args.map(quoteWindowsArg).join(" ");
  assertEquals(parseWindowsArgs(line), args);
  assertEquals(quoteWindowsArg("C:\\a b\\"), '"C:\\a b\\\\"');
  assertEquals(quoteWindowsArg(""), '""');
  assertEquals(parseWindowsArgs('  a  "b c"d e\\"f '), ["a", "b cd", 'e"f']);
});

Deno.test("windows task: one task per user, named after the user; the user must be known", () => {
  assertEquals(taskUser(PLATFORM), { id: "CORP\\op.name", taskName: "AgentHelper-op.name" });
  assertEquals(taskUser({ ...PLATFORM, env: { USERNAME: "Anna Müller" } }), {
    id: "Anna Müller",
    taskName: "AgentHelper-Anna_M_ller",
  });
  assertThrows(() => taskUser({ ...PLATFORM, env: {} }), ServiceError, "USERNAME is not set");
});
