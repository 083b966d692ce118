/**
 * The ScreenRecorder upload service as grpc-js sees it: the method path and the
 * (de)serializers of the messages generated from `proto/` (src/proto/, protoc-gen-es), for the
 * reference ScreenRecorder's server and its test client. The agent speaks the same messages
 * without protobuf-es (src/upload/messages.ts, tested byte for byte against these).
 */
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { UPLOAD_PATH } from "./upload_limits.ts";
import {
  type UploadRequest,
  UploadRequestSchema,
  type UploadResponse,
  UploadResponseSchema,
} from "../proto/agenthelper/screenrecorder/v1/screen_recorder_pb.ts";

export { MAX_CHUNK_BYTES, MAX_MESSAGE_BYTES, UPLOAD_PATH } from "./upload_limits.ts";

/** Wraps without copying: protobuf-es hands out Uint8Arrays, grpc-js wants Buffers. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export const uploadMethod: MethodDefinition<UploadRequest, UploadResponse> = {
  path: UPLOAD_PATH,
  requestStream: true,
  responseStream: true,
  originalName: "upload",
  requestSerialize: (m) => asBuffer(toBinary(UploadRequestSchema, m)),
  requestDeserialize: (b) => fromBinary(UploadRequestSchema, b),
  responseSerialize: (m) => asBuffer(toBinary(UploadResponseSchema, m)),
  responseDeserialize: (b) => fromBinary(UploadResponseSchema, b),
};

/** For `server.addService(screenRecorderServiceDefinition, { upload })`. */
export const screenRecorderServiceDefinition: ServiceDefinition = { upload: uploadMethod };
