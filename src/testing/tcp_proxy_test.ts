import { createHash } from "node:crypto";
import { assert, assertEquals, assertRejects } from "./assert.ts";
import { startTcpProxy, type TcpProxy } from "./tcp_proxy.ts";
import { writeAll } from "../util/write_all.ts";

const LOCAL = "127.0.0.1";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/** A server on 127.0.0.1 handing each accepted connection to the test (or echoing it). */
interface TestServer {
  readonly port: number;
  /** The next connection the server accepted. */
  accept(): Promise<Deno.Conn>;
  close(): Promise<void>;
}

function startServer(options: { echo?: boolean } = {}): TestServer {
  const listener = Deno.listen({ hostname: LOCAL, port: 0 });
  const conns: Deno.Conn[] = [];
  const waiting: ((conn: Deno.Conn) => void)[] = [];
  const arrived: Deno.Conn[] = [];
  const tasks: Promise<void>[] = [];
  const loop = (async () => {
    try {
      for await (const conn of listener) {
        conns.push(conn);
        if (options.echo) tasks.push(echo(conn));
        else {
          const w = waiting.shift();
          if (w) w(conn);
          else arrived.push(conn);
        }
      }
    } catch { /* listener closed */ }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    accept: () => {
      const conn = arrived.shift();
      return conn ? Promise.resolve(conn) : new Promise((resolve) => waiting.push(resolve));
    },
    close: async () => {
      listener.close();
      await loop;
      for (const conn of conns) closeQuietly(conn);
      await Promise.allSettled(tasks);
    },
  };
}

/** Echoes until EOF, then half-closes, so the client can read everything back. */
async function echo(conn: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      await writeAll(conn, buf.subarray(0, n));
    }
    await conn.closeWrite();
  } catch { /* the test cut or reset it */ }
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}

/** Everything until EOF. */
async function readAll(conn: Deno.Conn): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  const buf = new Uint8Array(64 * 1024);
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) break;
    parts.push(buf.slice(0, n));
    total += n;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

async function readExactly(conn: Deno.Conn, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  for (let at = 0; at < n;) {
    const got = await conn.read(out.subarray(at));
    if (got === null) throw new Error(`EOF after ${at} of ${n} bytes`);
    at += got;
  }
  return out;
}

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let at = 0; at < n; at += 65536) crypto.getRandomValues(out.subarray(at, at + 65536));
  return out;
}

async function eventually(what: string, check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(10);
  }
}

/** Resolves with a read's outcome: bytes, "eof", or the error's class name. */
async function readOutcome(conn: Deno.Conn): Promise<string> {
  try {
    const n = await conn.read(new Uint8Array(1024));
    return n === null ? "eof" : `${n} bytes`;
  } catch (e) {
    return (e as Error).name;
  }
}

/** A server, a proxy in front of it, and cleanup for both, whatever the test did. */
async function withProxy(
  serverOptions: { echo?: boolean },
  body: (proxy: TcpProxy, server: TestServer) => Promise<void>,
): Promise<void> {
  const server = startServer(serverOptions);
  const proxy = await startTcpProxy({ target: { hostname: LOCAL, port: server.port } });
  // A proxy bug tends to show as a read that never returns; fail instead of hanging the suite
  // (closing the proxy and server below ends those reads).
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out after 20 s")), 20_000);
  });
  try {
    await Promise.race([body(proxy, server), timeout]);
  } finally {
    clearTimeout(timer);
    await proxy.close();
    await server.close();
  }
}

const connect = (proxy: TcpProxy): Promise<Deno.Conn> =>
  Deno.connect({ hostname: LOCAL, port: proxy.port });

Deno.test("tcp proxy: echoes several MB byte-exact, on concurrent connections, with half-close", async () => {
  await withProxy({ echo: true }, async (proxy) => {
    const sizes = [8 * 1024 * 1024 + 13, 3 * 1024 * 1024, 1];
    await Promise.all(sizes.map(async (size) => {
      const data = randomBytes(size);
      const conn = await connect(proxy);
      const back = readAll(conn);
      await writeAll(conn, data);
      // The FIN travels through the proxy, the echo server answers with its own after the last
      // byte, and that FIN travels back: readAll ends only if both half-closes were forwarded.
      await conn.closeWrite();
      const got = await back;
      assertEquals(got.length, size);
      assertEquals(sha(got), sha(data));
      conn.close();
    }));
    assertEquals(proxy.accepted, 3);
    await eventually("all connections closed", () => proxy.connections === 0);
  });
});

Deno.test("tcp proxy: counts open and accepted connections", async () => {
  await withProxy({}, async (proxy, server) => {
    assertEquals([proxy.connections, proxy.accepted, proxy.refused], [0, 0, 0]);
    const a = await connect(proxy);
    const b = await connect(proxy);
    const [sa, sb] = [await server.accept(), await server.accept()];
    await eventually("two open", () => proxy.connections === 2);
    assertEquals(proxy.accepted, 2);
    a.close();
    assertEquals(await readOutcome(sa), "eof");
    sa.close();
    await eventually("one open", () => proxy.connections === 1);
    assertEquals(proxy.accepted, 2);
    b.close();
    sb.close();
    await eventually("none open", () => proxy.connections === 0);
  });
});

