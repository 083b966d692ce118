/**
 * `doctor`: everything an administrator can check without the platform, each finding with its
 * fix. Reads only through `SystemDeps`, so it says the same thing the agent would experience.
 */
import { ffmpegLocateDeps, type SystemDeps } from "../app/system.ts";
import type { LoadConfigResult } from "../config/load.ts";
import { locateFfmpeg } from "../ffmpeg/locate.ts";
import { type FfmpegInfo, probeFfmpeg } from "../ffmpeg/probe.ts";
import { fail, type Finding, ok, warn } from "./report.ts";

const CAPTURE_FOR_OS = {
  linux: ["x11grab"],
  windows: ["ddagrab", "gdigrab"],
  darwin: ["avfoundation"],
} as const;

function configFindings(loaded: LoadConfigResult): Finding[] {
  const source = loaded.file ? loaded.file.path : "built-in defaults (no config file found)";
  if (!loaded.ok) {
    return loaded.problems.map((p) =>
      fail(
        "config",
        `${p.where}: expected ${p.expected}; found ${p.found}`,
        "edit the value named (see README, Configuration)",
      )
    );
  }
  const out = [ok("config", `valid: ${source}`)];
  const c = loaded.config;
  if (c.ws2.allowedOrigins.length === 0) {
    out.push(
      warn(
        "origins",
        "ws2.allowedOrigins is empty: no web workplace can connect",
        "add the workplace's origin, e.g. https://workplace.example.com",
      ),
    );
  } else out.push(ok("origins", c.ws2.allowedOrigins.join(", ")));
  if (c.servers.agentServerHosts.length === 0) {
    out.push(
      warn(
        "servers",
        "servers.agentServerHosts is empty: registration will be refused",
        "list the AgentServer host names",
      ),
    );
  } else out.push(ok("servers", `AgentServer: ${c.servers.agentServerHosts.join(", ")}`));
  if (c.servers.devMode) {
    out.push(
      warn(
        "dev mode",
        "servers.devMode is on: plaintext to loopback allowed",
        "turn it off outside development",
      ),
    );
  }
  return out;
}

function portFindings(sys: SystemDeps, loaded: LoadConfigResult): Promise<Finding[]> {
  if (!loaded.ok) return Promise.resolve([]);
  const c = loaded.config;
  const ports = [
    ["ws2 port", c.ws2.port],
    ...(c.http.enabled ? [["http port", c.http.port] as const] : []),
  ] as const;
  return Promise.all(ports.map(async ([topic, port]) => {
    if (port === 0) return ok(topic, "0: chosen at start");
    if (sys.portFree(port)) return ok(topic, `127.0.0.1:${port} is free`);
    const health = c.http.enabled
      ? await sys.httpGet(`http://127.0.0.1:${c.http.port}/healthz`)
      : null;
    if (health?.status === 200 && health.body.trim() === "ok") {
      return ok(topic, `127.0.0.1:${port} is in use by a running agent (healthz answers)`);
    }
    return fail(
      topic,
      `127.0.0.1:${port} is taken by another program`,
      `free it, or choose another port in the config`,
    );
  }));
}

function dirFindings(sys: SystemDeps, loaded: LoadConfigResult): Finding[] {
  if (!loaded.ok) return [];
  return [["log directory", loaded.config.log.directory], [
    "spool directory",
    loaded.config.spool.directory,
  ]].map(
    ([topic, dir]) => {
      const problem = sys.ensureWritableDir(dir as string);
      return problem
        ? fail(topic as string, problem, "create it and give the operator's account write access")
        : ok(topic as string, `${dir} is writable`);
    },
  );
}

function caFinding(sys: SystemDeps, loaded: LoadConfigResult): Finding[] {
  if (!loaded.ok || loaded.config.servers.caBundle === "") return [];
  const file = loaded.config.servers.caBundle;
  const text = sys.readTextFile(file);
  if (text === undefined) {
    return [fail("CA bundle", `${file} does not exist`, "fix servers.caBundle")];
  }
  const count = text.split("-----BEGIN CERTIFICATE-----").length - 1;
  return count > 0 ? [ok("CA bundle", `${file}: ${count} certificate(s)`)] : [
    fail("CA bundle", `${file} holds no PEM certificate`, "point servers.caBundle at a PEM file"),
  ];
}

