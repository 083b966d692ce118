/**
 * The build's packaging, run for real on the host target: `deno compile` with the `deno`
 * executable itself standing in for the runtime (DENORT_BIN), since the real runtime (denort)
 * is not downloadable here. The stand-in makes a file that is not a working agent, so what is
 * checked is everything around it: the archive's layout, ffmpeg beside the executable,
 * BUILD.json, SHA256SUMS, and the refusals. `tests/binary_test.ts` runs a real binary.
 */
import { createHash } from "node:crypto";
import { assert, assertEquals, assertMatch } from "../../src/testing/assert.ts";
import { runCommand } from "../../src/testing/run_command.ts";

const BUILD = new URL("./build.ts", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;
const DENO_BIN = `${ROOT}node_modules/deno/deno`;

async function build(args: string[], env: Record<string, string>) {
  const r = await runCommand(Deno.execPath(), ["run", "-A", BUILD, ...args], env);
  return { code: r.code, out: r.stdout + r.stderr };
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

Deno.test({
  name: "build: an archive with the executable, ffmpeg beside it, BUILD.json and its SHA-256",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "ah-build-" });
    try {
      await Deno.mkdir(`${dir}/ff/linux-x86_64`, { recursive: true });
      await Deno.writeTextFile(`${dir}/ff/linux-x86_64/ffmpeg`, "#!/bin/sh\necho ffmpeg\n");
      const r = await build(
        ["--target", "linux-x86_64", "--ffmpeg-dir", `${dir}/ff`, "--out", `${dir}/dist`],
        { DENORT_BIN: DENO_BIN },
      );
      assertEquals(r.code, 0, r.out);
      const version = JSON.parse(await Deno.readTextFile(`${ROOT}package.json`)).version;
      const name = `agent-helper-${version}-linux-x86_64.tar.gz`;
      const archive = await Deno.readFile(`${dir}/dist/${name}`);
      assertEquals(
        await Deno.readTextFile(`${dir}/dist/SHA256SUMS`),
        `${sha256(archive)}  ${name}\n`,
      );
      await Deno.mkdir(`${dir}/x`);
      const tar = await new Deno.Command("tar", {
        args: ["xzf", `${dir}/dist/${name}`, "-C", `${dir}/x`],
      })
        .output();
      assertEquals(tar.code, 0);
      const files = [...Deno.readDirSync(`${dir}/x/agent-helper`)].map((e) => e.name).sort();
      assertEquals(files, ["BUILD.json", "agent-helper", "ffmpeg"]);
      const info = JSON.parse(await Deno.readTextFile(`${dir}/x/agent-helper/BUILD.json`));
      assertEquals([info.version, info.target, info.ffmpeg], [
        version,
        "x86_64-unknown-linux-gnu",
        "beside the executable",
      ]);
      for (const f of ["agent-helper", "ffmpeg"]) {
        assertEquals(info.files[f], sha256(await Deno.readFile(`${dir}/x/agent-helper/${f}`)), f);
        assert(((await Deno.stat(`${dir}/x/agent-helper/${f}`)).mode ?? 0) & 0o100, `${f} +x`);
      }
      assertMatch(info.commit, /^([0-9a-f]{40}|unknown)$/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("build: what cannot work is refused with what to do, never a stack trace", async () => {
  const cases: [string[], Record<string, string>, number, RegExp][] = [
    [["--target", "sparc"], {}, 3, /unknown target sparc; one of: linux-x86_64/],
    [["--bogus"], {}, 2, /Unknown option '--bogus'/],
    [[], { DENORT_BIN: DENO_BIN }, 3, /DENORT_BIN names one runtime, but several targets/],
    [["--target", "linux-x86_64"], { DENORT_BIN: "/nowhere/denort" }, 3, /does not exist/],
    [
      ["--target", "macos-aarch64"],
      { DENORT_DIR: "/tmp" },
      3,
      /DENORT_DIR has no denort-aarch64-apple-darwin/,
    ],
  ];
  for (const [args, env, code, message] of cases) {
    const r = await build(args, env);
    assertEquals(r.code, code, r.out);
    assertMatch(r.out, message);
    assert(!/Stack backtrace| {4}at /.test(r.out), r.out);
  }
});
