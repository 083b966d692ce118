/**
 * The bounded queue between a live view's encoder and the link to AgentServer. The encoder
 * writes a fragment per frame whatever the link does; the link takes what it can (the shell
 * calls `take()` while the socket's send buffer is short). When the link is slower than the
 * stream, something must go, and for a live view it must be the oldest video, in whole
 * fragments, in a way the decoder survives.
 *
 * Policy:
 * - The init segment is held apart: never dropped, not counted against the caps, and always
 *   the first thing a consumer takes (again after `newConsumer()`, and after `setInit()` for a
 *   new encoder run).
 * - A push that would exceed a cap (`maxBytes`, or `maxFragments`: one fragment is one frame,
 *   so this is a bound in time, hence in latency) drops from the head: the oldest queued
 *   fragment, then every fragment after it up to the next keyframe, since P-frames after a gap
 *   cannot be decoded; again until the new fragment fits. Whole keyframe intervals go, and
 *   what is left still starts right after what was sent, or at a keyframe.
 * - If that empties the queue, the new fragment follows a gap: it is kept only if it is a
 *   keyframe; otherwise it is dropped and so is every later push until a keyframe arrives
 *   ("waiting for a keyframe"). The queue starts in that state too, so a consumer always
 *   starts at a keyframe.
 * - A fragment larger than `maxBytes` or `maxFragmentBytes` (one wss3 message, blob.ts) can
 *   never be sent: it is dropped (counted as oversize too), what is queued stays, and later
 *   pushes wait for a keyframe.
 * Dropping the newest instead (tail drop) would keep old video queued and send it once the link
 * recovers, seconds late; dropping at the head keeps the viewer as close to live as the caps.
 *
 * `take()` numbers what it hands out (seq: 0-based, +1 per item, init included, restarting at
 * 0 for a new consumer): the streamBlob `seq`. Each fragment says how many fragments were
 * dropped right before it (`droppedBefore`), for the log; a fragment after a gap is always a
 * keyframe. Counters are kept for /metrics. Pure: no clock, no I/O; the caller owns the bytes.
 */

/** A fragment as the fMP4 reader gives it (FragmentEvent has these fields). */
export interface LiveFragment {
  readonly bytes: Uint8Array;
  /** Its first sample is a sync sample. */
  readonly keyframe: boolean;
}

export type QueueItem =
  | { readonly kind: "init"; readonly seq: number; readonly bytes: Uint8Array }
  | {
    readonly kind: "fragment";
    readonly seq: number;
    readonly bytes: Uint8Array;
    readonly keyframe: boolean;
    /** Fragments dropped between the previous fragment taken and this one. */
    readonly droppedBefore: number;
  };

export interface FragmentQueueOptions {
  /** Bytes of fragments held at most (the init segment is not counted). */
  readonly maxBytes: number;
  /** Fragments held at most; at one per frame, frameRate × seconds of latency allowed. */
  readonly maxFragments?: number;
  /** The largest fragment that can be sent at all (blob.ts maxPayloadBytes). */
  readonly maxFragmentBytes?: number;
}

export interface FragmentQueueStats {
  /** Waiting now. */
  readonly queuedFragments: number;
  readonly queuedBytes: number;
  /** Taken so far: fragments, init segments, and the bytes of both. */
  readonly sentFragments: number;
  readonly sentInits: number;
  readonly sentBytes: number;
  /** Dropped so far, for any reason, and of those how many were too large to send at all. */
  readonly droppedFragments: number;
  readonly droppedBytes: number;
  readonly droppedOversize: number;
  /** Pushes are dropped until a keyframe arrives. */
  readonly waitingForKeyframe: boolean;
}

export interface FragmentQueue {
  /** A new encoder run's init segment: queued fragments of the old run are dropped. */
  setInit(bytes: Uint8Array): void;
  /** The encoder's next fragment; false when it was dropped. Throws before any setInit. */
  push(fragment: LiveFragment): boolean;
  /** The next item to send, or undefined when there is none. */
  take(): QueueItem | undefined;
  /** Another consumer starts: init first, seq from 0, fragments from a keyframe. */
  newConsumer(): void;
  stats(): FragmentQueueStats;
}

