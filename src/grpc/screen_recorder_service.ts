/**
 * The ScreenRecorder upload service as grpc-js sees it: the method path and the
 * (de)serializers of the messages generated from `proto/` (src/proto/, protoc-gen-es). Shared by
 * the agent's client and the reference ScreenRecorder's server, so both speak exactly the proto.
 */
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  ScreenRecorderService,
  type UploadRequest,
  UploadRequestSchema,
  type UploadResponse,
  UploadResponseSchema,
} from "../proto/agenthelper/screenrecorder/v1/screen_recorder_pb.ts";

/** `/agenthelper.screenrecorder.v1.ScreenRecorderService/Upload`. */
export const UPLOAD_PATH = `/${ScreenRecorderService.typeName}/Upload`;

/** Largest gRPC message either side accepts: a chunk of at most MAX_CHUNK_BYTES plus framing. */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** Largest `Chunk.data` the agent sends and the reference recorder accepts. */
export const MAX_CHUNK_BYTES = 1024 * 1024;

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

/**
 * The same method for a client that encodes its requests itself: the agent builds a chunk's
 * message around the bytes the spool read (src/upload/chunk_message.ts) and encodes the Header
 * and the Finish with protobuf-es beforehand, so the request is handed to grpc-js as it is.
 * grpc-js's framing (its 5-byte header, written into a copy) is then the only copy of a chunk.
 */
export const uploadEncodedMethod: MethodDefinition<Uint8Array, UploadResponse> = {
  ...uploadMethod,
  requestSerialize: asBuffer,
  requestDeserialize: (b) => b,
};
