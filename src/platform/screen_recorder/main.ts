/**
 * The reference ScreenRecorder as a process, for tests that crash and restart it:
 *
 *   deno run -A src/platform/screen_recorder/main.ts --store DIR --token-secret-hex HEX
 *     (--cert FILE --key FILE | --insecure) [--grpc-port N] [--http-port N] [--host H]
 *
 * When both listeners are up it prints one line, `{"grpcPort":N,"httpPort":M}`, to stdout;
 * logs go to stderr (JSON lines). SIGTERM / SIGINT stop it cleanly (exit 0). Killed with
 * SIGKILL, it loses only what was never acknowledged, and starting it again on the same ports
 * and directory resumes every upload from its committed offset.
 */
import { startScreenRecorder } from "./server.ts";
import { hexToBytes } from "../../util/hex.ts";

export interface MainFlags {
  readonly store: string;
  readonly host: string;
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly tls: { readonly certFile: string; readonly keyFile: string } | "insecure";
  readonly tokenSecret: Uint8Array;
}

export class UsageError extends Error {
  override name = "UsageError";
}

const USAGE = "usage: main.ts --store DIR --token-secret-hex HEX (--cert FILE --key FILE | " +
  "--insecure) [--grpc-port N] [--http-port N] [--host H]";

function port(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new UsageError(`${flag}: not a port: ${value}`);
  return n;
}

function hexBytes(value: string): Uint8Array {
  // Not empty: an empty secret would accept tokens signed with an empty key.
  if (value === "") throw new UsageError("--token-secret-hex: not a hex string");
  try {
    return hexToBytes(value);
  } catch {
    throw new UsageError("--token-secret-hex: not a hex string");
  }
}

export function parseFlags(args: readonly string[]): MainFlags {
  const values = new Map<string, string>();
  let insecure = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "--insecure") {
      insecure = true;
      continue;
    }
    const eq = arg.indexOf("=");
    const [flag, inline] = eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    const known = ["--store", "--host", "--grpc-port", "--http-port", "--cert", "--key"];
    if (!known.includes(flag) && flag !== "--token-secret-hex") {
      throw new UsageError(`unknown argument ${flag}\n${USAGE}`);
    }
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    values.set(flag, value);
  }
  const store = values.get("--store");
  const secret = values.get("--token-secret-hex");
  if (store === undefined || secret === undefined) throw new UsageError(USAGE);
  const cert = values.get("--cert");
  const key = values.get("--key");
  if (insecure === (cert !== undefined || key !== undefined)) {
    throw new UsageError(`give either --cert and --key, or --insecure\n${USAGE}`);
  }
  if (!insecure && (cert === undefined || key === undefined)) {
    throw new UsageError("--cert and --key go together");
  }
  return {
    store,
    host: values.get("--host") ?? "127.0.0.1",
    grpcPort: port(values.get("--grpc-port") ?? "0", "--grpc-port"),
    httpPort: port(values.get("--http-port") ?? "0", "--http-port"),
    tls: insecure ? "insecure" : { certFile: cert ?? "", keyFile: key ?? "" },
    tokenSecret: hexBytes(secret),
  };
}

const encoder = new TextEncoder();

function writeLine(stream: { writeSync(p: Uint8Array): number }, line: string): void {
  const bytes = encoder.encode(line + "\n");
  let done = 0;
  while (done < bytes.length) done += stream.writeSync(bytes.subarray(done));
}

function logLine(level: string, template: string, properties: Record<string, unknown>): void {
  const message = template.replace(/\{(\w+)\}/g, (_, k: string) => String(properties[k]));
  writeLine(Deno.stderr, JSON.stringify({ time: new Date().toISOString(), level, message }));
}

export async function main(args: readonly string[]): Promise<number> {
  let flags: MainFlags;
  try {
    flags = parseFlags(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    writeLine(Deno.stderr, e.message);
    return 2;
  }
  const tls = flags.tls === "insecure" ? "insecure" as const : {
    certPem: await Deno.readTextFile(flags.tls.certFile),
    keyPem: await Deno.readTextFile(flags.tls.keyFile),
  };
  const recorder = await startScreenRecorder({ log: logLine }, {
    host: flags.host,
    grpcPort: flags.grpcPort,
    httpPort: flags.httpPort,
    storeDir: flags.store,
    tls,
    tokenSecret: flags.tokenSecret,
  });
  writeLine(
    Deno.stdout,
    JSON.stringify({ grpcPort: recorder.grpcPort, httpPort: recorder.httpPort }),
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    Deno.addSignalListener("SIGTERM", stop);
    Deno.addSignalListener("SIGINT", stop);
  });
  await recorder.stop();
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
