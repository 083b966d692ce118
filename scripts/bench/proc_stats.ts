/**
 * CPU time and memory of a process and everything below it, read from /proc (Linux only), for
 * any pid: bare ffmpeg in the encoder exploration, the agent and its ffmpeg children in the
 * lead's recording arm.
 *
 * CPU: a sample sums utime+stime+cutime+cstime over the process tree. Taking the children's
 * c-fields too keeps the total right when a child exits inside the window: its ticks move from
 * its own entry to its parent's cutime/cstime as the parent reaps it, and the sum stays the same.
 * (A child reaped by someone else — reparented to init — is lost; the agent reaps its own.) The
 * difference of two samples over the wall time between them is the share of one core.
 */

/** Clock ticks per second of /proc/<pid>/stat's times (`getconf CLK_TCK`; 100 on Linux/x86). */
export async function clockTicksPerSecond(): Promise<number> {
  try {
    const out = await new Deno.Command("getconf", { args: ["CLK_TCK"], stdout: "piped" })
      .output();
    const ticks = Number(new TextDecoder().decode(out.stdout).trim());
    if (Number.isFinite(ticks) && ticks > 0) return ticks;
  } catch { /* no getconf: fall through */ }
  return 100;
}

interface StatLine {
  readonly ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  readonly ticks: number;
}

/** Parses /proc/<pid>/stat, or null when the process is gone. */
function readStat(pid: number): StatLine | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces or ")", so the
  // fields are counted from the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // After the name: [0]=state [1]=ppid … [11]=utime [12]=stime [13]=cutime [14]=cstime.
  const num = (i: number) => Number(fields[i] ?? "0");
  return { ppid: num(1), ticks: num(11) + num(12) + num(13) + num(14) };
}

/** `pid` and all its descendants alive now (found by scanning /proc for parent pids). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of Deno.readDirSync("/proc")) {
    const child = Number(entry.name);
    if (!Number.isInteger(child)) continue;
    const stat = readStat(child);
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(child);
    children.set(stat.ppid, list);
  }
  const tree: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift()!;
    tree.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return tree;
}

/** One reading of a tree's CPU time. */
export interface CpuSample {
  readonly root: number;
  /** Summed ticks of the tree's processes at `at`. */
  readonly ticks: number;
  /** performance.now() of the reading, ms. */
  readonly at: number;
  /** The processes summed. */
  readonly pids: readonly number[];
}

/** Reads the CPU time of `pid`'s tree (or of `pid` alone with `tree: false`). */
export function sampleCpu(pid: number, tree = true): CpuSample {
  const pids = tree ? processTree(pid) : [pid];
  let ticks = 0;
  for (const p of pids) ticks += readStat(p)?.ticks ?? 0;
  return { root: pid, ticks, at: performance.now(), pids };
}

/** Share of one core between two samples, in percent (100 = one core busy all the time). */
export function cpuPercent(start: CpuSample, end: CpuSample, ticksPerSecond: number): number {
  const seconds = (end.at - start.at) / 1000;
  if (seconds <= 0) return 0;
  return ((end.ticks - start.ticks) / ticksPerSecond) / seconds * 100;
}

/**
 * Resident and peak-resident memory of one process, bytes (VmRSS / VmHWM), and the resident
 * memory that is the process's own (RssAnon: heap, stacks; not the executable's file pages,
 * which every process running the same binary shares and the kernel can drop and re-read).
 */
export interface Memory {
  readonly rss: number;
  readonly peakRss: number;
  readonly anonRss: number;
  /** RssFile: mapped files' pages, for the agent mostly the Deno executable's own code. */
  readonly fileRss: number;
}

/** Reads /proc/<pid>/status; null when the process is gone. */
export function readMemory(pid: number): Memory | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/${pid}/status`);
  } catch {
    return null;
  }
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);
  return {
    rss: kb("VmRSS") * 1024,
    peakRss: kb("VmHWM") * 1024,
    anonRss: kb("RssAnon") * 1024,
    fileRss: kb("RssFile") * 1024,
  };
}

/**
 * The largest VmRSS, RssAnon and RssFile of `pid`, sampled every `everyMs` until `stop()`, which
 * also reads its VmHWM (the peak RSS since it started); bytes.
 */
export interface MemoryPeaks {
  stop(): { rss: number; anon: number; file: number; hwm: number };
}

export function memoryPeaks(pid: number, everyMs = 100): MemoryPeaks {
  let rss = 0;
  let anon = 0;
  let file = 0;
  const sample = () => {
    const m = readMemory(pid);
    if (!m) return;
    rss = Math.max(rss, m.rss);
    anon = Math.max(anon, m.anonRss);
    file = Math.max(file, m.fileRss);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { rss, anon, file, hwm: readMemory(pid)?.peakRss ?? 0 };
    },
  };
}

/** RSS summed over `pid`'s tree, bytes (shared pages count once per process, as top shows). */
export function treeRss(pid: number): number {
  let sum = 0;
  for (const p of processTree(pid)) sum += readMemory(p)?.rss ?? 0;
  return sum;
}
