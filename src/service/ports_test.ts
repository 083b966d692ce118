import { assertEquals } from "../testing/assert.ts";
import { type AgentPorts, type Expectation, portFindings } from "./ports.ts";

async function check(
  ports: AgentPorts,
  busy: Record<number, "agent" | "other">,
  expect: Expectation,
) {
  const asked: string[] = [];
  const f = await portFindings(
    {
      portFree: (p) => busy[p] === undefined,
      httpGet: (url) => {
        asked.push(url);
        const port = Number(/:(\d+)\//.exec(url)?.[1]);
        return Promise.resolve(
          busy[port] === "agent" ? { status: 200, body: "ok\n" } : { status: 404, body: "" },
        );
      },
    },
    ports,
    expect,
  );
  return { lines: f.map((x) => `${x.verdict} ${x.topic}: ${x.detail}`), asked };
}

Deno.test("ports: closed, an agent, another program; healthz asked once, on loopback", async () => {
  const { lines, asked } = await check({ ws2: 1, http: 2 }, { 1: "other", 2: "agent" }, "any");
  // ws2 is busy and http answers healthz: both are the agent's.
  assertEquals(lines, [
    "OK ws2 port: 127.0.0.1:1: an agent answers (healthz)",
    "OK http port: 127.0.0.1:2: an agent answers (healthz)",
  ]);
  assertEquals(asked, ["http://127.0.0.1:2/healthz"]);
  const other = await check({ ws2: 1, http: 2 }, { 1: "other" }, "any");
  assertEquals(other.lines, [
    "FAIL ws2 port: 127.0.0.1:1 is taken by a program that is not an agent",
    "OK http port: 127.0.0.1:2 is closed",
  ]);
});

Deno.test("ports: expectations turn news into WARN, and uninstall never FAILs on a port", async () => {
  assertEquals(
    (await check({ ws2: 1, http: 2 }, {}, "running")).lines[0],
    "WARN ws2 port: 127.0.0.1:1 is closed although the service runs",
  );
  assertEquals(
    (await check({ ws2: 1, http: 2 }, { 1: "agent", 2: "agent" }, "stopped")).lines[0]?.startsWith(
      "WARN ws2 port",
    ),
    true,
  );
  assertEquals((await check({ ws2: 1, http: null }, { 1: "other" }, "stopped")).lines, [
    "WARN ws2 port: 127.0.0.1:1 is taken by a program that is not an agent (or an agent with http.enabled off)",
  ]);
  assertEquals((await check({ ws2: 0, http: null }, {}, "any")).lines, [
    "OK ws2 port: 0: the agent takes a free port at start, so it cannot be checked",
  ]);
});