/** A sensible `maxBytes`: above the live encoder's largest frame (375 kB), about 1 MiB. */
export const DEFAULT_QUEUE_MAX_BYTES = 1024 * 1024;

interface Held {
  readonly bytes: Uint8Array;
  readonly keyframe: boolean;
  droppedBefore: number;
}

function positiveInteger(name: string, value: number | undefined): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

export function createFragmentQueue(options: FragmentQueueOptions): FragmentQueue {
  const maxBytes = positiveInteger("maxBytes", options.maxBytes);
  const maxFragments = positiveInteger("maxFragments", options.maxFragments);
  const largest = Math.min(maxBytes, positiveInteger("maxFragmentBytes", options.maxFragmentBytes));

  let init: Uint8Array | undefined;
  let initPending = false;
  let seq = 0;
  const queue: Held[] = [];
  let queuedBytes = 0;
  let waiting = true;
  /** Drops not yet charged to a queued fragment: the next one kept follows them. */
  let gap = 0;
  const count = {
    sentFragments: 0,
    sentInits: 0,
    sentBytes: 0,
    droppedFragments: 0,
    droppedBytes: 0,
    droppedOversize: 0,
  };

  const drop = (bytes: Uint8Array): void => {
    count.droppedFragments++;
    count.droppedBytes += bytes.length;
  };

  /** Drops queued fragments from the head up to the next keyframe; returns how many. */
  const dropHeadInterval = (): number => {
    let dropped = 0;
    do {
      const head = queue.shift();
      if (!head) break;
      queuedBytes -= head.bytes.length;
      drop(head.bytes);
      dropped += 1 + head.droppedBefore;
    } while (queue.length > 0 && !queue[0]?.keyframe);
    const next = queue[0];
    if (next) next.droppedBefore += dropped;
    else gap += dropped;
    return dropped;
  };

  const dropAll = (): void => {
    while (queue.length > 0) dropHeadInterval();
  };

  return {
    setInit(bytes) {
      dropAll();
      init = bytes;
      initPending = true;
      waiting = true;
    },

    push(fragment) {
      if (init === undefined) throw new Error("a live fragment was pushed before its init segment");
      const size = fragment.bytes.length;
      const refuse = (): false => {
        drop(fragment.bytes);
        gap++;
        waiting = true;
        return false;
      };
      if (waiting && !fragment.keyframe) return refuse();
      if (size > largest) {
        count.droppedOversize++;
        return refuse();
      }
      while (
        queue.length > 0 && (queuedBytes + size > maxBytes || queue.length + 1 > maxFragments)
      ) {
        dropHeadInterval();
      }
      // Emptied by drops: the new fragment comes after a gap, so it must be a keyframe.
      if (queue.length === 0 && gap > 0 && !fragment.keyframe) return refuse();
      queue.push({ bytes: fragment.bytes, keyframe: fragment.keyframe, droppedBefore: gap });
      queuedBytes += size;
      gap = 0;
      waiting = false;
      return true;
    },

    take() {
      if (init === undefined) return undefined;
      if (initPending) {
        initPending = false;
        count.sentInits++;
        count.sentBytes += init.length;
        return { kind: "init", seq: seq++, bytes: init };
      }
      const head = queue.shift();
      if (!head) return undefined;
      queuedBytes -= head.bytes.length;
      count.sentFragments++;
      count.sentBytes += head.bytes.length;
      return {
        kind: "fragment",
        seq: seq++,
        bytes: head.bytes,
        keyframe: head.keyframe,
        droppedBefore: head.droppedBefore,
      };
    },

    newConsumer() {
      initPending = init !== undefined;
      seq = 0;
      // The new consumer has none of what came before: start at a queued keyframe, or wait.
      while (queue.length > 0 && !queue[0]?.keyframe) dropHeadInterval();
      if (queue.length === 0) waiting = true;
      const head = queue[0];
      if (head) head.droppedBefore = 0;
      gap = 0;
    },

    stats() {
      return {
        queuedFragments: queue.length,
        queuedBytes,
        ...count,
        waitingForKeyframe: waiting,
      };
    },
  };
}
