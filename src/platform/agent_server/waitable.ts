/**
 * An append-only, bounded list that tests can wait on: `waitFor` resolves with the first item,
 * already there or still to come, that matches — so tests wait on events instead of sleeping.
 * Deadlines use real timers on purpose: they bound a test's wait, they are not behaviour under
 * test (which takes the injected clock), and a fake clock would never let them fire.
 */

export class WaitTimeoutError extends Error {
  override readonly name = "WaitTimeoutError";
}

interface Waiter<T> {
  readonly predicate: (item: T) => boolean;
  readonly resolve: (item: T) => void;
  readonly reject: (error: Error) => void;
}

export class Waitable<T> {
  #items: T[] = [];
  #waiters = new Set<Waiter<T>>();
  #listeners = new Set<(item: T) => void>();
  readonly #max: number;

  /** Keeps the `max` most recent items (older ones are dropped, never waited on again). */
  constructor(max = 10_000) {
    this.#max = max;
  }

  get items(): readonly T[] {
    return this.#items;
  }

  push(item: T): void {
    this.#items.push(item);
    if (this.#items.length > this.#max) this.#items.splice(0, this.#items.length - this.#max);
    for (const waiter of [...this.#waiters]) {
      if (waiter.predicate(item)) {
        this.#waiters.delete(waiter);
        waiter.resolve(item);
      }
    }
    for (const listener of [...this.#listeners]) listener(item);
  }

  /** Calls `listener` for every item pushed from now on; returns the unsubscribe function. */
  subscribe(listener: (item: T) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The first item (oldest first, among those kept) that matches, or the next one pushed;
   * rejects with {@link WaitTimeoutError} after `timeoutMs` (`what` names it in the error).
   */
  waitFor(predicate: (item: T) => boolean, timeoutMs = 5000, what = "item"): Promise<T> {
    const found = this.#items.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        predicate,
        resolve: (item) => {
          clearTimeout(timer);
          resolve(item);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new WaitTimeoutError(`no matching ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** Fails every pending wait at once, e.g. because the server stopped. */
  cancelWaits(reason: string): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const waiter of waiters) waiter.reject(new WaitTimeoutError(reason));
  }

  /** Number of pending waits (for tests of this class). */
  get waiting(): number {
    return this.#waiters.size;
  }
}
