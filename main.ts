/**
 * AgentHelper's entry point: wires the real system into the CLI and exits with its code.
 * See `agent-helper --help`.
 */
import { realSystem } from "./src/app/system.ts";
import { main } from "./src/cli/main.ts";

function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const signals: Deno.Signal[] = Deno.build.os === "windows"
      ? ["SIGINT", "SIGBREAK"]
      : ["SIGINT", "SIGTERM"];
    for (const s of signals) Deno.addSignalListener(s, () => resolve(s));
  });
}

if (import.meta.main) {
  const code = await main(Deno.args, { ...realSystem(import.meta.url), stopSignal: stopSignal() });
  Deno.exit(code);
}
