/**
 * A TCP proxy for fault tests (test helper only): tests put it between the agent and a server
 * on 127.0.0.1 and then break the connections in the ways networks do — a clean close, a
 * reset, a black hole, a refused reconnect — without touching either end.
 *
 * Built on node:net rather than Deno.listen/Deno.connect because only node:net can abort a
 * connection with a TCP RST: `Socket.resetAndDestroy()` sets SO_LINGER to 0 and closes, and
 * Deno's node:net implements it (checked on Deno 2.9: the peer's read fails with ECONNRESET,
 * "Connection reset by peer (os error 104)"). Deno.Conn has no linger option — its only
 * socket options are setNoDelay and setKeepAlive — so closing one always sends a FIN.
 *
 * Bytes are forwarded unchanged and with backpressure: a direction stops reading from its
 * source while the destination's write buffer is above its high-water mark, so a slow or
 * stalled side is held back by TCP flow control instead of by memory in the proxy. What the
 * proxy holds at any moment is bounded per direction by about one read (64 KiB) plus the
 * stream buffers' high-water marks; {@link TcpProxy.buffered} reports it so tests can check.
 */
import net from "node:net";

export interface TcpProxyOptions {
  /** Where connections are forwarded. */
  readonly target: { readonly hostname: string; readonly port: number };
  /** Port to listen on, on 127.0.0.1; 0 or absent: any free port. */
  readonly port?: number;
}

export interface TcpProxy {
  /** The port the proxy listens on (127.0.0.1). */
  readonly port: number;
  /** Connections open now: accepted, not refused, and not yet closed on both sides. */
  readonly connections: number;
  /** Connections the proxy has accepted since it started, refused ones included. */
  readonly accepted: number;
  /** Of {@link accepted}, those closed at once because {@link refuse} was on. */
  readonly refused: number;
  /** Bytes the proxy holds in memory now, all connections and both directions together. */
  readonly buffered: number;
  /**
   * Closes every current connection cleanly: bytes the proxy has already written on are
   * delivered (anything still held back by {@link hold} is dropped), then each side gets a
   * FIN, and whatever either side sends afterwards is discarded.
   */
  cut(): void;
  /** Aborts every current connection with a TCP RST to both sides (peers see ECONNRESET). */
  reset(): void;
  /**
   * A black hole: stops forwarding in both directions, for current and new connections, while
   * keeping them open, until {@link release}. New connections are still accepted and connected
   * to the target (the handshake completes, as it would through a silent path). Bytes sent
   * meanwhile wait in the kernels' socket buffers and the proxy's bounded buffers, then flow on
   * release, in order, none lost; a sender that goes on writing blocks on TCP flow control.
   */
  hold(): void;
  /** Ends {@link hold}. */
  release(): void;
  /** While on, each new connection is closed (FIN) right after it is accepted. */
  refuse(on: boolean): void;
  /** Stops listening and closes every connection; resolves when all sockets are closed. */
  close(): Promise<void>;
}

/**
 * After a clean close, how long a side may keep its half open before the proxy closes the
 * socket anyway: long enough for a peer to answer the FIN with its own (so closing does not
 * meet unread data and turn into a RST), short enough that a silent peer does not pin a test.
 */
const GRACE_MS = 1000;

/** Shared by every connection of one proxy. */
interface ProxyState {
  held: boolean;
}

/** Aborts with a RST; a socket with no connection yet (still connecting) is just closed. */
function abort(socket: net.Socket): void {
  if (socket.destroyed) return;
  if (socket.connecting) {
    socket.destroy();
    return;
  }
  try {
    socket.resetAndDestroy();
  } catch {
    // Not connected after all (closed between the checks above and here): nothing to reset.
    socket.destroy();
  }
}

/**
 * Closes `socket` with a FIN after its queued writes, discarding whatever it still receives;
 * the socket is destroyed when the peer's FIN arrives or, failing that, after GRACE_MS.
 */
function closeGracefully(socket: net.Socket, timers: Set<ReturnType<typeof setTimeout>>): void {
  if (socket.destroyed) return;
  socket.removeAllListeners("data");
  socket.on("data", () => {});
  socket.resume();
  socket.end();
  const timer = setTimeout(() => {
    timers.delete(timer);
    socket.destroy();
  }, GRACE_MS);
  timers.add(timer);
  socket.once("close", () => {
    clearTimeout(timer);
    timers.delete(timer);
  });
}

/** One direction of a connection: reads `from`, writes `to`. */
class Pipe {
  /** Chunks read while forwarding was stopped (a read already under way when pausing). */
  readonly #queue: Uint8Array[] = [];
  #queued = 0;
  #draining = false;
  /** `from` has sent its FIN; it is passed on once everything before it is written. */
  #ended = false;
  #stopped = false;

