import { assert, assertEquals, assertMatch, assertStringIncludes } from "../testing/assert.ts";
import { ENV_KEYS, envNameFor } from "./env_overrides.ts";
import { loadConfig, type LoadConfigDeps } from "./load.ts";
import type { PlatformFacts } from "./paths.ts";
import { formatProblems } from "./problems.ts";

function deps(files: Record<string, string>, env: Record<string, string> = {}): LoadConfigDeps {
  const platform: PlatformFacts = { os: "linux", env, homeDir: "/home/op" };
  return { platform, cwd: "/work", readTextFile: (p) => files[p] };
}

Deno.test("config: no file and no env gives the documented defaults, frozen", () => {
  const r = loadConfig(deps({}));
  assert(r.ok);
  assertEquals(r.file, null);
  assertEquals(r.config.ws2.port, 41770);
  assertEquals(r.config.capture.frameRate, 5);
  assertEquals(r.config.log.retentionDays, 14);
  assertEquals(r.config.log.directory, "/home/op/.local/state/agent-helper/logs");
  assertEquals(r.config.spool.directory, "/home/op/.local/state/agent-helper/spool");
  assert(Object.isFrozen(r.config) && Object.isFrozen(r.config.ws2.allowedOrigins));
});

Deno.test("config: /etc wins over the user's file; relative paths resolve beside the file", () => {
  const r = loadConfig(deps({
    "/etc/agent-helper/config.json": JSON.stringify({
      log: { directory: "logs" },
      ws2: { port: 5000 },
    }),
    "/home/op/.config/agent-helper/config.json": JSON.stringify({ ws2: { port: 6000 } }),
  }));
  assert(r.ok);
  assertEquals(r.file, { path: "/etc/agent-helper/config.json", origin: "standard" });
  assertEquals(r.config.ws2.port, 5000);
  assertEquals(r.config.log.directory, "/etc/agent-helper/logs");
});

Deno.test("config: the XDG file is used when /etc has none", () => {
  const r = loadConfig(deps({
    "/xdg/agent-helper/config.json": JSON.stringify({ ws2: { port: 6000 } }),
  }, { XDG_CONFIG_HOME: "/xdg" }));
  assert(r.ok);
  assertEquals(r.config.ws2.port, 6000);
});

Deno.test("config: environment overrides the file, typed by the schema", () => {
  const r = loadConfig(
    deps({ "/work/c.json": JSON.stringify({ ws2: { port: 5000 } }) }, {
      AGENT_HELPER_WS2_PORT: "5001",
      AGENT_HELPER_WS2_ALLOWED_ORIGINS: "https://a.example.com, http://127.0.0.1:8080",
      AGENT_HELPER_LOG_CONSOLE: "false",
      AGENT_HELPER_CAPTURE_DISPLAYS: '[{"display":1,"crf":25}]',
    }),
    { path: "c.json" },
  );
  assert(r.ok, JSON.stringify(r));
  assertEquals(r.config.ws2.port, 5001);
  assertEquals(r.config.ws2.allowedOrigins, ["https://a.example.com", "http://127.0.0.1:8080"]);
  assertEquals(r.config.log.console, false);
  assertEquals(r.config.capture.displays, [{ display: 1, crf: 25 }]);
  assertEquals(r.envOverrides.length, 4);
});

Deno.test("config: every key has a distinct env name", () => {
  const names = ENV_KEYS.map((k) => k.name);
  assertEquals(new Set(names).size, names.length);
  assertEquals(envNameFor(["log", "retentionDays"]), "AGENT_HELPER_LOG_RETENTION_DAYS");
  assert(names.includes("AGENT_HELPER_SERVERS_AGENT_SERVER_HOSTS"));
});

Deno.test("config: a bad config lists every problem with where, expected and found", () => {
  const r = loadConfig(
    deps({
      "/work/bad.json": JSON.stringify({
        ws2: {
          port: 70000,
          allowedOrigins: ["https://ok.example.com", "https://evil.example.com/path"],
        },
        log: { level: "loud", retentionDays: 0 },
        capture: { frameRate: 60 },
        servers: { agentServerHosts: ["wss://host.example.com"] },
        typo: true,
      }),
    }, { AGENT_HELPER_HTTP_PORT: "eighty", AGENT_HELPER_NO_SUCH: "1" }),
    { path: "/work/bad.json" },
  );
  assert(!r.ok);
  const text = formatProblems("config is invalid", r.problems);
  const expectLine = (where: string, found: string) =>
    assert(
      r.problems.some((p) => p.where.includes(where) && p.found.includes(found)),
      `no problem at ${where} with ${found} in:\n${text}`,
    );
  expectLine("/work/bad.json: ws2.port", "70000");
  expectLine("/work/bad.json: ws2.allowedOrigins.1", "evil.example.com/path");
  expectLine("/work/bad.json: log.level", "loud");
  expectLine("/work/bad.json: log.retentionDays", "0");
  expectLine("/work/bad.json: capture.frameRate", "60");
  expectLine("/work/bad.json: servers.agentServerHosts.0", "wss://");
  expectLine("/work/bad.json: typo", "unknown key");
  expectLine("environment AGENT_HELPER_HTTP_PORT", "eighty");
  expectLine("environment AGENT_HELPER_NO_SUCH", "unknown variable");
  assertEquals(r.problems.length, 9, text);
  assertMatch(text, /^config is invalid \(9 problems\):/);
  assertStringIncludes(text, 'expected one of "trace"');
});

Deno.test("config: JSON syntax errors say where; a missing --config file is a problem", () => {
  const r = loadConfig(deps({ "/work/c.json": '{\n  "ws2": { "port": 1, }\n}' }), {
    path: "c.json",
  });
  assert(!r.ok);
  assertEquals(r.problems.length, 1);
  assertMatch(r.problems[0]!.where, /^\/work\/c\.json at line 2, column \d+$/);
  const missing = loadConfig(deps({}), { path: "/nowhere.json" });
  assert(!missing.ok);
  assertEquals(missing.problems[0]!.found, "no such file");
});

Deno.test("config: Windows and macOS standard locations", () => {
  const win = loadConfig({
    platform: {
      os: "windows",
      env: { ProgramData: "D:\\PD", LOCALAPPDATA: "C:\\Users\\op\\AppData\\Local" },
      homeDir: "C:\\Users\\op",
    },
    cwd: "C:\\",
    readTextFile: (p) =>
      p === "D:\\PD\\AgentHelper\\config.json" ? '{"ws2":{"port":7}}' : undefined,
  });
  assert(win.ok);
  assertEquals(win.config.ws2.port, 7);
  assertEquals(win.config.log.directory, "C:\\Users\\op\\AppData\\Local\\AgentHelper\\logs");
  const mac = loadConfig({
    platform: { os: "darwin", env: {}, homeDir: "/Users/op" },
    cwd: "/",
    readTextFile: () => undefined,
  });
  assert(mac.ok);
  assertEquals(mac.config.log.directory, "/Users/op/Library/Logs/AgentHelper");
  assertEquals(
    mac.config.spool.directory,
    "/Users/op/Library/Application Support/AgentHelper/spool",
  );
});
