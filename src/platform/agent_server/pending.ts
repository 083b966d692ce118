/**
 * Commands sent to a helper that await its reply: each has a fresh transaction, a deadline on
 * the injected clock, and the connection it went out on (a closed connection fails its
 * commands at once instead of letting them time out).
 */
import type { Clock, TimerId } from "../../clock/clock.ts";
import type { InboundMessage } from "../../protocol/catalog.ts";

export type CommandFailure =
  | "notConnected" // no wss3 connection for that user
  | "noReply" // the action is not answered (closeRegistration): use its own method
  | "timeout"
  | "connectionClosed"
  | "invalidReply" // a message carried the transaction but the catalog refused it
  | "stopped"; // the server stopped

export class CommandError extends Error {
  override readonly name = "CommandError";
  constructor(readonly kind: CommandFailure, message: string) {
    super(message);
  }
}

export type HelperReply = InboundMessage<"wss3", "agentServer">;

interface Pending {
  readonly connectionId: number;
  readonly action: string;
  readonly resolve: (reply: HelperReply) => void;
  readonly reject: (error: CommandError) => void;
  readonly timer: TimerId;
}

export class PendingCommands {
  readonly #clock: Clock;
  readonly #pending = new Map<string, Pending>();
  #next = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** A transaction not used before by this server: `ags-<n>-<random>`. */
  newTransaction(): string {
    return `ags-${++this.#next}-${crypto.randomUUID().slice(0, 8)}`;
  }

  /** Awaits the reply carrying `transaction`, for at most `timeoutMs` of the clock. */
  wait(
    transaction: string,
    connectionId: number,
    action: string,
    timeoutMs: number,
  ): Promise<HelperReply> {
    return new Promise<HelperReply>((resolve, reject) => {
      const timer = this.#clock.setTimeout(() => {
        this.#pending.delete(transaction);
        reject(new CommandError("timeout", `${action}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(transaction, { connectionId, action, resolve, reject, timer });
    });
  }

  has(transaction: string | undefined): boolean {
    return transaction !== undefined && this.#pending.has(transaction);
  }

  /** Completes the command `reply` answers; false when no command waits for it. */
  resolve(reply: HelperReply): boolean {
    const pending = reply.transaction === undefined
      ? undefined
      : this.#pending.get(reply.transaction);
    if (pending === undefined || reply.transaction === undefined) return false;
    this.#finish(reply.transaction, pending);
    pending.resolve(reply);
    return true;
  }

  /** Fails the command waiting on `transaction` (its reply was refused). */
  fail(transaction: string, kind: CommandFailure, message: string): void {
    const pending = this.#pending.get(transaction);
    if (pending === undefined) return;
    this.#finish(transaction, pending);
    pending.reject(new CommandError(kind, `${pending.action}: ${message}`));
  }

  /** Fails every command sent on `connectionId` (or every command, when absent). */
  failAll(kind: CommandFailure, message: string, connectionId?: number): void {
    for (const [transaction, pending] of [...this.#pending]) {
      if (connectionId !== undefined && pending.connectionId !== connectionId) continue;
      this.#finish(transaction, pending);
      pending.reject(new CommandError(kind, `${pending.action}: ${message}`));
    }
  }

  get size(): number {
    return this.#pending.size;
  }

  #finish(transaction: string, pending: Pending): void {
    this.#clock.clearTimeout(pending.timer);
    this.#pending.delete(transaction);
  }
}
