/** workstationFacts on every kind of session the helper meets, from plain data. */
import { assertEquals } from "../testing/assert.ts";
import { PRODUCT_VERSION } from "../version.ts";
import {
  type FactsInput,
  type NetworkAddress,
  osVersionText,
  primaryIPv4,
  type WorkstationFacts,
  workstationFacts,
} from "./facts.ts";

const LAN: NetworkAddress[] = [
  { interfaceName: "lo", address: "127.0.0.1", family: "IPv4", internal: true },
  { interfaceName: "lo", address: "::1", family: "IPv6", internal: true },
  { interfaceName: "eth0", address: "fe80::1", family: "IPv6", internal: false },
  { interfaceName: "eth0", address: "10.20.30.40", family: "IPv4", internal: false },
  { interfaceName: "eth1", address: "10.99.0.1", family: "IPv4", internal: false },
];

const WINDOWS_BASE = {
  os: "windows",
  hostname: "VDI-OPS-017",
  osRelease: "10.0.22631",
  userName: "operator1",
  addresses: LAN,
  versionAgentHelper: "AgentHelper 1.2.3",
} as const;

const WINDOWS_ENV = {
  COMPUTERNAME: "VDI-OPS-017",
  USERNAME: "operator1",
  USERDOMAIN: "CORP",
};

interface Case {
  readonly name: string;
  readonly input: FactsInput;
  readonly expected: WorkstationFacts;
}

