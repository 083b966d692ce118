/**
 * Test-only gRPC client of the ScreenRecorder: opens Upload streams over loopback (TLS trusting
 * a test CA, or plaintext against an "insecure" recorder) and lets a test send messages and
 * read replies one by one. The agent has its own client; this one is deliberately minimal.
 */
import { Buffer } from "node:buffer";
import { create } from "@bufbuild/protobuf";
import {
  Client,
  type ClientDuplexStream,
  credentials,
  Metadata,
  type ServiceError,
  type StatusObject,
} from "@grpc/grpc-js";
import {
  MAX_MESSAGE_BYTES,
  UPLOAD_PATH,
  uploadMethod,
} from "../../grpc/screen_recorder_service.ts";
import {
  type Header,
  type UploadRequest,
  UploadRequestSchema,
  type UploadResponse,
} from "../../proto/agenthelper/screenrecorder/v1/screen_recorder_pb.ts";

export interface RecorderClientOptions {
  readonly port: number;
  /** The CA to trust, PEM; "insecure" for a plaintext recorder. */
  readonly ca: string | "insecure";
  /** Name the certificate must hold (default "localhost"); the connection goes to 127.0.0.1. */
  readonly serverName?: string;
}

export class RecorderClient {
  readonly #client: Client;

  constructor(options: RecorderClientOptions) {
    const name = options.serverName ?? "localhost";
    const creds = options.ca === "insecure"
      ? credentials.createInsecure()
      : credentials.createSsl(Buffer.from(options.ca));
    this.#client = new Client(`127.0.0.1:${options.port}`, creds, {
      // Deno's TLS refuses an IP address as SNI name: connect to the address, check the name.
      ...(options.ca === "insecure" ? {} : {
        "grpc.ssl_target_name_override": name,
        "grpc.default_authority": name,
      }),
      "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
      "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
    });
  }

  /** Opens an Upload stream; `token` goes into `authorization: Bearer`. */
  upload(token?: string): UploadStream {
    const md = new Metadata();
    if (token !== undefined) md.set("authorization", `Bearer ${token}`);
    return this.uploadWithMetadata(md);
  }

  /** Opens an Upload stream with raw metadata (for malformed credentials). */
  uploadWithMetadata(md: Metadata): UploadStream {
    return new UploadStream(
      this.#client.makeBidiStreamRequest(
        UPLOAD_PATH,
        uploadMethod.requestSerialize,
        uploadMethod.responseDeserialize,
        md,
      ),
    );
  }

  close(): void {
    this.#client.close();
  }
}

/** The optional fields of a Finish (proto defaults when left out). */
export interface FinishSummary {
  readonly frames?: number | bigint;
  readonly durationMs?: number | bigint;
  readonly endedAtUnixMs?: number | bigint;
  readonly incompleteReason?: string;
}

/** One Upload call: send requests, take replies in order, await the final status. */
export class UploadStream {
  readonly #call: ClientDuplexStream<UploadRequest, UploadResponse>;
  readonly #replies: UploadResponse[] = [];
  #waiters: Array<() => void> = [];
  #ended = false;
  /** The call's final status (never rejects). */
  readonly status: Promise<StatusObject>;

  constructor(call: ClientDuplexStream<UploadRequest, UploadResponse>) {
    this.#call = call;
    const wake = () => {
      const w = this.#waiters;
      this.#waiters = [];
      for (const f of w) f();
    };
    call.on("data", (r: UploadResponse) => {
      this.#replies.push(r);
      wake();
    });
    // The status also arrives as an "error" for non-OK codes; "status" covers every code.
    call.on("error", (_e: ServiceError) => {});
    this.status = new Promise((resolve) => {
      call.on("status", (s: StatusObject) => {
        this.#ended = true;
        wake();
        resolve(s);
      });
    });
  }

  /** Writes a request, waiting for flow control when the send buffer is full. */
  async send(request: UploadRequest): Promise<void> {
    if (!this.#call.write(request)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.#call.off("drain", done);
          resolve();
        };
        this.#call.on("drain", done);
        void this.status.then(done);
      });
    }
  }

  header(header: Header): Promise<void> {
    return this.send(create(UploadRequestSchema, { kind: { case: "header", value: header } }));
  }

  chunk(offset: number, data: Uint8Array): Promise<void> {
    return this.send(
      create(UploadRequestSchema, {
        kind: { case: "chunk", value: { offset: BigInt(offset), data } },
      }),
    );
  }

  /** A Finish; `summary` fills frames, duration_ms, ended_at_unix_ms and incomplete_reason. */
  finish(totalSize: number, sha256: Uint8Array, summary: FinishSummary = {}): Promise<void> {
    const value = {
      totalSize: BigInt(totalSize),
      sha256,
      frames: BigInt(summary.frames ?? 0),
      durationMs: BigInt(summary.durationMs ?? 0),
      endedAtUnixMs: BigInt(summary.endedAtUnixMs ?? 0),
      incompleteReason: summary.incompleteReason ?? "",
    };
    return this.send(create(UploadRequestSchema, { kind: { case: "finish", value } }));
  }

  /** Half-closes the sending side. */
  end(): void {
    this.#call.end();
  }

  cancel(): void {
    this.#call.cancel();
  }

  /** The next reply, or null once the call has ended with no reply left. */
  async next(timeoutMs = 10_000): Promise<UploadResponse | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.#replies.length === 0 && !this.#ended) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("no reply in time");
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
    return this.#replies.shift() ?? null;
  }

  /** Replies until one has committed_offset ≥ `offset`; returns that offset. */
  async ackAtLeast(offset: number, timeoutMs = 10_000): Promise<number> {
    for (;;) {
      const r = await this.next(timeoutMs);
      if (r === null) throw new Error(`the call ended before an ack of ${offset}`);
      if (r.kind.case !== "ack") throw new Error(`expected an ack, got ${r.kind.case}`);
      const committed = Number(r.kind.value.committedOffset);
      if (committed >= offset) return committed;
    }
  }

  /** Every reply left, until the call ends. */
  async rest(timeoutMs = 10_000): Promise<UploadResponse[]> {
    const out: UploadResponse[] = [];
    for (;;) {
      const r = await this.next(timeoutMs);
      if (r === null) return out;
      out.push(r);
    }
  }
}
