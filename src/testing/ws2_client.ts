/**
 * A web page's side of ws2 for tests: Deno's WebSocket with the page's Origin (a browser sets
 * it itself), every message kept in order, and waits that end on a message or a deadline,
 * never on a sleep.
 */
export type Ws2Json = Record<string, unknown>;

export interface Ws2Client {
  readonly ws: WebSocket;
  /** Every message received so far, in order. */
  readonly received: readonly Ws2Json[];
  /** The next message not yet taken by `next`. */
  next(timeoutMs?: number): Promise<Ws2Json>;
  /**
   * The first message that `match` accepts, among those received from index `from` on (default
   * 0: already received or still to come). `received.length` before an action is a good `from`.
   */
  waitFor(match: (m: Ws2Json) => boolean, timeoutMs?: number, from?: number): Promise<Ws2Json>;
  /** Sends an envelope; `transaction` is the caller's. */
  send(action: string, data: unknown, transaction?: string): void;
  /** Sends and returns the reply carrying the same transaction. */
  request(action: string, data: unknown, timeoutMs?: number): Promise<Ws2Json>;
  readonly closed: Promise<CloseEvent>;
  close(): Promise<CloseEvent>;
}

let transactions = 0;

/** Opens ws2 on `port` as a page of `origin`; rejects when the handshake is refused. */
export function connectWs2(port: number, origin: string): Promise<Ws2Client> {
  const ws = new WebSocket(
    `ws://127.0.0.1:${port}/`,
    { headers: { origin } } as unknown as string[],
  );
  const received: Ws2Json[] = [];
  let taken = 0;
  const listeners = new Set<() => void>();
  ws.onmessage = (e) => {
    received.push(JSON.parse(e.data as string));
    for (const l of [...listeners]) l();
  };
  const closed = new Promise<CloseEvent>((resolve) =>
    ws.addEventListener("close", (e) => resolve(e))
  );
  const until = <T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> => {
    const found = probe();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(
          new Error(`ws2: no ${what} within ${timeoutMs} ms; got ${JSON.stringify(received)}`),
        );
      }, timeoutMs);
      const check = () => {
        const hit = probe();
        if (hit === undefined) return;
        clearTimeout(timer);
        listeners.delete(check);
        resolve(hit);
      };
      listeners.add(check);
    });
  };
  const client: Ws2Client = {
    ws,
    received,
    closed,
    next: (timeoutMs = 5000) =>
      until(() => (taken < received.length ? received[taken++] : undefined), timeoutMs, "message"),
    waitFor: (match, timeoutMs = 5000, from = 0) =>
      until(() => received.slice(from).find(match), timeoutMs, "match"),
    send(action, data, transaction) {
      ws.send(JSON.stringify({ action, version: "1.0", transaction, data }));
    },
    request(action, data, timeoutMs = 5000) {
      const tx = `t-${++transactions}`;
      client.send(action, data, tx);
      return client.waitFor((m) => m.transaction === tx, timeoutMs);
    },
    close() {
      ws.close();
      return closed;
    },
  };
  return new Promise((resolve, reject) => {
    ws.onopen = () => resolve(client);
    ws.onerror = () => reject(new Error("ws2 handshake refused"));
  });
}

/** Matches agentHelperState with this state (and reason, when given). */
export function isState(state: string, reason?: string): (m: Ws2Json) => boolean {
  return (m) => {
    if (m.action !== "agentHelperState") return false;
    const d = m.data as { connectionState?: string; resultDesc?: string };
    return d.connectionState === state && (reason === undefined || d.resultDesc === reason);
  };
}
