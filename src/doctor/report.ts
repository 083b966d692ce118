/** The doctor's findings and how they print: one line each, verdict first, the fix beneath. */
export type Verdict = "OK" | "WARN" | "FAIL";

export interface Finding {
  readonly verdict: Verdict;
  readonly topic: string;
  readonly detail: string;
  /** What to do about it; present on WARN and FAIL. */
  readonly fix?: string;
}

export function ok(topic: string, detail: string): Finding {
  return { verdict: "OK", topic, detail };
}

export function warn(topic: string, detail: string, fix: string): Finding {
  return { verdict: "WARN", topic, detail, fix };
}

export function fail(topic: string, detail: string, fix: string): Finding {
  return { verdict: "FAIL", topic, detail, fix };
}

export function hasFailure(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.verdict === "FAIL");
}

export function renderFindings(findings: readonly Finding[]): string {
  const width = Math.max(...findings.map((f) => f.topic.length), 0);
  const lines = findings.map((f) => {
    const head = `${f.verdict.padEnd(4)}  ${f.topic.padEnd(width)}  ${f.detail}`;
    return f.fix ? `${head}\n${" ".repeat(6 + width)}  fix: ${f.fix}` : head;
  });
  const counts = (["OK", "WARN", "FAIL"] as const).map((v) =>
    `${findings.filter((f) => f.verdict === v).length} ${v}`
  );
  return `${lines.join("\n")}\n\n${counts.join(", ")}\n`;
}
