/**
 * The file system as the log writer needs it: small and synchronous (a LogTape sink is a
 * synchronous function). `denoLogFiles` is the one real adapter.
 */
export interface LogFileHandle {
  write(bytes: Uint8Array): void;
  close(): void;
}

export interface LogFiles {
  ensureDir(dir: string): void;
  /** File names (not paths) in `dir`; empty when it does not exist. */
  list(dir: string): string[];
  /** Size in bytes, 0 when missing. */
  size(path: string): number;
  openAppend(path: string): LogFileHandle;
  remove(path: string): void;
}

export const denoLogFiles: LogFiles = {
  ensureDir: (dir) => Deno.mkdirSync(dir, { recursive: true }),
  list: (dir) => {
    try {
      return [...Deno.readDirSync(dir)].filter((e) => e.isFile).map((e) => e.name);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return [];
      throw e;
    }
  },
  size: (path) => {
    try {
      return Deno.statSync(path).size;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return 0;
      throw e;
    }
  },
  openAppend: (path) => {
    const file = Deno.openSync(path, { append: true, create: true, write: true, mode: 0o640 });
    return {
      write: (bytes) => {
        let off = 0;
        while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
      },
      close: () => file.close(),
    };
  },
  remove: (path) => {
    try {
      Deno.removeSync(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  },
};
