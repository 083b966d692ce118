/**
 * The one way the agent listens: HTTP (and WebSocket upgrades) on 127.0.0.1, never another
 * address — there is deliberately no hostname parameter (DESIGN.md §5).
 */
export const LOOPBACK = "127.0.0.1";

export interface LoopbackServer {
  /** The bound port (the OS's choice when 0 was asked). */
  readonly port: number;
  /** Stops accepting, ends open requests, resolves when the socket is closed. */
  close(): Promise<void>;
}

export type Handler = (
  request: Request,
  info: Deno.ServeHandlerInfo<Deno.NetAddr>,
) => Response | Promise<Response>;

/** Starts listening; rejects with `Deno.errors.AddrInUse` when the port is taken. */
export function serveLoopback(handler: Handler, port: number): Promise<LoopbackServer> {
  return new Promise((resolve, reject) => {
    try {
      const server = Deno.serve(
        {
          hostname: LOOPBACK,
          port,
          onListen: (addr) => {
            resolve({
              port: addr.port,
              close: async () => {
                await server.shutdown();
              },
            });
          },
          onError: () => new Response("internal error", { status: 500 }),
        },
        handler,
      );
    } catch (e) {
      reject(e);
    }
  });
}