  constructor(
    readonly from: net.Socket,
    readonly to: net.Socket,
    readonly state: ProxyState,
  ) {
    from.on("data", (chunk: Uint8Array) => {
      if (this.#stopped) return;
      if (this.state.held || this.#queue.length > 0) {
        this.#queue.push(chunk);
        this.#queued += chunk.length;
        from.pause();
        return;
      }
      this.#write(chunk);
    });
    from.on("end", () => {
      this.#ended = true;
      this.update();
    });
    to.on("drain", () => {
      this.#draining = false;
      this.update();
    });
    this.update();
  }

  /** Bytes held by this direction: queued here and in both sockets' stream buffers. */
  get buffered(): number {
    return this.#queued + this.from.readableLength + this.to.writableLength;
  }

  /** Brings reading in line with the hold and backpressure state. */
  update(): void {
    if (this.#stopped || this.to.destroyed) return;
    if (this.state.held) {
      this.from.pause();
      return;
    }
    while (this.#queue.length > 0 && !this.#draining) {
      const chunk = this.#queue.shift()!;
      this.#queued -= chunk.length;
      this.#write(chunk);
    }
    if (this.#draining || this.#queue.length > 0) return;
    if (this.#ended) {
      if (!this.to.writableEnded) this.to.end();
      return;
    }
    this.from.resume();
  }

  /** Forwarding ends for good (a cut): nothing more is read for or written to `to`. */
  stop(): void {
    this.#stopped = true;
    this.#queue.length = 0;
    this.#queued = 0;
  }

  #write(chunk: Uint8Array): void {
    if (this.to.destroyed || this.to.writableEnded) return;
    if (!this.to.write(chunk)) {
      // Above the destination's high-water mark: stop reading until it drains, so the source
      // feels the slow side through TCP flow control.
      this.#draining = true;
      this.from.pause();
    }
  }
}

/** A client connection and its connection to the target. */
class Link {
  readonly pipes: Pipe[] = [];
  readonly closed: Promise<void>;
  #cut = false;

  constructor(
    readonly client: net.Socket,
    readonly upstream: net.Socket,
    state: ProxyState,
    readonly timers: Set<ReturnType<typeof setTimeout>>,
  ) {
    const closes = [client, upstream].map((socket, i, both) => {
      const other = both[1 - i]!;
      // A failure on one side (a reset from its peer, a refused or failed connect, a write
      // to a dead socket) aborts the other side too, so the far peer sees what a direct
      // connection would have shown it, instead of a connection that silently lives on.
      socket.on("error", () => {
        if (!this.#cut) abort(other);
      });
      return new Promise<void>((resolve) => socket.once("close", () => resolve()));
    });
    this.closed = Promise.all(closes).then(() => {});
    upstream.once("connect", () => {
      if (client.destroyed || this.#cut) return;
      // Nagle in the proxy would add delays the direct path does not have; each end still
      // decides for its own socket.
      client.setNoDelay(true);
      upstream.setNoDelay(true);
      this.pipes.push(new Pipe(client, upstream, state), new Pipe(upstream, client, state));
    });
  }

  get buffered(): number {
    return this.pipes.reduce((sum, pipe) => sum + pipe.buffered, 0);
  }

  cut(): void {
    if (this.#cut) return;
    this.#cut = true;
    for (const pipe of this.pipes) pipe.stop();
    if (this.upstream.connecting) this.upstream.destroy();
    closeGracefully(this.client, this.timers);
    closeGracefully(this.upstream, this.timers);
  }

  reset(): void {
    this.#cut = true;
    for (const pipe of this.pipes) pipe.stop();
    abort(this.client);
    abort(this.upstream);
  }

  destroy(): void {
    this.#cut = true;
    this.client.destroy();
    this.upstream.destroy();
  }
}

/** Starts a proxy on 127.0.0.1 forwarding to `options.target`; see {@link TcpProxy}. */
export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const state: ProxyState = { held: false };
  const links = new Set<Link>();
  /** Refused connections still closing; close() must not leave them behind. */
  const refusedSockets = new Set<net.Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let accepted = 0;
  let refused = 0;
  let refusing = false;
  let closing: Promise<void> | null = null;

  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    accepted++;
    // Nothing is read from the client before the target has answered: the bytes wait in the
    // kernel, not here.
    client.pause();
    if (refusing || closing !== null) {
      refused++;
      client.on("error", () => {});
      refusedSockets.add(client);
      client.once("close", () => refusedSockets.delete(client));
      closeGracefully(client, timers);
      return;
    }
    const upstream = net.connect({
      host: options.target.hostname,
      port: options.target.port,
      allowHalfOpen: true,
    });
    const link = new Link(client, upstream, state, timers);
    links.add(link);
    link.closed.then(() => links.delete(link));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: options.port ?? 0 }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") {
    server.close();
    throw new Error("tcp proxy: the listener has no TCP address");
  }

  const updateAll = () => {
    for (const link of links) for (const pipe of link.pipes) pipe.update();
  };

  return {
    port: address.port,
    get connections() {
      return links.size;
    },
    get accepted() {
      return accepted;
    },
    get refused() {
      return refused;
    },
    get buffered() {
      let sum = 0;
      for (const link of links) sum += link.buffered;
      return sum;
    },
    cut() {
      for (const link of links) link.cut();
    },
    reset() {
      for (const link of links) link.reset();
    },
    hold() {
      state.held = true;
      updateAll();
    },
    release() {
      state.held = false;
      updateAll();
    },
    refuse(on: boolean) {
      refusing = on;
    },
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const link of links) link.destroy();
        for (const socket of refusedSockets) socket.destroy();
        await Promise.all([stopped, ...[...links].map((link) => link.closed)]);
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
      })();
      return closing;
    },
  };
}
