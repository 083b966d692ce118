/**
 * The grpc-js link against a plain grpc-js server that keeps each request message as it
 * arrived (no decoding): each write is exactly one gRPC message with exactly the bytes written
 * (grpc-js adds the frame header; no second one), the token travels in the metadata, and a
 * buffer refilled after its write callback does not change what was sent.
 */
import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  UploadRequestSchema,
  UploadResponseSchema,
} from "../proto/agenthelper/screenrecorder/v1/screen_recorder_pb.ts";
import { UPLOAD_PATH, uploadEncodedMethod } from "../grpc/screen_recorder_service.ts";
import { assertEquals } from "../testing/assert.ts";
import { CHUNK_HEADROOM, encodeChunkInPlace } from "./chunk_message.ts";
import { createGrpcLink } from "./grpc_link.ts";
import type { CallStatus } from "./link.ts";
import { checkRecorderAddress, type RecorderAddress } from "./recorder_address.ts";
import { encodeFinish } from "./requests.ts";

const real = { sanitizeResources: false, sanitizeOps: false };

Deno.test(
  "grpc link: one gRPC message per write, the bytes as written, the token in the metadata",
  real,
  async () => {
    const received: Uint8Array[] = [];
    let authorization: unknown = null;
    const server = new grpc.Server();
    server.addService({ upload: uploadEncodedMethod }, {
      upload(call: grpc.ServerDuplexStream<Uint8Array, unknown>) {
        authorization = call.metadata.get("authorization")[0];
        call.on("data", (message: Uint8Array) => {
          received.push(Uint8Array.from(message));
          call.write(create(UploadResponseSchema, {
            kind: { case: "ack", value: { committedOffset: BigInt(received.length) } },
          }));
        });
        call.on("end", () => call.end());
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(
        "127.0.0.1:0",
        grpc.ServerCredentials.createInsecure(),
        (e, p) => e ? reject(e) : resolve(p),
      )
    );
    const address = checkRecorderAddress(`http://127.0.0.1:${port}`, {
      hosts: [`127.0.0.1:${port}`],
      devMode: true,
    }) as RecorderAddress;
    assertEquals(address.ok, true);
    const link = createGrpcLink({ caPem: null, keepaliveMs: 10_000 });
    try {
      const acks: bigint[] = [];
      let end: (s: CallStatus) => void = () => {};
      const ended = new Promise<CallStatus>((resolve) => (end = resolve));
      const call = link.open(address, "tok.en", {
        onResponse(r) {
          if (r.kind.case === "ack") {
            acks.push(r.kind.value.committedOffset);
          }
        },
        onEnd: end,
      });
      // Chunks in one reused buffer, refilled as soon as each write's callback came.
      const buffer = new ArrayBuffer(CHUNK_HEADROOM + 300_000);
      const data = new Uint8Array(buffer, CHUNK_HEADROOM);
      const sent: Uint8Array[] = [];
      for (let i = 0; i < 4; i++) {
        data.fill(i + 1);
        const message = encodeChunkInPlace(data, i * data.length, 1_000 + i);
        sent.push(message.slice());
        await new Promise<void>((resolve, reject) => {
          call.write(message, resolve).catch(reject);
        });
      }
      const finish = encodeFinish({ bytes: 4 * data.length, sha256: "00".repeat(32) });
      sent.push(finish);
      await call.write(finish);
      while (acks.length < sent.length) await new Promise((r) => setTimeout(r, 10));
      call.cancel();
      assertEquals((await ended).code, grpc.status.CANCELLED);

      assertEquals(authorization, "Bearer tok.en");
      assertEquals(received.length, sent.length);
      for (let i = 0; i < sent.length; i++) {
        assertEquals(Buffer.compare(received[i]!, sent[i]!), 0, `message ${i} differs`);
      }
      const first = fromBinary(UploadRequestSchema, received[0]!);
      assertEquals(first.kind.case, "chunk");
      if (first.kind.case === "chunk") {
        assertEquals(first.kind.value.data.length, data.length);
        assertEquals(first.kind.value.data[0], 1);
      }
      assertEquals(acks, [1n, 2n, 3n, 4n, 5n]);
      assertEquals(toBinary(UploadRequestSchema, fromBinary(UploadRequestSchema, finish)), finish);
      assertEquals(uploadEncodedMethod.path, UPLOAD_PATH);
    } finally {
      link.close();
      server.forceShutdown();
    }
  },
);
