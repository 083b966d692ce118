/** The whole doctor in-process with fakes: order of the lines, their shape, what flows where. */
import { loadConfig } from "../config/load.ts";
import { makeTestPki } from "../platform/pki/test_pki.ts";
import { FakeHost } from "../service/fake_host.ts";
import { assert, assertEquals, assertStringIncludes } from "../testing/assert.ts";
import { runDoctor } from "./checks.ts";
import type { DoctorDeps } from "./deps.ts";
import {
  fakeFiles,
  fakeLister,
  FakeProbe,
  fakeSystem,
  FFMPEG,
  ffmpegReplies,
  monitor,
  ScriptedRunner,
} from "./fake_doctor.ts";
import { hasFailure, renderFindings } from "./report.ts";

const CONFIG = "/etc/agent-helper/config.json";
const CA = "/etc/agent-helper/ca.pem";
const GRAB = `${FFMPEG} -hide_banner -f x11grab -i :0 -frames:v 1 -f null -`;

function world(config: unknown, files: Record<string, string> = {}) {
  const runner = new ScriptedRunner({
    ...ffmpegReplies(),
    [GRAB]: { stderr: "Stream #0:0: Video: rawvideo, bgr0, 1280x720, 30 fps" },
  });
  const sys = fakeSystem({
    runner,
    env: { DISPLAY: ":0", XDG_SESSION_TYPE: "x11" },
    files: { [CONFIG]: JSON.stringify(config), [FFMPEG]: "binary", ...files },
    now: Date.now(),
  });
  const probe = new FakeProbe({
    "as.example.com:443": {
      ok: true,
      alpn: "http/1.1",
      peer: {
        subject: "CN=as.example.com",
        issuer: "CN=Corp CA",
        validFrom: Date.now() - 1e9,
        validTo: Date.now() + 1e11,
        altNames: "DNS:as.example.com",
      },
    },
  });
  const deps: DoctorDeps = {
    probe,
    files: fakeFiles({}),
    serviceHost: new FakeHost(),
    displayLister: fakeLister([monitor(0, 1280, 720)]),
  };
  const loaded = loadConfig(sys, { path: CONFIG });
  return { sys, probe, deps, loaded };
}

Deno.test("doctor: every line in order, the CA bundle trusted by the server probes", async () => {
  const { caPem } = await makeTestPki({ hosts: ["localhost"], validDays: 365 });
  const w = world({
    ws2: { port: 0, allowedOrigins: ["https://workplace.example.com"] },
    http: { port: 0 },
    servers: { agentServerHosts: ["as.example.com"], caBundle: CA },
    ffmpeg: { path: FFMPEG },
  }, { [CA]: caPem });
  const findings = await runDoctor(w.sys, w.loaded, w.deps);
  assertEquals(findings.map((f) => `${f.verdict} ${f.topic}`), [
    "OK config",
    "OK origins",
    "OK servers",
    "WARN servers",
    "OK CA bundle",
    "OK AgentServer",
    "OK ws2 port",
    "OK http port",
    "OK log directory",
    "OK spool directory",
    "OK spool",
    "OK ffmpeg",
    "OK capture",
    "OK H.264",
    "OK H.264",
    "OK display",
    "OK monitors",
    "WARN service",
  ]);
  const recorder = findings[3]!;
  assertStringIncludes(
    recorder.detail,
    "servers.screenRecorderHosts is empty: uploads will be refused",
  );
  assertStringIncludes(recorder.fix ?? "", "ScreenRecorder host names");
  assertEquals(w.probe.requests.map((r) => [r.host, r.port, r.caPem === caPem, r.verify]), [
    ["as.example.com", 443, true, true],
  ]);
  // --json prints these objects as they are: verdict, topic, detail and (WARN/FAIL) fix.
  for (const f of findings) {
    assertEquals(
      Object.keys(f).sort(),
      f.verdict === "OK" ? ["detail", "topic", "verdict"] : ["detail", "fix", "topic", "verdict"],
    );
  }
  assert(!hasFailure(findings));
  assertStringIncludes(renderFindings(findings), "16 OK, 2 WARN, 0 FAIL");
});

Deno.test("doctor: an invalid config fails, dials nothing, and the machine is still checked", async () => {
  const w = world({ ws2: { port: -1 }, servers: { agentServerHosts: ["as.example.com"] } });
  const findings = await runDoctor(w.sys, w.loaded, w.deps);
  const topics = findings.map((f) => `${f.verdict} ${f.topic}`);
  assertEquals(topics[0], "FAIL config");
  assertEquals(w.probe.requests, []);
  for (const t of ["ffmpeg", "monitors", "service"]) {
    assert(findings.some((f) => f.topic === t), `${t} is still checked`);
  }
  assert(hasFailure(findings));
  assert(findings.filter((f) => f.verdict !== "OK").every((f) => (f.fix ?? "") !== ""));
});

Deno.test("doctor: a missing CA bundle FAILs and the servers are probed with the system roots", async () => {
  const w = world({
    servers: {
      agentServerHosts: ["as.example.com"],
      screenRecorderHosts: ["*.rec.example"],
      caBundle: CA,
    },
    ffmpeg: { path: FFMPEG },
  });
  const findings = await runDoctor(w.sys, w.loaded, w.deps);
  const ca = findings.find((f) => f.topic === "CA bundle");
  assertEquals(ca?.verdict, "FAIL");
  assertStringIncludes(ca?.detail ?? "", "does not exist");
  assertEquals(w.probe.requests.map((r) => r.caPem), [null]);
  assertStringIncludes(
    findings.find((f) => f.topic === "ScreenRecorder")?.detail ?? "",
    "*.rec.example: a wildcard names no host to dial",
  );
});
