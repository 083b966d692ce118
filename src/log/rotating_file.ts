/**
 * Log files rotated by day and by size, with retention in days.
 *
 * Files are `agent-helper-YYYY-MM-DD.log`, then `agent-helper-YYYY-MM-DD.1.log`, `.2.log`, … when
 * a day's file reaches `maxFileBytes`. Days are UTC, so names sort and compare the same on every
 * workstation. Files of days before `today - retentionDays` are deleted at start and at every
 * day change (a timer on the injected clock fires at midnight even when nothing is logged).
 */
import type { Clock, TimerId } from "../clock/clock.ts";
import type { LogFileHandle, LogFiles } from "./log_files.ts";

const DAY_MS = 86_400_000;
const NAME = /^agent-helper-(\d{4}-\d{2}-\d{2})(?:\.(\d+))?\.log$/;

export interface RotatingFileOptions {
  readonly directory: string;
  readonly maxFileBytes: number;
  readonly retentionDays: number;
}

export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function logFileName(day: string, index: number): string {
  return index === 0 ? `agent-helper-${day}.log` : `agent-helper-${day}.${index}.log`;
}

/** The log files that retention removes on `today`. Pure. */
export function expiredLogFiles(
  names: readonly string[],
  today: string,
  retentionDays: number,
): string[] {
  const oldestKept = dayOf(Date.parse(`${today}T00:00:00Z`) - retentionDays * DAY_MS);
  return names.filter((n) => {
    const m = NAME.exec(n);
    return m !== null && (m[1] as string) < oldestKept;
  });
}

export class RotatingLogFile {
  readonly #files: LogFiles;
  readonly #clock: Clock;
  readonly #options: RotatingFileOptions;
  #day = "";
  #index = 0;
  #size = 0;
  #handle: LogFileHandle | undefined;
  #timer: TimerId | undefined;
  #closed = false;

  constructor(deps: { files: LogFiles; clock: Clock }, options: RotatingFileOptions) {
    this.#files = deps.files;
    this.#clock = deps.clock;
    this.#options = options;
    this.#files.ensureDir(options.directory);
    this.#openFor(dayOf(this.#clock.now()));
    this.#scheduleMidnight();
  }

  /** Appends one record's bytes, rotating first when the day changed or the file is full. */
  write(bytes: Uint8Array): void {
    if (this.#closed) return;
    const today = dayOf(this.#clock.now());
    if (today !== this.#day) this.#openFor(today);
    else if (this.#size > 0 && this.#size + bytes.length > this.#options.maxFileBytes) {
      this.#switchTo(this.#index + 1);
    }
    this.#handle?.write(bytes);
    this.#size += bytes.length;
  }

  /** Path of the file being written. */
  get currentPath(): string {
    return this.#path(logFileName(this.#day, this.#index));
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#handle?.close();
    this.#handle = undefined;
  }

  #path(name: string): string {
    const dir = this.#options.directory;
    return dir.endsWith("/") || dir.endsWith("\\") ? dir + name : `${dir}/${name}`;
  }

  #openFor(day: string): void {
    this.#day = day;
    const names = this.#files.list(this.#options.directory);
    for (const name of expiredLogFiles(names, day, this.#options.retentionDays)) {
      this.#files.remove(this.#path(name));
    }
    let index = 0;
    for (const name of names) {
      const m = NAME.exec(name);
      if (m && m[1] === day) index = Math.max(index, Number(m[2] ?? 0));
    }
    const size = this.#files.size(this.#path(logFileName(day, index)));
    this.#switchTo(size >= this.#options.maxFileBytes ? index + 1 : index);
  }

  #switchTo(index: number): void {
    this.#handle?.close();
    this.#index = index;
    const path = this.#path(logFileName(this.#day, index));
    this.#size = this.#files.size(path);
    this.#handle = this.#files.openAppend(path);
  }

  #scheduleMidnight(): void {
    const now = this.#clock.now();
    const next = Math.floor(now / DAY_MS) * DAY_MS + DAY_MS;
    this.#timer = this.#clock.setTimeout(() => {
      if (this.#closed) return;
      this.#openFor(dayOf(this.#clock.now()));
      this.#scheduleMidnight();
    }, next - now);
  }
}
