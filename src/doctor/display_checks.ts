/**
 * The screen: on Linux, an X11 display to capture (one frame grabbed with x11grab, as the
 * recorder will) and its monitors as the agent reports them to AgentServer (the display
 * lister of src/workstation/displays.ts); elsewhere the monitors only. A Wayland session is
 * refused as the agent refuses it (displays_wayland.ts).
 */
import type { SystemDeps } from "../app/system.ts";
import type { FfmpegInfo } from "../ffmpeg/probe.ts";
import type { DisplayLister, DisplayListerOptions, Monitor } from "../workstation/displays.ts";
import { isWaylandSession } from "../workstation/displays_wayland.ts";
import { fail, type Finding, ok, warn } from "./report.ts";

export type MakeDisplayLister = (options: DisplayListerOptions) => DisplayLister;

function monitorsLine(monitors: readonly Monitor[]): string {
  const each = monitors.map((m) =>
    `${m.width}x${m.height}${m.primary ? " (primary)" : ""} at ${m.x},${m.y}`
  );
  return `${monitors.length}: ${each.join("; ")}`;
}

async function monitorFindings(
  lister: MakeDisplayLister,
  options: DisplayListerOptions,
): Promise<Finding[]> {
  try {
    const monitors = await lister(options).list();
    return monitors.length > 0 ? [ok("monitors", monitorsLine(monitors))] : [
      warn(
        "monitors",
        "none found: nothing would be recorded",
        "connect a monitor, or check the graphical session",
      ),
    ];
  } catch (e) {
    // The agent lists them the same way for every recording: without a list, no recording.
    return [
      fail(
        "monitors",
        `cannot list the monitors: ${(e as Error).message}`,
        options.os === "linux"
          ? "install xrandr (x11-xserver-utils) and check X access rights (xhost/Xauthority)"
          : "run a short test recording; the agent reports monitors from the same source",
      ),
    ];
  }
}

async function grabFrame(
  sys: SystemDeps,
  info: FfmpegInfo,
  display: string,
): Promise<Finding> {
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
    return fail(
      "display",
      `cannot capture ${display}: ${r.stderr.trim().split("\n").pop() ?? ""}`,
      "check DISPLAY and X access rights (xhost/Xauthority)",
    );
  }
  const size = /, (\d{2,5}x\d{2,5})/.exec(r.stderr)?.[1] ?? "unknown size";
  return ok("display", `captured one frame of ${display}, ${size}`);
}

export async function displayFindings(
  sys: SystemDeps,
  info: FfmpegInfo | undefined,
  lister: MakeDisplayLister,
): Promise<Finding[]> {
  const os = sys.platform.os;
  if (os !== "linux") {
    return [
      warn("display", `no test capture on ${os} yet`, "run a short test recording"),
      ...await monitorFindings(lister, {
        os,
        ...(info ? { ffmpegPath: info.location.path } : {}),
      }),
    ];
  }
  const env = sys.platform.env;
  const display = env.DISPLAY;
  const session = { sessionType: env.XDG_SESSION_TYPE, waylandDisplay: env.WAYLAND_DISPLAY };
  if (isWaylandSession(session)) {
    return [fail(
      "display",
      `a Wayland session (${
        env.XDG_SESSION_TYPE ? `XDG_SESSION_TYPE=${env.XDG_SESSION_TYPE}` : "WAYLAND_DISPLAY set"
      }): the agent refuses to record, XWayland would give black screens`,
      'log in to an X11 (Xorg) session, e.g. "Ubuntu on Xorg" on the login screen',
    )];
  }
  if (!display) {
    return [fail(
      "display",
      "DISPLAY is not set: no X11 screen to capture",
      "run the agent inside the operator's graphical session",
    )];
  }
  const out: Finding[] = [];
  if (info?.captureBackends.includes("x11grab")) out.push(await grabFrame(sys, info, display));
  out.push(
    ...await monitorFindings(lister, {
      os,
      display,
      sessionType: env.XDG_SESSION_TYPE,
      waylandDisplay: env.WAYLAND_DISPLAY,
    }),
  );
  return out;
}
