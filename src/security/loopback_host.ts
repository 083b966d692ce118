/**
 * DNS-rebinding guard for everything the agent serves on loopback: a browser that was tricked
 * into resolving evil.example.com to 127.0.0.1 still sends `Host: evil.example.com`, so only
 * `127.0.0.1:<port>` and `localhost:<port>` are accepted (DESIGN.md §5).
 */
export function isLoopbackHost(host: string | null | undefined, port: number): boolean {
  if (!host) return false;
  const h = host.trim().toLowerCase();
  const names = ["127.0.0.1", "localhost"];
  if (names.some((n) => h === `${n}:${port}`)) return true;
  return port === 80 && names.includes(h);
}
