/**
 * The facts `agentHelperInfo` reports about the workstation (PROTOCOL.md §4: computerName,
 * realComputerName, realComputerIP, osLogin, osDomain, versionAgentHelper; DESIGN.md §2 adds
 * osVersion). Pure: the environment, host name, OS release, user and addresses come in as
 * data (`system_facts.ts` gathers them), so every OS and every kind of remote session is
 * testable anywhere.
 *
 * On a virtual workplace (VDI, RDP, Citrix) the helper runs on the virtual desktop, so the OS's
 * own name is the virtual machine's: that is `computerName`. `realComputerName` /
 * `realComputerIP` are the physical client the operator sits at, known only from what the
 * remoting product puts into the session's environment (Windows):
 *
 * - VMware Horizon: Horizon Agent writes the client's details to `HKCU\Volatile Environment`
 *   on connect and reconnect, among them `ViewClient_Machine_Name` and
 *   `ViewClient_IP_Address` (also `ViewClient_Machine_Domain`, `ViewClient_MAC_Address`), which
 *   Windows puts into the environment of the user's processes.
 *   https://docs.vmware.com/de/VMware-Horizon/2006/horizon-remote-desktop-features/GUID-86ED59AD-3A2C-4B71-8CFE-19B33E76E571.html
 *   http://vdesktops.blogspot.com/2010/11/view-client.html
 *   Checked first: Blast/PCoIP sessions on a single-user VM run in the console session, so
 *   `SESSIONNAME` says nothing there.
 * - Remote Desktop: `SESSIONNAME` is `Console` locally and `RDP-Tcp#<n>` in an RDP session;
 *   `CLIENTNAME` holds the connecting computer's name (absent or empty on the console).
 *   https://tutorialreference.pages.dev/batch-scripting/examples/faq/batch-script-how-to-detect-if-running-inside-a-remote-desktop-rdp-session
 * - Citrix (ICA/HDX): "Within an ICA session, an environment variable called CLIENTNAME exists
 *   to uniquely identify the ICA client machine"; `SESSIONNAME` starts with `ICA-`.
 *   http://www.citrixguide.com/citrix-clients/1098-how-win32-ica-client-determines-value-clientname-post1214.html
 *   Citrix Remote PC Access remotes the console session itself, so a `CLIENTNAME` other than
 *   this machine's name counts as a remote session even when `SESSIONNAME` is `Console`.
 *
 * Rules: a field that is not known is left out, never guessed. In a remote session without
 * the client's name or address those fields are absent (the virtual desktop is not the real
 * computer); in a local session the real computer is this one, and its IP is the first
 * non-internal, non-link-local IPv4 address. The environment is the one the agent started
 * with: a Horizon/RDP reconnect from another client updates the registry, not a running
 * process's environment (reading the registry per reconnect is Windows work, issue 5).
 * On Linux and macOS sessions count as local (no VDI detection yet).
 */
import type { OsName } from "../config/paths.ts";
import { PRODUCT_VERSION } from "../version.ts";

export interface NetworkAddress {
  /** The interface's name (eth0, "Ethernet 2"), for logs. */
  readonly interfaceName: string;
  readonly address: string;
  readonly family: "IPv4" | "IPv6";
  /** Loopback. */
  readonly internal: boolean;
}

export interface FactsInput {
  readonly os: OsName;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The OS's host name (`os.hostname()`). */
  readonly hostname: string;
  /** Kernel / NT version (`os.release()`), e.g. "6.1.0-18-amd64", "10.0.22631". */
  readonly osRelease: string;
  /** The distribution or product, when the adapter could read it (Linux PRETTY_NAME). */
  readonly osDescription?: string | undefined;
  /** The account name from the OS (`os.userInfo()`), when the environment has none. */
  readonly userName?: string | undefined;
  /** This machine's addresses, in the OS's order. */
  readonly addresses: readonly NetworkAddress[];
  /** Default {@link PRODUCT_VERSION}. */
  readonly versionAgentHelper?: string | undefined;
}

/** How the operator reaches this desktop, as far as the environment tells. */
export type SessionKind = "local" | "horizon" | "rdp" | "citrix" | "remote";

export interface WorkstationFacts {
  readonly computerName?: string;
  readonly realComputerName?: string;
  readonly realComputerIP?: string;
  readonly osLogin?: string;
  readonly osDomain?: string;
  readonly versionAgentHelper: string;
  readonly osVersion: string;
  /** For logs and doctor; not a field of agentHelperInfo. */
  readonly session: SessionKind;
}