const CASES: Case[] = [
  {
    name: "local Linux desktop",
    input: {
      os: "linux",
      env: { USER: "anna", LOGNAME: "anna-login", DISPLAY: ":0" },
      hostname: "ops-ws-12",
      osRelease: "6.1.0-18-amd64",
      osDescription: "Debian GNU/Linux 12 (bookworm)",
      userName: "anna",
      addresses: LAN,
      versionAgentHelper: "AgentHelper 1.2.3",
    },
    expected: {
      computerName: "ops-ws-12",
      realComputerName: "ops-ws-12",
      realComputerIP: "10.20.30.40",
      osLogin: "anna",
      versionAgentHelper: "AgentHelper 1.2.3",
      osVersion: "Debian GNU/Linux 12 (bookworm); Linux 6.1.0-18-amd64",
      session: "local",
    },
  },
  {
    name: "Windows console (operator at the machine)",
    input: {
      ...WINDOWS_BASE,
      hostname: "OPS-WS-12",
      env: { ...WINDOWS_ENV, COMPUTERNAME: "OPS-WS-12", SESSIONNAME: "Console" },
    },
    expected: {
      computerName: "OPS-WS-12",
      realComputerName: "OPS-WS-12",
      realComputerIP: "10.20.30.40",
      osLogin: "operator1",
      osDomain: "CORP",
      versionAgentHelper: "AgentHelper 1.2.3",
      osVersion: "Windows 10.0.22631",
      session: "local",
    },
  },
  {
    name: "Windows RDP session: the client's name, its address unknown",
    input: {
      ...WINDOWS_BASE,
      env: { ...WINDOWS_ENV, SESSIONNAME: "RDP-Tcp#3", CLIENTNAME: "HOME-LAPTOP" },
    },
    expected: {
      computerName: "VDI-OPS-017",
      realComputerName: "HOME-LAPTOP",
      osLogin: "operator1",
      osDomain: "CORP",
      versionAgentHelper: "AgentHelper 1.2.3",
      osVersion: "Windows 10.0.22631",
      session: "rdp",
    },
  },
  {
    name: "Citrix ICA session (variable names in other case)",
    input: {
      ...WINDOWS_BASE,
      env: {
        ComputerName: "VDI-OPS-017",
        UserName: "operator1",
        UserDomain: "CORP",
        SessionName: "ICA-CGP#7",
        ClientName: "THIN-CLIENT-04",
      },
    },
    expected: {
      computerName: "VDI-OPS-017",
      realComputerName: "THIN-CLIENT-04",
      osLogin: "operator1",
      osDomain: "CORP",
      versionAgentHelper: "AgentHelper 1.2.3",
      osVersion: "Windows 10.0.22631",
      session: "citrix",
    },
  },
  {
    name: "Citrix Remote PC Access: console session, another client's name",
    input: {
      ...WINDOWS_BASE,
      env: { ...WINDOWS_ENV, SESSIONNAME: "Console", CLIENTNAME: "HOME-PC" },
    },
    expected: {
      computerName: "VDI-OPS-017",
      realComputerName: "HOME-PC",
      osLogin: "operator1",
      osDomain: "CORP",
      versionAgentHelper: "AgentHelper 1.2.3",
      osVersion: "Windows 10.0.22631",
      session: "remote",
    },
  },
  {
    name: "VMware Horizon (Blast, console session): client name and address",
    input: {
      ...WINDOWS_BASE,
      env: {
        ...WINDOWS_ENV,
        SESSIONNAME: "Console",
        ViewClient_Machine_Name: "cac-jo-257",
        ViewClient_IP_Address: "192.168.7.21",
        ViewClient_Machine_Domain: "HOME",
      },
    },
    expected: {
      computerName: "VDI-OPS-017",
      realComputerName: "cac-jo-257",
      realComputerIP: "192.168.7.21",
      osLogin: "operator1",
      osDomain: "CORP",
      versionAgentHelper: "AgentHelper 1.2.3",
      osVersion: "Windows 10.0.22631",
      session: "horizon",
    },
  },
  {
    name: "Horizon over RDP: Horizon's facts win over CLIENTNAME; a junk address is dropped",
    input: {
      ...WINDOWS_BASE,
      env: {
        ...WINDOWS_ENV,
        SESSIONNAME: "RDP-Tcp#0",
        CLIENTNAME: "SOMETHING",
        ViewClient_Machine_Name: "cac-jo-257",
        ViewClient_IP_Address: "not-an-ip",
      },
    },
    expected: {
      computerName: "VDI-OPS-017",
      realComputerName: "cac-jo-257",
      osLogin: "operator1",
      osDomain: "CORP",
      versionAgentHelper: "AgentHelper 1.2.3",
      osVersion: "Windows 10.0.22631",
      session: "horizon",
    },
  },
  {
    name: "RDP without CLIENTNAME: nothing is known about the real computer",
    input: { ...WINDOWS_BASE, env: { ...WINDOWS_ENV, SESSIONNAME: "RDP-Tcp#1", CLIENTNAME: " " } },
    expected: {
      computerName: "VDI-OPS-017",
      osLogin: "operator1",
      osDomain: "CORP",
      versionAgentHelper: "AgentHelper 1.2.3",
      osVersion: "Windows 10.0.22631",
      session: "rdp",
    },
  },
  {
    name: "CLIENTNAME/SESSIONNAME on Linux mean nothing; no user, no address, no description",
    input: {
      os: "linux",
      env: { SESSIONNAME: "RDP-Tcp#1", CLIENTNAME: "X" },
      hostname: "box",
      osRelease: "6.8.0",
      addresses: [
        { interfaceName: "lo", address: "127.0.0.1", family: "IPv4", internal: true },
        { interfaceName: "eth0", address: "169.254.3.4", family: "IPv4", internal: false },
      ],
    },
    expected: {
      computerName: "box",
      realComputerName: "box",
      versionAgentHelper: PRODUCT_VERSION,
      osVersion: "Linux 6.8.0",
      session: "local",
    },
  },
  {
    name: "macOS: the login from USER, else the OS's user; no domain",
    input: {
      os: "darwin",
      env: {},
      hostname: "ops-mac.local",
      osRelease: "23.4.0",
      userName: "bob",
      addresses: LAN,
      versionAgentHelper: "AgentHelper 1.2.3",
    },
    expected: {
      computerName: "ops-mac.local",
      realComputerName: "ops-mac.local",
      realComputerIP: "10.20.30.40",
      osLogin: "bob",
      versionAgentHelper: "AgentHelper 1.2.3",
      osVersion: "Darwin 23.4.0",
      session: "local",
    },
  },
];

for (const c of CASES) {
  Deno.test(`workstationFacts: ${c.name}`, () => {
    assertEquals(workstationFacts(c.input), c.expected);
  });
}

Deno.test("workstationFacts: long values are cut to what agentHelperInfo may carry", () => {
  const facts = workstationFacts({
    ...WINDOWS_BASE,
    env: { ...WINDOWS_ENV, SESSIONNAME: "RDP-Tcp#1", CLIENTNAME: "C".repeat(1000) },
  });
  assertEquals(facts.realComputerName?.length, 256);
});

Deno.test("primaryIPv4 and osVersionText", () => {
  assertEquals(primaryIPv4(LAN), "10.20.30.40");
  assertEquals(primaryIPv4([]), undefined);
  assertEquals(osVersionText("windows", "10.0.19045"), "Windows 10.0.19045");
  assertEquals(osVersionText("linux", "", "Ubuntu 24.04 LTS"), "Ubuntu 24.04 LTS; Linux");
});
