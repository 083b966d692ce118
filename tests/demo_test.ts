/**
 * The README's first command, end to end (issue 7): the real `main.ts demo` in a child process
 * with no display, so it starts its own Xvfb and office scene, registers through the JsSDK,
 * records two monitors through start → restart → pause/resume → stop, uploads to the reference
 * ScreenRecorder and checks every stored file. Its summary is the assertion.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../src/testing/assert.ts";
import { runMain } from "../src/testing/run_command.ts";

function demo(args: string[], env: Record<string, string> = {}) {
  // No DISPLAY: the demo brings its own. Settings from the environment must not leak in.
  return runMain(["demo", ...args], { AGENT_HELPER_WS2_PORT: "1", ...env });
}

Deno.test({
  name: "demo: connect, record two monitors, upload, check every file; exit 0 with the summary",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const r = await demo(["--seconds", "12", "--monitors", "2"]);
    const all = `${r.stdout}\n${r.stderr}`;
    assertEquals(r.code, 0, all);
    assertMatch(r.stdout, /GET \/readyz\s+200 config ok, ffmpeg ok, spool ok, ws2 ok/);
    assertMatch(r.stdout, /registration\s+helper says active, AgentServer says active/);
    assertMatch(r.stdout, /getDisplayInfo: 2 display\(s\)/);
    for (const action of ["start", "restart", "pause", "resume", "stop"]) {
      assertMatch(r.stdout, new RegExp(`\\] ${action}ScreenRecord[^:]*: success`), action);
    }
    assertMatch(r.stdout, /uploads\s+done: 6 file\(s\) stored/);
    assertMatch(r.stdout, /\+[\d.]+ s\s+inactive \(closedByClient\)/);
    // One row per segment × monitor, every one stored whole and matching.
    const rows = r.stdout.split("\n").filter((l) => /^\s+demo-seg-\d\s/.test(l));
    assertEquals(rows.length, 4, all);
    for (const row of rows) assertMatch(row, /\s\d+\s+match$/, row);
    assertMatch(rows[0]!, /demo-seg-1\s+0 1280x720\s+1\s/);
    assertMatch(rows[3]!, /demo-seg-2\s+1 1024x768\s+2\s/, "pause/resume: two parts");
    assertMatch(r.stdout, /Playback page\s+http:\/\/127\.0\.0\.1:\d+\//);
    assertStringIncludes(r.stdout, "demo OK");
  },
});

Deno.test({
  name: "demo: a check that fails makes it say FAILED and exit 4; bad options exit 2",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const broken = await demo(["--seconds", "8", "--monitors", "1"], {
      FFMPEG_PATH: "/nowhere/ffmpeg",
    });
    assertEquals(broken.code, 4, broken.stdout + broken.stderr);
    assertMatch(broken.stdout, /ffmpeg\s+UNUSABLE: .*nowhere\/ffmpeg/);
    assertStringIncludes(broken.stdout, "demo FAILED");
    const usage = await demo(["--fps", "99"]);
    assertEquals(usage.code, 2);
    assertStringIncludes(usage.stderr, "--fps must be a whole number from 1 to 30");
    assert(!usage.stdout.includes("demo"), "nothing started");
  },
});