async function ffmpegFindings(
  sys: SystemDeps,
  configPath: string,
): Promise<{ findings: Finding[]; info?: FfmpegInfo }> {
  const located = locateFfmpeg(ffmpegLocateDeps(sys), configPath);
  if (!located.ok) return { findings: [fail("ffmpeg", located.problem, located.fix)] };
  let info: FfmpegInfo;
  try {
    info = await probeFfmpeg(sys.runner, located.location);
  } catch (e) {
    return {
      findings: [fail("ffmpeg", (e as Error).message, "replace it with a working ffmpeg build")],
    };
  }
  const findings = [
    ok("ffmpeg", `${info.version} at ${info.location.path} (${info.location.source})`),
  ];
  const wanted = CAPTURE_FOR_OS[sys.platform.os];
  const has = wanted.filter((b) => info.captureBackends.includes(b));
  findings.push(
    has.length > 0 ? ok("capture", `backends: ${info.captureBackends.join(", ")}`) : fail(
      "capture",
      `this ffmpeg has none of ${wanted.join(", ")}`,
      "use an ffmpeg built with screen capture for this OS",
    ),
  );
  findings.push(
    info.h264Encoders.includes("libx264")
      ? ok("H.264", `encoders: ${info.h264Encoders.join(", ")}`)
      : info.h264Encoders.length > 0
      ? warn(
        "H.264",
        `no libx264; hardware only: ${info.h264Encoders.join(", ")}`,
        "use an ffmpeg with libx264 as the fallback",
      )
      : fail("H.264", "no H.264 encoder", "use an ffmpeg built with libx264"),
  );
  return { findings, info };
}

async function displayFindings(sys: SystemDeps, info: FfmpegInfo | undefined): Promise<Finding[]> {
  if (sys.platform.os !== "linux") {
    return [warn("display", `not checked on ${sys.platform.os} yet`, "run a short test recording")];
  }
  const env = sys.platform.env;
  const display = env.DISPLAY;
  if (!display) {
    return env.WAYLAND_DISPLAY || env.XDG_SESSION_TYPE === "wayland"
      ? [
        fail(
          "display",
          "a Wayland session without X11: screen capture is unsupported",
          "log in to an X11 (Xorg) session",
        ),
      ]
      : [
        fail(
          "display",
          "DISPLAY is not set: no X11 screen to capture",
          "run the agent inside the operator's graphical session",
        ),
      ];
  }
  if (!info?.captureBackends.includes("x11grab")) return [];
  const r = await sys.runner.run(info.location.path, [
    "-hide_banner",
    "-f",
    "x11grab",
    "-i",
    display,
    "-frames:v",
    "1",
    "-f",
    "null",
    "-",
  ], {
    timeoutMs: 10_000,
  }).catch((e: Error) => ({ code: -1, stdout: "", stderr: e.message }));
  if (r.code !== 0) {
    return [
      fail(
        "display",
        `cannot capture ${display}: ${r.stderr.trim().split("\n").pop() ?? ""}`,
        "check DISPLAY and X access rights (xhost/Xauthority)",
      ),
    ];
  }
  const size = /, (\d{2,5}x\d{2,5})/.exec(r.stderr)?.[1] ?? "unknown size";
  const wayland = env.WAYLAND_DISPLAY ? " (XWayland: only X11 windows are visible)" : "";
  return [ok("display", `captured one frame of ${display}, ${size}${wayland}`)];
}

export async function runDoctor(sys: SystemDeps, loaded: LoadConfigResult): Promise<Finding[]> {
  const ff = await ffmpegFindings(sys, loaded.ok ? loaded.config.ffmpeg.path : "");
  return [
    ...configFindings(loaded),
    ...caFinding(sys, loaded),
    ...(await portFindings(sys, loaded)),
    ...dirFindings(sys, loaded),
    ...ff.findings,
    ...(await displayFindings(sys, ff.info)),
  ];
}