/** What every text field of agentHelperInfo may hold (fields.ts `shortText`). */
const MAX_TEXT = 256;

function clip(value: string): string {
  return value.length > MAX_TEXT ? value.slice(0, MAX_TEXT) : value;
}

/** Windows' environment is case-insensitive; elsewhere names are exact. Blank means absent. */
function envReader(input: FactsInput): (name: string) => string | undefined {
  const entries = Object.entries(input.env);
  return (name) => {
    let value = input.env[name];
    if (value === undefined && input.os === "windows") {
      const lower = name.toLowerCase();
      value = entries.find(([k]) => k.toLowerCase() === lower)?.[1];
    }
    const trimmed = value?.trim();
    return trimmed ? clip(trimmed) : undefined;
  };
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IPV6 = /^[0-9A-Fa-f:.]{2,45}$/;

function looksLikeIp(value: string): boolean {
  return IPV4.test(value) || (value.includes(":") && IPV6.test(value));
}

/** The first address another machine could know this one by. */
export function primaryIPv4(addresses: readonly NetworkAddress[]): string | undefined {
  return addresses.find((a) =>
    a.family === "IPv4" && !a.internal && IPV4.test(a.address) &&
    !a.address.startsWith("169.254.") && !a.address.startsWith("127.")
  )?.address;
}

const KERNEL_LABEL: Record<OsName, string> = {
  windows: "Windows",
  linux: "Linux",
  darwin: "Darwin",
};

/** "Debian GNU/Linux 12 (bookworm); Linux 6.1.0-18-amd64", or "Windows 10.0.22631". */
export function osVersionText(
  os: OsName,
  release: string,
  description?: string | undefined,
): string {
  const kernel = `${KERNEL_LABEL[os]} ${release.trim()}`.trim();
  const desc = description?.trim();
  return clip(desc ? `${desc}; ${kernel}` : kernel);
}

interface Remote {
  readonly session: SessionKind;
  readonly clientName?: string | undefined;
  readonly clientIP?: string | undefined;
}

function remoteSession(
  input: FactsInput,
  env: (name: string) => string | undefined,
  own: string,
): Remote | null {
  if (input.os !== "windows") return null;
  const horizonName = env("ViewClient_Machine_Name");
  const horizonIP = env("ViewClient_IP_Address");
  if (horizonName !== undefined || horizonIP !== undefined) {
    return {
      session: "horizon",
      clientName: horizonName,
      clientIP: horizonIP !== undefined && looksLikeIp(horizonIP) ? horizonIP : undefined,
    };
  }
  const sessionName = env("SESSIONNAME")?.toUpperCase() ?? "";
  const rawClient = env("CLIENTNAME");
  const clientName = rawClient === undefined || rawClient.toLowerCase() === "console"
    ? undefined
    : rawClient;
  if (sessionName.startsWith("RDP-")) return { session: "rdp", clientName };
  if (sessionName.startsWith("ICA-")) return { session: "citrix", clientName };
  if (clientName !== undefined && clientName.toLowerCase() !== own.toLowerCase()) {
    return { session: "remote", clientName };
  }
  return null;
}

export function workstationFacts(input: FactsInput): WorkstationFacts {
  const env = envReader(input);
  const hostname = input.hostname.trim();
  const computerName = hostname
    ? clip(hostname)
    : input.os === "windows"
    ? env("COMPUTERNAME")
    : env("HOSTNAME");
  const userName = input.userName?.trim();
  const osLogin = input.os === "windows"
    ? env("USERNAME") ?? (userName ? clip(userName) : undefined)
    : env("USER") ?? env("LOGNAME") ?? (userName ? clip(userName) : undefined);
  const osDomain = input.os === "windows" ? env("USERDOMAIN") : undefined;
  const remote = remoteSession(input, env, computerName ?? "");
  const realComputerName = remote ? remote.clientName : computerName;
  const realComputerIP = remote ? remote.clientIP : primaryIPv4(input.addresses);
  return {
    ...(computerName === undefined ? {} : { computerName }),
    ...(realComputerName === undefined ? {} : { realComputerName }),
    ...(realComputerIP === undefined ? {} : { realComputerIP }),
    ...(osLogin === undefined ? {} : { osLogin }),
    ...(osDomain === undefined ? {} : { osDomain }),
    versionAgentHelper: clip(input.versionAgentHelper ?? PRODUCT_VERSION),
    osVersion: osVersionText(input.os, input.osRelease, input.osDescription),
    session: remote?.session ?? "local",
  };
}
