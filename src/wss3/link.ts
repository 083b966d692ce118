/**
 * The registration's view of a wss3 connection: dial with a token, send text, hear what
 * happened. One small interface so the registration shell can be driven without sockets; the
 * real adapter is `ws_connector.ts`.
 *
 * Contract: after `connect`, exactly one terminal callback fires, once: `onRefused` (the
 * upgrade got an HTTP status), `onFailed` (no connection: DNS, TCP, TLS, timeout), or, after
 * `onOpen`, `onClosed`. Nothing fires after the terminal callback, nor after `close()` was
 * called by the owner except that `onClosed` still reports the close.
 */
export interface LinkHandlers {
  onOpen(): void;
  onText(text: string): void;
  onRefused(status: number): void;
  onFailed(problem: string): void;
  onClosed(code: number, reason: string): void;
}

export interface Wss3Link {
  /** False when the link is not open (the message was not sent). */
  send(text: string): boolean;
  /**
   * Sends and resolves once the text has been handed to the socket (true), or false when the
   * link is not open or the write failed: the caller's own backpressure (the live view sends
   * its next fragment only then, so its queue, not the socket's buffer, absorbs a slow link).
   */
  sendFlushed(text: string): Promise<boolean>;
  close(code: number, reason: string): void;
}

export interface DialRequest {
  /** Already checked against the allow-list. */
  readonly url: string;
  readonly token: string;
}

export interface Wss3Connector {
  connect(request: DialRequest, handlers: LinkHandlers): Wss3Link;
}
