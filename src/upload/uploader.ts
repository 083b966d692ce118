/**
 * The shell around the upload machine: one runner per spooled file, each with at most one
 * gRPC call. A runner sends the Header, then pumps bytes from the spool (never from memory:
 * the encoder's bytes are on disk before they are sent) at most `windowBytes` ahead of the
 * recorder's committed offset, then the Finish once the file is sealed; acknowledgements trim
 * the spool and Finished deletes the file. Memory per file is one chunk plus its share of the
 * budget in the transport's buffers, however far behind the recorder is: the disk absorbs the
 * rest.
 */
import type { Logger } from "@logtape/logtape";
import type { Clock, TimerId } from "../clock/clock.ts";
import { MAX_CHUNK_BYTES } from "../grpc/screen_recorder_service.ts";
import type { UploadResponse } from "../proto/agenthelper/screenrecorder/v1/screen_recorder_pb.ts";
import { type SpoolEntry, SpoolTrimmed } from "../spool/spool.ts";
import { CHUNK_HEADROOM, encodeChunkInPlace } from "./chunk_message.ts";
import type { UploadCall, UploadLink } from "./link.ts";
import { encodeFinish, encodeHeader } from "./requests.ts";
import {
  DEFAULT_UPLOAD_MACHINE,
  GrpcCode,
  step,
  type UploadEffect,
  type UploadEvent,
  type UploadMachineOptions,
  type UploadState,
} from "./machine.ts";
import type { RecorderAddressCheck } from "./recorder_address.ts";

/** What a registration provides: the credential, and the recorder when a file names none. */
export interface UploadCredential {
  readonly token: string;
  readonly recorder: string;
}

export interface UploaderDeps {
  readonly clock: Clock;
  readonly link: UploadLink;
  readonly log: Logger;
  readonly random: () => number;
  /** The allow-list check of a recorder address. */
  checkAddress(address: string): RecorderAddressCheck;
}

export interface UploaderOptions {
  /** Data per Chunk message (default 64 KiB; see DEFAULT_BUDGET_BYTES). */
  readonly chunkBytes?: number;
  /** Bytes sent but not yet committed, at most, per file. */
  readonly windowBytes?: number;
  /**
   * Bytes sent but not yet committed, all files together: each streaming file's window is its
   * share of this (never below two chunks). The transport holds these bytes until they are on
   * the wire, so this is what bounds the uploader's memory, however far behind the recorder is.
   * Default 1 MiB (DEFAULT_BUDGET_BYTES).
   */
  readonly budgetBytes?: number;
  /** No acknowledgement for this long while bytes are outstanding: the call is broken. */
  readonly ackTimeoutMs?: number;
  /** Files uploading at once; the rest wait their turn (newest recordings first). */
  readonly maxConcurrent?: number;
  readonly machine?: UploadMachineOptions;
}

export interface UploaderStatus {
  readonly files: number;
  readonly states: Readonly<Record<UploadState["kind"], number>>;
  /** Since the uploader started. */
  readonly totals: UploadTotals;
}

export interface UploadTotals {
  /** Upload calls opened. */
  readonly calls: number;
  /** Calls that broke (each is retried, waits for a credential, or gives up). */
  readonly breaks: number;
  /** Files the recorder holds whole (and the spool forgot). */
  readonly stored: number;
  /** Bytes sent in chunks (re-sent bytes after a break count again). */
  readonly sentBytes: number;
}

export interface Uploader {
  add(entry: SpoolEntry, options?: { readonly live?: boolean }): void;
  setCredential(credential: UploadCredential | null): void;
  status(): UploaderStatus;
  /** Resolves once no file is left to upload (failed ones do not count). */
  drained(): Promise<void>;
  stop(): Promise<void>;
}

/** A chunk's buffer, handed to the current call. */
interface InFlight {
  readonly end: number;
  readonly buffer: ArrayBuffer;
  /** The call's transport is done with it (its write completed). */
  written: boolean;
}

interface Runner {
  readonly entry: SpoolEntry;
  state: UploadState;
  call: UploadCall | null;
  generation: number;
  timer: TimerId | null;
  ackTimer: TimerId | null;
  commits: Promise<void>;
  pumping: Promise<void>;
  /** End of what the current call has sent (+1 once the Finish is out). */
  sent: number;
  /** The current call's chunk buffers not yet given back, oldest first, with their end offsets. */
  inFlight: InFlight[];
  ackWaiter: (() => void) | null;
  /** Resolves when the current call is closed or ends. */
  ended: Promise<void>;
  endCall: () => void;
}

