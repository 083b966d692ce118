/**
 * `demo`'s closing report: the registration as AgentServer saw it, then one row per segment ×
 * monitor from what the ScreenRecorder stored — size, duration, frames (ffprobe's count against
 * the agent's) and whether the stored bytes hash to the SHA-256 the agent sent — and the address
 * of the playback page. True only when every recording is there, whole, and checks out.
 */
import { createHash } from "node:crypto";
import type { RecordingListing } from "../platform/screen_recorder/http_app.ts";
import type { Stack } from "../platform/workplace/stack.ts";
import { probeVideo } from "../testing/ffprobe.ts";
import { formatBytes } from "./demo_recording.ts";
import { DEMO_USER } from "./demo_session.ts";

export interface SummaryRow {
  readonly segment: string;
  readonly display: number;
  readonly size: string;
  readonly parts: number;
  readonly bytes: number;
  readonly durationMs: number;
  readonly frames: number;
  readonly agentFrames: number;
  readonly shaMatch: boolean;
  readonly complete: boolean;
}

/** Groups checked parts into rows, ordered by segment then display (pure). */
export function summaryRows(
  parts: readonly { listing: RecordingListing; frames: number; shaMatch: boolean }[],
): SummaryRow[] {
  const rows = new Map<string, SummaryRow>();
  for (const { listing, frames, shaMatch } of parts) {
    const h = listing.header;
    const display = h.display?.index ?? -1;
    const key = `${h.segmentId}\u0000${String(display).padStart(3, "0")}`;
    const row = rows.get(key) ?? {
      segment: h.segmentId,
      display,
      size: h.display ? `${h.display.width}x${h.display.height}` : "?",
      parts: 0,
      bytes: 0,
      durationMs: 0,
      frames: 0,
      agentFrames: 0,
      shaMatch: true,
      complete: true,
    };
    rows.set(key, {
      ...row,
      parts: row.parts + 1,
      bytes: row.bytes + (listing.size ?? listing.committed),
      durationMs: row.durationMs + (listing.summary?.durationMs ?? 0),
      frames: row.frames + frames,
      agentFrames: row.agentFrames + (listing.summary?.frames ?? 0),
      shaMatch: row.shaMatch && shaMatch,
      complete: row.complete && listing.finished && listing.summary?.incompleteReason === null,
    });
  }
  return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, r]) => r);
}

export function renderRows(rows: readonly SummaryRow[]): string[] {
  const table = [
    ["segment", "monitor", "parts", "size", "duration", "frames", "SHA-256"],
    ...rows.map((r) => [
      r.segment,
      `${r.display} ${r.size}`,
      String(r.parts),
      formatBytes(r.bytes),
      `${(r.durationMs / 1000).toFixed(1)} s`,
      r.frames === r.agentFrames ? String(r.frames) : `${r.frames} (agent: ${r.agentFrames})`,
      r.shaMatch ? (r.complete ? "match" : "match, incomplete") : "MISMATCH",
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table.map((row) => `    ${row.map((c, i) => c.padEnd(widths[i]!)).join("  ")}`.trimEnd());
}

/** Downloads and checks every recording; prints the report; true when all is well. */
export async function reportDemo(
  stack: Stack,
  startedAt: number,
  expect: { readonly segments: readonly string[]; readonly displays: number },
  out: (line: string) => void,
): Promise<boolean> {
  out("Registration (as AgentServer saw it)");
  for (const c of stack.agentServer.stateChanges.filter((c) => c.userID === DEMO_USER)) {
    const at = `+${((c.at - startedAt) / 1000).toFixed(1)} s`.padStart(9);
    out(`  ${at}  ${c.state}${c.resultDesc ? ` (${c.resultDesc})` : ""}`);
  }
  const listing = await stack.screenRecorder.list();
  const checked = [];
  for (const r of listing) {
    const bytes = await stack.screenRecorder.read(r.fileName);
    const sha = createHash("sha256").update(bytes).digest("hex");
    const file = await Deno.makeTempFile({ dir: stack.dir, suffix: ".mp4" });
    await Deno.writeFile(file, bytes);
    const frames = await probeVideo(file).then((v) => v.frames, () => -1);
    await Deno.remove(file);
    checked.push({ listing: r, frames, shaMatch: sha === r.sha256 });
  }
  const rows = summaryRows(checked);
  out(`Recordings (stored by the ScreenRecorder, checked here)`);
  for (const line of renderRows(rows)) out(line);
  const missing = expect.segments.flatMap((s) =>
    Array.from({ length: expect.displays }, (_, d) => d)
      .filter((d) => !rows.some((r) => r.segment === s && r.display === d))
      .map((d) => `${s} monitor ${d}`)
  );
  if (missing.length > 0) out(`  missing: ${missing.join(", ")}`);
  out(`Playback page     ${stack.screenRecorder.httpUrl}/`);
  return missing.length === 0 && rows.length > 0 &&
    rows.every((r) => r.shaMatch && r.complete && r.frames === r.agentFrames && r.frames > 0);
}