Deno.test("tcp proxy: cut() closes every connection cleanly, both sides see EOF", async () => {
  await withProxy({}, async (proxy, server) => {
    const client = await connect(proxy);
    const upstream = await server.accept();
    // Something in flight each way before the cut is still delivered.
    await writeAll(client, new Uint8Array([1, 2, 3]));
    await writeAll(upstream, new Uint8Array([4, 5]));
    assertEquals(await readExactly(upstream, 3), new Uint8Array([1, 2, 3]));
    assertEquals(await readExactly(client, 2), new Uint8Array([4, 5]));
    proxy.cut();
    assertEquals(await readOutcome(client), "eof");
    assertEquals(await readOutcome(upstream), "eof");
    client.close();
    upstream.close();
    await eventually("the cut connection closed", () => proxy.connections === 0);
    // The proxy itself keeps working.
    const again = await connect(proxy);
    const upstream2 = await server.accept();
    await writeAll(again, new Uint8Array([9]));
    assertEquals(await readExactly(upstream2, 1), new Uint8Array([9]));
    again.close();
    upstream2.close();
  });
});

Deno.test("tcp proxy: cut() closes even when the peers never answer the FIN", async () => {
  await withProxy({}, async (proxy, server) => {
    const client = await connect(proxy);
    const upstream = await server.accept();
    await eventually("open", () => proxy.connections === 1);
    proxy.cut();
    // Neither side closes: the proxy gives up on them after its grace period.
    await eventually("closed after the grace period", () => proxy.connections === 0, 3000);
    assertEquals(await readOutcome(client), "eof");
    assertEquals(await readOutcome(upstream), "eof");
    client.close();
    upstream.close();
  });
});

Deno.test("tcp proxy: reset() aborts with a RST, both peers see ECONNRESET", async () => {
  await withProxy({}, async (proxy, server) => {
    const client = await connect(proxy);
    const upstream = await server.accept();
    await writeAll(client, new Uint8Array([1]));
    assertEquals(await readExactly(upstream, 1), new Uint8Array([1]));
    proxy.reset();
    await assertRejects(() => client.read(new Uint8Array(16)), Deno.errors.ConnectionReset);
    await assertRejects(() => upstream.read(new Uint8Array(16)), Deno.errors.ConnectionReset);
    client.close();
    upstream.close();
    await eventually("reset connection gone", () => proxy.connections === 0);
  });
});

Deno.test("tcp proxy: a reset from one peer is passed on to the other", async () => {
  // The resetting peer is a second proxy: a Deno.Conn cannot send a RST (close() does
  // shutdown(SHUT_WR) first, so even with unread data the peer reads a FIN before any RST).
  await withProxy({}, async (far, server) => {
    const near = await startTcpProxy({ target: { hostname: LOCAL, port: far.port } });
    try {
      const client = await connect(near);
      const upstream = await server.accept();
      await writeAll(client, new Uint8Array([1]));
      assertEquals(await readExactly(upstream, 1), new Uint8Array([1]));
      far.reset();
      assertEquals(await readOutcome(client), "ConnectionReset");
      assertEquals(await readOutcome(upstream), "ConnectionReset");
      client.close();
      upstream.close();
      await eventually("the near proxy's connection gone", () => near.connections === 0);
    } finally {
      await near.close();
    }
  });
});

Deno.test("tcp proxy: hold() black-holes both directions until release()", async () => {
  await withProxy({}, async (proxy, server) => {
    const client = await connect(proxy);
    const upstream = await server.accept();
    await writeAll(client, new Uint8Array([0]));
    assertEquals(await readExactly(upstream, 1), new Uint8Array([0]));

    proxy.hold();
    const up = randomBytes(1024 * 1024);
    const down = randomBytes(300 * 1024);
    // Written concurrently: with nothing forwarded, a large write can only finish once
    // released, when the kernel buffers fill.
    const writes = Promise.all([writeAll(client, up), writeAll(upstream, down)]);
    let upstreamGot = 0;
    let clientGot = 0;
    const probeUp = upstream.read(new Uint8Array(1)).then((n) => upstreamGot += n ?? 0);
    const probeDown = client.read(new Uint8Array(1)).then((n) => clientGot += n ?? 0);
    await sleep(500);
    assertEquals([upstreamGot, clientGot], [0, 0], "nothing arrives while held");
    assertEquals(proxy.connections, 1, "the connection stays open");
    assert(proxy.buffered <= 512 * 1024, `the proxy holds ${proxy.buffered} bytes`);

    proxy.release();
    await Promise.all([probeUp, probeDown]);
    assertEquals([upstreamGot, clientGot], [1, 1]);
    const [restUp, restDown] = await Promise.all([
      readExactly(upstream, up.length - 1),
      readExactly(client, down.length - 1),
    ]);
    await writes;
    assertEquals(sha(restUp), sha(up.subarray(1)), "everything arrives after release, in order");
    assertEquals(sha(restDown), sha(down.subarray(1)));
    client.close();
    upstream.close();
  });
});

