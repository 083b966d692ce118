/**
 * `demo`: the whole product on one machine. The agent on embedded defaults (no config file,
 * free ports, a temporary directory for logs and spool) beside the embedded reference platform
 * — an AgentServer and a ScreenRecorder on TLS from a CA made for the run — and, when there is
 * no display, an X display of its own (Xvfb) showing the office-like scene. A JsSDK plays the
 * operator's web page and connects the agent exactly as on a workstation (PROTOCOL.md §3);
 * AgentServer records the monitors through start → restart → pause/resume → stop; the agent
 * uploads the parts; the demo checks every stored file and prints a summary.
 */
import type { SystemDeps } from "../app/system.ts";
import { FFMPEG_ENV } from "../ffmpeg/locate.ts";
import { PRODUCT_VERSION } from "../version.ts";
import type { DemoOptions } from "./demo_options.ts";
import { DEMO_SEGMENTS, demoScript, runRecordingScript } from "./demo_recording.ts";
import { openDemoSession } from "./demo_session.ts";
import { reportDemo } from "./demo_summary.ts";
import { startDemoDisplay } from "./demo_display.ts";
import { EXIT, type ExitCode } from "./exit_codes.ts";
import { checkAgentHealth } from "./demo_health.ts";
import { startStack } from "../platform/workplace/stack.ts";

/** The origin the demo's web page presents; the only one the demo agent lets in. */
const DEMO_ORIGIN = "https://workplace.demo.localhost";
/** After the stop, how long the last parts may take to reach the ScreenRecorder. */
const UPLOAD_WAIT_MS = 60_000;

export async function runDemo(
  deps: SystemDeps & { stopSignal: Promise<string> },
  options: DemoOptions,
): Promise<ExitCode> {
  const out = (line: string) => deps.writeStdout(`${line}\n`);
  const startedAt = Date.now();
  out(`${PRODUCT_VERSION} demo: the agent and the reference platform, on loopback`);
  const display = await startDemoDisplay(deps.platform.env.DISPLAY, options, out);
  const ffmpegPath = deps.platform.env[FFMPEG_ENV];
  const stack = await startStack({
    allowedOrigins: [DEMO_ORIGIN],
    agentEnv: {
      ...(ffmpegPath ? { [FFMPEG_ENV]: ffmpegPath } : {}),
      ...(display.display ? { DISPLAY: display.display } : {}),
      AGENT_HELPER_CAPTURE_FRAME_RATE: String(options.fps),
    },
  }).catch(async (e) => {
    await display.stop();
    throw e;
  });
  let passed = false;
  try {
    out(`  ScreenRecorder    ${stack.screenRecorder.address} (reference, TLS gRPC)`);
    const healthy = await checkAgentHealth(deps, stack, out);
    const session = await openDemoSession(stack, DEMO_ORIGIN, out);
    let recorded = false;
    let uploaded = false;
    let loggedOut = false;
    try {
      if (session.connected && session.displays > 0) {
        out(`Recording ${session.displays} monitor(s) at ${options.fps} fps, ${options.seconds} s`);
        recorded = await runRecordingScript(stack, demoScript(options.seconds), out);
        uploaded = await waitForUploads(stack, out);
      }
      loggedOut = await session.logout();
    } finally {
      session.close();
    }
    const checked = recorded && await reportDemo(stack, startedAt, {
      segments: DEMO_SEGMENTS,
      displays: session.displays,
    }, out);
    passed = healthy && session.connected && recorded && uploaded && loggedOut && checked;
    out(
      passed
        ? `demo OK in ${((Date.now() - startedAt) / 1000).toFixed(0)} s: registered, recorded, ` +
          "uploaded, every file checked"
        : "demo FAILED: see the lines above",
    );
    if (options.keep) {
      out(`running; the playback page is ${stack.screenRecorder.httpUrl}/ — Ctrl-C to stop`);
      await deps.stopSignal;
    }
  } finally {
    await stack.stop();
    await display.stop();
  }
  return passed ? EXIT.ok : EXIT.checksFailed;
}

async function waitForUploads(
  stack: Awaited<ReturnType<typeof startStack>>,
  out: (line: string) => void,
): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const done = await Promise.race([
    stack.agent.upload.uploader.drained().then(() => true),
    new Promise<false>((r) => (timer = setTimeout(() => r(false), UPLOAD_WAIT_MS))),
  ]);
  clearTimeout(timer);
  const status = stack.agent.upload.uploader.status();
  out(
    done
      ? `  uploads           done: ${status.totals.stored} file(s) stored, ` +
        `${status.totals.breaks} break(s), spool empty`
      : `  uploads           NOT done after ${UPLOAD_WAIT_MS / 1000} s: ${JSON.stringify(status)}`,
  );
  return done;
}
