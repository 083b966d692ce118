/**
 * The allow-list patterns of `servers.agentServerHosts` and `servers.screenRecorderHosts`:
 * `host` (port 443), `host:port`, `*.domain` (any name under the domain, not the domain itself,
 * port 443) or `*.domain:port`. Exact string matching on the normalised host: no DNS.
 */
interface Pattern {
  readonly wildcard: boolean;
  readonly host: string;
  readonly port: number | null;
}

function parsePattern(text: string): Pattern {
  const wildcard = text.startsWith("*.");
  const rest = wildcard ? text.slice(2) : text;
  const colon = rest.lastIndexOf(":");
  if (colon < 0) return { wildcard, host: rest, port: null };
  return { wildcard, host: rest.slice(0, colon), port: Number(rest.slice(colon + 1)) };
}

function matches(pattern: Pattern, host: string, port: number): boolean {
  if ((pattern.port ?? 443) !== port) return false;
  return pattern.wildcard ? host.endsWith(`.${pattern.host}`) : host === pattern.host;
}

/** Whether `host:port` (host already normalised, lower case) is on the list. */
export function hostAllowed(patterns: readonly string[], host: string, port: number): boolean {
  return patterns.map(parsePattern).some((p) => matches(p, host, port));
}