Deno.test("tcp proxy: a connection made while held is held too", async () => {
  await withProxy({}, async (proxy, server) => {
    proxy.hold();
    const client = await connect(proxy);
    const upstream = await server.accept();
    await writeAll(client, new Uint8Array([7]));
    let got = 0;
    const probe = upstream.read(new Uint8Array(1)).then((n) => got += n ?? 0);
    await sleep(300);
    assertEquals(got, 0);
    proxy.release();
    await probe;
    assertEquals(got, 1);
    client.close();
    upstream.close();
  });
});

Deno.test("tcp proxy: refuse() closes new connections, old ones are unaffected", async () => {
  await withProxy({ echo: true }, async (proxy) => {
    const old = await connect(proxy);
    await writeAll(old, new Uint8Array([1]));
    assertEquals(await readExactly(old, 1), new Uint8Array([1]));

    proxy.refuse(true);
    const refused = await connect(proxy);
    assertEquals(await readOutcome(refused), "eof");
    refused.close();
    await writeAll(old, new Uint8Array([2]));
    assertEquals(await readExactly(old, 1), new Uint8Array([2]), "the old connection still works");

    proxy.refuse(false);
    const fresh = await connect(proxy);
    await writeAll(fresh, new Uint8Array([3]));
    assertEquals(await readExactly(fresh, 1), new Uint8Array([3]));

    assertEquals([proxy.accepted, proxy.refused, proxy.connections], [3, 1, 2]);
    old.close();
    fresh.close();
  });
});

Deno.test("tcp proxy: a stalled reader holds the writer back without the proxy buffering", async () => {
  await withProxy({}, async (proxy, server) => {
    const client = await connect(proxy);
    const upstream = await server.accept();
    const data = randomBytes(64 * 1024 * 1024);
    let written = 0;
    let maxBuffered = 0;
    // The server reads nothing for a second.
    const writer = (async () => {
      for (let at = 0; at < data.length; at += 65536) {
        await writeAll(client, data.subarray(at, at + 65536));
        written = at + 65536;
        maxBuffered = Math.max(maxBuffered, proxy.buffered);
      }
    })();
    for (let i = 0; i < 20; i++) {
      await sleep(50);
      maxBuffered = Math.max(maxBuffered, proxy.buffered);
    }
    // Loopback socket buffers take a few MB on each side of the proxy; not 64.
    assert(written < 32 * 1024 * 1024, `the writer was not held back: ${written} bytes written`);
    assert(maxBuffered <= 512 * 1024, `the proxy buffered ${maxBuffered} bytes`);

    // Once the reader reads, everything arrives intact.
    const got = await readExactly(upstream, data.length);
    await writer;
    assertEquals(sha(got), sha(data));
    assert(maxBuffered <= 512 * 1024, `the proxy buffered ${maxBuffered} bytes`);
    client.close();
    upstream.close();
  });
});

Deno.test("tcp proxy: a target that is down resets the client", async () => {
  const vacant = Deno.listen({ hostname: LOCAL, port: 0 });
  const port = (vacant.addr as Deno.NetAddr).port;
  vacant.close();
  const proxy = await startTcpProxy({ target: { hostname: LOCAL, port } });
  try {
    const client = await Deno.connect({ hostname: LOCAL, port: proxy.port });
    assertEquals(await readOutcome(client), "ConnectionReset");
    client.close();
    await eventually("nothing open", () => proxy.connections === 0);
    assertEquals(proxy.accepted, 1);
  } finally {
    await proxy.close();
  }
});

Deno.test("tcp proxy: close() ends connections and the listener, and may be called twice", async () => {
  const server = startServer({ echo: true });
  const proxy = await startTcpProxy({ target: { hostname: LOCAL, port: server.port } });
  const client = await connect(proxy);
  await writeAll(client, new Uint8Array([1]));
  assertEquals(await readExactly(client, 1), new Uint8Array([1]));
  await Promise.all([proxy.close(), proxy.close()]);
  assertEquals(proxy.connections, 0);
  const outcome = await readOutcome(client);
  assert(outcome === "eof" || outcome === "ConnectionReset", outcome);
  client.close();
  await assertRejects(() => connect(proxy), Deno.errors.ConnectionRefused);
  await server.close();
});

Deno.test("tcp proxy: listens on the requested port", async () => {
  const probe = Deno.listen({ hostname: LOCAL, port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const proxy = await startTcpProxy({ target: { hostname: LOCAL, port: 9 }, port });
  try {
    assertEquals(proxy.port, port);
    // Taken: a second proxy on it fails to start.
    await assertRejects(() => startTcpProxy({ target: { hostname: LOCAL, port: 9 }, port }));
  } finally {
    await proxy.close();
  }
});