/**
 * The defaults keep the agent's memory down under grpc-js (docs/benchmarks.md, "Upload"). grpc-js
 * frames every message into a fresh copy, and that copy lives until the HTTP/2 layer has sent it:
 * the more bytes are sent ahead of the recorder, the longer the copies wait, and copies (and
 * grpc-js's per-message objects) that outlive two scavenges are promoted and stay until the next
 * full GC. Draining a 1 GiB backlog, 4 MiB ahead in 256 KiB chunks peaked at 130–136 MB; 1 MiB in
 * 64 KiB chunks (eight files × two chunks) at 99–105 MB, at ~62 instead of ~81 MiB/s over
 * loopback. Over a long round trip 1 MiB ahead bounds the rate (1 MiB per round trip and commit).
 */
export const DEFAULT_CHUNK_BYTES = 64 * 1024;
export const DEFAULT_BUDGET_BYTES = 1024 * 1024;

export function createUploader(deps: UploaderDeps, options: UploaderOptions = {}): Uploader {
  const chunkBytes = Math.min(options.chunkBytes ?? DEFAULT_CHUNK_BYTES, MAX_CHUNK_BYTES);
  const windowBytes = options.windowBytes ?? 8 * 1024 * 1024;
  const budgetBytes = options.budgetBytes ?? DEFAULT_BUDGET_BYTES;
  const ackTimeoutMs = options.ackTimeoutMs ?? 30_000;
  const maxConcurrent = options.maxConcurrent ?? 8;
  const machine = options.machine ?? DEFAULT_UPLOAD_MACHINE;
  const runners = new Map<string, Runner>();
  const queue: Runner[] = [];
  let credential: UploadCredential | null = null;
  let stopped = false;
  let drainWaiters: (() => void)[] = [];
  /** Spool deletions of files the recorder holds: drained() and stop() wait for them. */
  const settling = new Set<Promise<void>>();
  const totals = { calls: 0, breaks: 0, stored: 0, sentBytes: 0 };
  /**
   * Chunk buffers to read into again, so that the uploader allocates nothing per chunk: a fresh
   * buffer per chunk was garbage that V8 collects only after tens of MB of it (docs/benchmarks.md,
   * "Upload"). A buffer handed to a call comes back only once both the call's transport is done
   * with it (grpc-js calls a write back after framing the message into its own copy) and the
   * recorder has committed its bytes — either alone would do; both make a reuse while the bytes
   * are still being sent impossible even if one of them is wrong. One that a broken call may
   * still hold never comes back. At most what the budget lets be in flight, plus one being read
   * per file, is kept.
   */
  const pool: ArrayBuffer[] = [];
  const poolMax = Math.ceil(budgetBytes / chunkBytes) + maxConcurrent;
  const take = () => pool.pop() ?? new ArrayBuffer(CHUNK_HEADROOM + chunkBytes);
  const release = (buffer: ArrayBuffer) => {
    if (pool.length < poolMax) pool.push(buffer);
  };

  /** The buffers of `r`'s call that are written and committed go back to the pool. */
  const giveBack = (r: Runner, committed: number) => {
    while (r.inFlight.length > 0 && r.inFlight[0]!.written && r.inFlight[0]!.end <= committed) {
      release(r.inFlight.shift()!.buffer);
    }
  };

  const active = () =>
    [...runners.values()].filter((r) =>
      r.state.kind === "opening" || r.state.kind === "streaming" || r.state.kind === "backoff"
    ).length;

  const checkDrained = () => {
    const left = [...runners.values()].some((r) => r.state.kind !== "failed");
    if (left || settling.size > 0) return;
    for (const w of drainWaiters) w();
    drainWaiters = [];
  };

  const admit = () => {
    if (credential === null || stopped) return;
    while (queue.length > 0 && active() < maxConcurrent) {
      dispatch(queue.shift()!, { type: "ready" });
    }
  };

  const dispatch = (r: Runner, event: UploadEvent): void => {
    if (event.type === "broken" && !stopped) totals.breaks++;
    const next = step(r.state, event, machine, deps.random());
    r.state = next.state;
    for (const effect of next.effects) perform(r, effect);
    if (r.state.kind === "done" || r.state.kind === "failed") {
      if (r.state.kind === "done") {
        runners.delete(r.entry.name);
        const removal = r.commits;
        settling.add(removal);
        void removal.finally(() => {
          settling.delete(removal);
          checkDrained();
        });
      }
      admit();
      checkDrained();
    }
  };

  const stopAckTimer = (r: Runner) => {
    if (r.ackTimer) deps.clock.clearTimeout(r.ackTimer);
    r.ackTimer = null;
  };

  const armAckTimer = (r: Runner, generation: number) => {
    stopAckTimer(r);
    r.ackTimer = deps.clock.setTimeout(() => {
      r.ackTimer = null;
      if (r.generation !== generation) return;
      dispatch(r, {
        type: "broken",
        code: GrpcCode.deadlineExceeded,
        message: `no acknowledgement for ${ackTimeoutMs / 1000} s`,
      });
    }, ackTimeoutMs);
  };

  const open = (r: Runner): void => {
    const generation = ++r.generation;
    const cred = credential;
    if (cred === null) return dispatch(r, { type: "stop" });
    const address = deps.checkAddress(r.entry.meta.target.recorder || cred.recorder);
    if (!address.ok) {
      // Not retried as-is: the next registration may bring an allowed address.
      return dispatch(r, {
        type: "broken",
        code: GrpcCode.permissionDenied,
        message: address.reason,
      });
    }
    r.ended = new Promise<void>((resolve) => (r.endCall = resolve));
    totals.calls++;
    const call = deps.link.open(address, cred.token, {
      onResponse(response: UploadResponse) {
        if (r.generation !== generation) return;
        const kind = response.kind;
        if (kind.case === "ack") {
          const committed = Number(kind.value.committedOffset);
          // The first ack answers the Header: it says where this call continues from.
          if (r.state.kind === "opening") return dispatch(r, { type: "opened", committed });
          if (committed < r.sent) armAckTimer(r, generation);
          else stopAckTimer(r);
          giveBack(r, committed);
          dispatch(r, { type: "acked", committed });
          r.ackWaiter?.(); // after the machine took the new committed offset
          return;
        }
        if (kind.case === "finished") dispatch(r, { type: "finished" });
      },
      onEnd(status) {
        r.ackWaiter?.();
        r.endCall();
        if (r.generation !== generation) return;
        stopAckTimer(r);
        const message = status.code === 0 ? "the recorder ended the call early" : status.message;
        dispatch(r, { type: "broken", code: status.code || GrpcCode.unknown, message });
      },
    });
    r.call = call;
    r.sent = 0;
    r.inFlight = [];
    // A failed write shows up as the call's end (onEnd), which the machine handles.
    call.write(encodeHeader(r.entry.name, r.entry.meta)).catch(() => {});
  };

  /** This file's window now: its share of the budget among the files streaming. */
  const windowFor = (): number => {
    let streaming = 0;
    for (const r of runners.values()) if (r.state.kind === "streaming") streaming++;
    return Math.min(windowBytes, Math.max(2 * chunkBytes, budgetBytes / Math.max(1, streaming)));
  };

  const pump = async (r: Runner, generation: number, from: number): Promise<void> => {
    let offset = from;
    const live = () => r.generation === generation && r.state.kind === "streaming";
    const committed = () => r.state.kind === "streaming" ? r.state.committed : offset;
    try {
      while (live()) {
        if (offset - committed() >= windowFor()) {
          await new Promise<void>((resolve) => (r.ackWaiter = resolve));
          r.ackWaiter = null;
          continue;
        }
        const sealed = r.entry.sealed();
        if (offset < r.entry.size()) {
          const buffer = take();
          const chunk = await r.entry.read(offset, chunkBytes, CHUNK_HEADROOM, buffer);
          if (!live() || chunk.bytes.length === 0) {
            release(buffer); // never handed to the call
            if (!live()) return;
            throw new Error(`nothing to read at ${offset}`);
          }
          // Encoded around the bytes just read: the data is not copied again (chunk_message.ts).
          const held: InFlight = { end: offset + chunk.bytes.length, buffer, written: false };
          r.inFlight.push(held);
          await r.call!.write(
            encodeChunkInPlace(chunk.bytes, offset, Math.max(0, Math.round(chunk.captureTime))),
            () => {
              held.written = true;
              if (r.generation === generation && r.state.kind === "streaming") {
                giveBack(r, r.state.committed);
              }
            },
          );
          offset += chunk.bytes.length;
          totals.sentBytes += chunk.bytes.length;
          r.sent = offset;
          if (r.ackTimer === null) armAckTimer(r, generation);
        } else if (sealed && offset === sealed.bytes) {
          await r.call!.write(encodeFinish(sealed));
          r.sent = offset + 1; // the Finish is outstanding until Finished
          armAckTimer(r, generation);
          return;
        } else await Promise.race([r.entry.changed(), r.ended]);
      }
    } catch (e) {
      if (!live()) return;
      // Bytes the recorder asks for but the spool already trimmed: it lost what it had stored.
      const code = e instanceof SpoolTrimmed ? GrpcCode.dataLoss : GrpcCode.unavailable;
      dispatch(r, { type: "broken", code, message: (e as Error).message });
    }
  };

  const perform = (r: Runner, effect: UploadEffect): void => {
    switch (effect.type) {
      case "open":
        return open(r);
      case "pump":
        r.pumping = pump(r, r.generation, effect.from);
        return;
      case "commit":
        r.commits = r.commits.then(() => r.entry.commit(effect.offset)).catch((e) =>
          deps.log.warn("upload {name}: cannot trim the spool: {error}", {
            name: r.entry.name,
            error: (e as Error).message,
          })
        );
        return;
      case "remove":
        r.commits = r.commits.then(() => r.entry.remove()).catch((e) =>
          deps.log.warn("upload {name}: stored, but cannot delete it from the spool: {error}", {
            name: r.entry.name,
            error: (e as Error).message,
          })
        );
        totals.stored++;
        deps.log.info("upload {name}: stored by the recorder ({bytes} bytes)", {
          name: r.entry.name,
          bytes: r.entry.size(),
        });
        return;
      case "close":
        r.generation++;
        // What the call may still hold is left to the garbage collector, never read into again.
        r.inFlight = [];
        stopAckTimer(r);
        r.ackWaiter?.();
        r.endCall();
        r.call?.cancel();
        r.call = null;
        return;
      case "schedule":
        r.timer = deps.clock.setTimeout(() => {
          r.timer = null;
          dispatch(r, { type: "retryTimer" });
        }, effect.ms);
        return;
      case "report":
        deps.log[effect.level]("upload {name}: {text}", { name: r.entry.name, text: effect.text });
        return;
    }
  };

  return {
    add(entry, addOptions = {}) {
      if (runners.has(entry.name)) return;
      const r: Runner = {
        entry,
        state: { kind: "waiting" },
        call: null,
        generation: 0,
        timer: null,
        ackTimer: null,
        commits: Promise.resolve(),
        pumping: Promise.resolve(),
        sent: 0,
        inFlight: [],
        ackWaiter: null,
        ended: Promise.resolve(),
        endCall: () => {},
      };
      runners.set(entry.name, r);
      if (addOptions.live) queue.unshift(r);
      else queue.push(r);
      admit();
    },
    setCredential(next) {
      const changed = credential?.token !== next?.token || credential?.recorder !== next?.recorder;
      credential = next;
      if (!changed) return;
      for (const r of runners.values()) {
        if (next === null) {
          if (r.timer) deps.clock.clearTimeout(r.timer);
          r.timer = null;
          if (r.state.kind !== "waiting") dispatch(r, { type: "stop" });
          if (!queue.includes(r) && r.state.kind === "waiting") queue.push(r);
        } else dispatch(r, { type: "credentialChanged" });
      }
      admit();
    },
    status() {
      const states = {
        waiting: 0,
        opening: 0,
        streaming: 0,
        backoff: 0,
        blocked: 0,
        done: 0,
        failed: 0,
      };
      for (const r of runners.values()) states[r.state.kind]++;
      return { files: runners.size, states, totals: { ...totals } };
    },
    drained() {
      return new Promise<void>((resolve) => {
        drainWaiters.push(resolve);
        checkDrained();
      });
    },
    async stop() {
      stopped = true;
      for (const r of runners.values()) {
        if (r.timer) deps.clock.clearTimeout(r.timer);
        r.timer = null;
        dispatch(r, { type: "stop" });
      }
      await Promise.all([...runners.values()].flatMap((r) => [r.pumping, r.commits]));
      await Promise.all([...settling]);
      deps.link.close();
    },
  };
}
