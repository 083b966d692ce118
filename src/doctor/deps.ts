/**
 * What the doctor needs beyond `SystemDeps`: the network (TLS handshakes), sized directory
 * listings (the spool), the service manager's read-only queries and the display lister. Each
 * is an interface so that every check is tested with fakes; `realDoctorDeps` gives the real
 * ones, built on the system's own command runner and file reader.
 */
import type { SystemDeps } from "../app/system.ts";
import { denoServiceHost, type ServiceHost } from "../service/host.ts";
import { createDisplayLister } from "../workstation/displays.ts";
import type { MakeDisplayLister } from "./display_checks.ts";
import type { ServerCheckOptions } from "./server_checks.ts";
import { denoDoctorFiles, type DoctorFiles } from "./spool_checks.ts";
import { nodeTlsProbe, type ServerProbe } from "./tls_probe.ts";

export interface DoctorDeps {
  readonly probe: ServerProbe;
  readonly files: DoctorFiles;
  /** Only its read-only parts are used: `runner`, `readText`, `isFile`, `uid`. */
  readonly serviceHost: ServiceHost;
  readonly displayLister: MakeDisplayLister;
  readonly serverChecks?: ServerCheckOptions;
}

function readOnly(what: string): never {
  throw new Error(`doctor changes nothing (${what})`);
}

/** A service host that queries through the system's runner and cannot change anything. */
export function readOnlyServiceHost(sys: SystemDeps): ServiceHost {
  return {
    runner: sys.runner,
    readText: (file) => sys.readTextFile(file),
    isFile: (file) => sys.isFile(file),
    uid: () => denoServiceHost.uid(),
    writeText: () => Promise.reject(new Error("doctor changes nothing (write)")),
    writeBytes: () => Promise.reject(new Error("doctor changes nothing (write)")),
    remove: () => readOnly("remove"),
    ensureDir: () => readOnly("mkdir"),
    makeTempDir: () => readOnly("mkdtemp"),
    removeDir: () => readOnly("rmdir"),
  };
}

export function realDoctorDeps(sys: SystemDeps): DoctorDeps {
  return {
    probe: nodeTlsProbe,
    files: denoDoctorFiles,
    serviceHost: readOnlyServiceHost(sys),
    displayLister: (options) => createDisplayLister({ runner: sys.runner }, options),
  };
}
