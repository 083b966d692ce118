/**
 * The JsSDK reaches its two channels (wss1 to AgentServer, ws2 to the helper) through one tiny
 * interface, so the same code runs in a browser (the page's `WebSocket`, Origin set by the
 * browser), in Deno (a `WebSocket` with an `Origin` header and a test CA) and against fakes in
 * unit tests. No Deno or DOM API is named here: only the standard `WebSocket` shape.
 */

/** What the JsSDK is told about one socket; `closed` is called exactly once. */
export interface SocketHandlers {
  opened(): void;
  message(text: string): void;
  /** The socket closed, or never opened (a refused handshake, an unreachable port). */
  closed(code: number, reason: string): void;
}

export interface SdkSocket {
  send(text: string): void;
  close(code?: number, reason?: string): void;
}

/**
 * Opens a socket to `url`. May throw synchronously (a malformed URL): that counts as closed. The
 * handlers are called only later, never from inside the factory call (as a WebSocket does).
 */
export type SocketFactory = (url: string, handlers: SocketHandlers) => SdkSocket;

/**
 * Adapts a standard WebSocket constructor call to {@link SocketFactory}. `make` defaults to the
 * global `WebSocket` (what a page uses); Deno code passes its own to add headers or a TLS client.
 */
export function webSocketFactory(
  make: (url: string) => WebSocket = (url) => new WebSocket(url),
): SocketFactory {
  return (url, handlers) => {
    const ws = make(url);
    let done = false;
    const finish = (code: number, reason: string) => {
      if (done) return;
      done = true;
      handlers.closed(code, reason);
    };
    ws.addEventListener("open", () => {
      if (!done) handlers.opened();
    });
    ws.addEventListener("message", (event) => {
      if (done) return;
      // The JsSDK's peers speak JSON text only; a binary frame is passed on as unreadable text.
      handlers.message(typeof event.data === "string" ? event.data : "");
    });
    // A browser fires `error` then `close`; some runtimes only one of them. Whichever is first
    // ends the socket for the JsSDK.
    ws.addEventListener("error", () => finish(1006, "error"));
    ws.addEventListener("close", (event) => finish(event.code, event.reason));
    return {
      send: (text) => ws.send(text),
      close: (code, reason) => {
        try {
          ws.close(code, reason);
        } catch { /* closing a socket that never opened is not an error worth reporting */ }
        // Not waiting for the close event: the JsSDK has let go of this socket.
        finish(code ?? 1000, reason ?? "closed by the JsSDK");
      },
    };
  };
}
