/**
 * The way a recording leaves the workstation (DESIGN.md §4), wired from its parts: the durable
 * spool under `<spool.directory>/upload`, the uploader on its gRPC link, and the recording
 * sink that joins them. The registration supplies the credential and the ScreenRecorder's
 * address; the last ones are kept after a logout, so that the final parts of a session still
 * upload while the agent waits for the next operator.
 */
import type { Logger } from "@logtape/logtape";
import path from "node:path";
import type { Clock, TimerId } from "../clock/clock.ts";
import type { RecordingSink } from "../recording/sink.ts";
import type { Target } from "../registration/machine.ts";
import { createSpool, type Spool } from "../spool/spool.ts";
import { createGrpcLink } from "../upload/grpc_link.ts";
import { checkRecorderAddress, type RecorderAddressCheck } from "../upload/recorder_address.ts";
import { createSpoolSink } from "../upload/spool_sink.ts";
import { createUploader, type Uploader, type UploaderOptions } from "../upload/uploader.ts";

export interface UploadPathDeps {
  readonly clock: Clock;
  readonly random: () => number;
  readonly log: Logger;
}

export interface UploadPathOptions {
  /** `spool.directory`; the spool lives in its `upload/` folder. */
  readonly spoolDirectory: string;
  readonly maxBytes: number;
  readonly screenRecorderHosts: readonly string[];
  readonly devMode: boolean;
  /** `servers.caBundle`'s text, trusted beside the system roots. */
  readonly caPem: string | null;
  readonly keepaliveMs: number;
  readonly uploader?: UploaderOptions;
}

export interface UploadPath {
  readonly sink: RecordingSink;
  readonly spool: Spool;
  readonly uploader: Uploader;
  /** The allow-list check of a ScreenRecorder address (agentOpenConnect, recording params). */
  checkAddress(address: string): RecorderAddressCheck;
  /** Queues what a previous run left in the spool; how many files. */
  resume(): Promise<number>;
  /** The registration's target changed (null: logged out, the last credential stays). */
  setTarget(target: Target | null): void;
  /** A recording command named the ScreenRecorder: parts from now on go there. */
  setScreenServer(address: string): void;
  /** Lets uploads finish for up to `graceMs`, then stops them (the spool keeps the rest). */
  stop(graceMs: number): Promise<void>;
}

export function createUploadPath(deps: UploadPathDeps, options: UploadPathOptions): UploadPath {
  const checkAddress = (address: string) =>
    checkRecorderAddress(address, {
      hosts: options.screenRecorderHosts,
      devMode: options.devMode,
    });
  const spool = createSpool({ log: deps.log }, {
    directory: path.join(options.spoolDirectory, "upload"),
    maxBytes: options.maxBytes,
  });
  const link = createGrpcLink({ caPem: options.caPem, keepaliveMs: options.keepaliveMs });
  const uploader = createUploader({
    clock: deps.clock,
    link,
    log: deps.log,
    random: deps.random,
    checkAddress,
  }, options.uploader);
  let target: Target | null = null;
  let commandScreenServer: string | null = null;
  const sink = createSpoolSink({
    spool,
    uploader,
    target: () => ({
      recorder: commandScreenServer ?? target?.screenServer ?? "",
      tenantId: target?.tenantId ?? "",
      operatorId: target?.userID ?? "",
      sessionId: target?.sessionId ?? "",
    }),
  });

  return {
    sink,
    spool,
    uploader,
    checkAddress,
    async resume() {
      const left = await spool.recover();
      for (const entry of left) uploader.add(entry);
      if (left.length > 0) {
        deps.log.info("{count} recording file(s) from a previous run wait for upload", {
          count: left.length,
        });
      }
      return left.length;
    },
    setTarget(next) {
      if (next === null) return;
      if (target?.userID !== next.userID) commandScreenServer = null;
      target = next;
      uploader.setCredential({ token: next.token, recorder: next.screenServer ?? "" });
    },
    setScreenServer(address) {
      commandScreenServer = address;
    },
    async stop(graceMs) {
      let timer: TimerId | undefined;
      const grace = new Promise<void>((r) => (timer = deps.clock.setTimeout(r, graceMs)));
      await Promise.race([uploader.drained(), grace]);
      if (timer !== undefined) deps.clock.clearTimeout(timer);
      await uploader.stop(); // closes the link
    },
  };
}
