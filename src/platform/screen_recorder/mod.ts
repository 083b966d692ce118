/**
 * The reference ScreenRecorder's public surface (platform side, DESIGN.md §4), for tests, the
 * demo and the other reference parts. Never imported by the agent. The process entry is
 * `main.ts`; test helpers (`test_client.ts`, `test_recorder.ts`, `test_support.ts`) are
 * imported by path.
 */
export {
  type ScreenRecorder,
  type ScreenRecorderDeps,
  type ScreenRecorderOptions,
  startScreenRecorder,
} from "./server.ts";
export type { TlsFiles } from "./grpc_server.ts";
export {
  type OpenResult,
  type RecordingInfo,
  type RecordingStore,
  type RecordingSummary,
  type RecordingWriter,
  StoreError,
  type StoreErrorKind,
  type WriteResult,
  type WriterEvents,
} from "./store.ts";
export {
  DEFAULT_SYNC_BYTES,
  DEFAULT_SYNC_IDLE_MS,
  FsRecordingStore,
  type FsStoreDeps,
  type FsStoreOptions,
} from "./fs_store.ts";
export { headerFromProto, type RecordingDisplay, type RecordingHeader } from "./header.ts";
export { fileNameProblem, isValidFileName, MAX_FILE_NAME_LENGTH } from "./file_name.ts";
export { createHttpApp, type ListFilter, type RecordingListing } from "./http_app.ts";
