import { assert, assertEquals, assertStringIncludes } from "../testing/assert.ts";
import { locateFfmpeg, type LocateFfmpegDeps } from "./locate.ts";

function deps(files: string[], over: Partial<LocateFfmpegDeps> = {}): LocateFfmpegDeps {
  return {
    os: "linux",
    env: { PATH: "/usr/local/bin:/usr/bin" },
    execPath: "/opt/agent-helper/agent-helper",
    projectRoot: "/src/agent-helper",
    isFile: (p) => files.includes(p),
    ...over,
  };
}

Deno.test("ffmpeg locate: config, env, beside the executable, ffmpeg-static, PATH, in that order", () => {
  const all = [
    "/cfg/ffmpeg",
    "/env/ffmpeg",
    "/opt/agent-helper/ffmpeg",
    "/src/agent-helper/node_modules/ffmpeg-static/ffmpeg",
    "/usr/bin/ffmpeg",
  ];
  const env = { PATH: "/usr/local/bin:/usr/bin", FFMPEG_PATH: "/env/ffmpeg" };
  const pick = (files: string[], configPath: string, e: Record<string, string> = env) => {
    const r = locateFfmpeg(deps(files, { env: e }), configPath);
    return r.ok ? `${r.location.source} ${r.location.path}` : `error: ${r.problem}`;
  };
  assertEquals(pick(all, "/cfg/ffmpeg"), "config /cfg/ffmpeg");
  assertEquals(pick(all, ""), "env /env/ffmpeg");
  const noEnv = { PATH: env.PATH };
  assertEquals(pick(all, "", noEnv), "beside-executable /opt/agent-helper/ffmpeg");
  assertEquals(
    pick(all.slice(3), "", noEnv),
    "ffmpeg-static /src/agent-helper/node_modules/ffmpeg-static/ffmpeg",
  );
  assertEquals(pick(all.slice(4), "", noEnv), "PATH /usr/bin/ffmpeg");
});

Deno.test("ffmpeg locate: an explicit path that is missing is an error, never a silent fallback", () => {
  const r = locateFfmpeg(deps(["/usr/bin/ffmpeg"]), "/opt/missing/ffmpeg");
  assert(!r.ok);
  assertStringIncludes(r.problem, "/opt/missing/ffmpeg");
  assertStringIncludes(r.fix, "ffmpeg.path");
});

Deno.test("ffmpeg locate: nothing found names the fix for the OS", () => {
  const linux = locateFfmpeg(deps([]), "");
  assert(!linux.ok);
  assertStringIncludes(linux.fix, "apt-get install ffmpeg");
  const win = locateFfmpeg(
    deps([], { os: "windows", env: { Path: "C:\\Windows" }, execPath: "C:\\AH\\agent-helper.exe" }),
    "",
  );
  assert(!win.ok);
  assertEquals(win.tried[0]?.path, "C:\\AH\\ffmpeg.exe");
  assertStringIncludes(win.fix, "ffmpeg.exe beside");
});
