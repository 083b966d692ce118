/**
 * Lints `proto/` with buf and generates its TypeScript into `src/proto/` with protoc-gen-es,
 * both from node_modules (npm packages; buf compiles the protos itself, so no protoc).
 *
 *   deno run -A scripts/gen_proto.ts            lint, then write src/proto/
 *   deno run -A scripts/gen_proto.ts --check    lint, generate into a temporary directory and
 *                                               exit 1 naming every file that differs
 */
const ROOT = new URL("../", import.meta.url).pathname;
const OUT = "src/proto";
const BUF = `${ROOT}node_modules/.bin/buf`;

async function buf(args: string[]): Promise<void> {
  const { code } = await new Deno.Command(BUF, { args, cwd: ROOT, stdout: "inherit" }).output();
  if (code !== 0) throw new Error(`buf ${args.join(" ")} failed (exit ${code})`);
}

async function files(dir: string, prefix = ""): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) {
      for (const [k, v] of await files(path, `${prefix}${e.name}/`)) out.set(k, v);
    } else out.set(`${prefix}${e.name}`, await Deno.readTextFile(path));
  }
  return out;
}

async function listOrEmpty(dir: string): Promise<Map<string, string>> {
  try {
    return await files(dir);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return new Map();
    throw e;
  }
}

await buf(["lint"]);
if (!Deno.args.includes("--check")) {
  await buf(["generate"]);
  Deno.stdout.writeSync(new TextEncoder().encode(`proto: generated ${OUT}/\n`));
} else {
  const tmp = await Deno.makeTempDir({ prefix: "gen-proto-" });
  try {
    await buf(["generate", "--output", tmp]);
    const want = await listOrEmpty(`${tmp}/${OUT}`);
    const have = await listOrEmpty(`${ROOT}${OUT}`);
    const drift = [...new Set([...want.keys(), ...have.keys()])]
      .filter((f) => want.get(f) !== have.get(f))
      .map((f) => `${OUT}/${f}: ${!have.has(f) ? "missing" : !want.has(f) ? "extra" : "differs"}`);
    if (drift.length > 0) {
      Deno.stderr.writeSync(
        new TextEncoder().encode(
          `proto: generated code drifted; run \`deno task gen:proto\`:\n  ${drift.join("\n  ")}\n`,
        ),
      );
      Deno.exit(1);
    }
    Deno.stdout.writeSync(new TextEncoder().encode(`proto: ${OUT}/ is up to date\n`));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}
