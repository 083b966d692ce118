/**
 * The Upload method's path and size limits, as plain constants: the agent's gRPC client needs
 * these and nothing else of the service definition, so it imports them from here without
 * loading protobuf-es and the generated descriptors (screen_recorder_service.ts re-exports them
 * for the reference recorder; its test checks the path against the generated service).
 */

/** `/agenthelper.screenrecorder.v1.ScreenRecorderService/Upload`. */
export const UPLOAD_PATH = "/agenthelper.screenrecorder.v1.ScreenRecorderService/Upload";

/** Largest gRPC message either side accepts: a chunk of at most MAX_CHUNK_BYTES plus framing. */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** Largest `Chunk.data` the agent sends and the reference recorder accepts. */
export const MAX_CHUNK_BYTES = 1024 * 1024;
