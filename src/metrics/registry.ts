/**
 * A small Prometheus registry. Components register their own counters and gauges; `/metrics`
 * renders them in the text exposition format 0.0.4. Label values are escaped; metric and label
 * names are checked when registered, so a bad name fails at start, not at scrape time.
 */
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export type Labels = Readonly<Record<string, string>>;
type MetricType = "counter" | "gauge";

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function formatNumber(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

abstract class Metric {
  readonly #values = new Map<string, { labels: Labels; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: MetricType,
    readonly labelNames: readonly string[],
  ) {}

  protected key(labels: Labels): string {
    const names = Object.keys(labels).sort();
    const expected = [...this.labelNames].sort();
    if (names.join(",") !== expected.join(",")) {
      throw new TypeError(
        `${this.name}: labels must be exactly [${expected.join(", ")}], got [${names.join(", ")}]`,
      );
    }
    return JSON.stringify(names.map((n) => [n, labels[n]]));
  }

  protected update(labels: Labels, fn: (old: number) => number): void {
    const key = this.key(labels);
    const entry = this.#values.get(key);
    this.#values.set(key, { labels, value: fn(entry?.value ?? 0) });
  }

  get(labels: Labels = {}): number {
    return this.#values.get(this.key(labels))?.value ?? 0;
  }

  render(): string {
    const lines = [
      `# HELP ${this.name} ${escapeHelp(this.help)}`,
      `# TYPE ${this.name} ${this.type}`,
    ];
    const samples = [...this.#values.values()];
    if (samples.length === 0 && this.labelNames.length === 0) {
      samples.push({ labels: {}, value: 0 });
    }
    for (const { labels, value } of samples) {
      const names = Object.keys(labels).sort();
      const text = names.length === 0
        ? ""
        : `{${names.map((n) => `${n}="${escapeLabel(labels[n] ?? "")}"`).join(",")}}`;
      lines.push(`${this.name}${text} ${formatNumber(value)}`);
    }
    return lines.join("\n") + "\n";
  }
}

export class Counter extends Metric {
  inc(labels: Labels = {}, by = 1): void {
    if (by < 0 || !Number.isFinite(by)) {
      throw new RangeError(`${this.name}: a counter only goes up`);
    }
    this.update(labels, (v) => v + by);
  }
}

export class Gauge extends Metric {
  set(value: number, labels: Labels = {}): void {
    this.update(labels, () => value);
  }

  add(by: number, labels: Labels = {}): void {
    this.update(labels, (v) => v + by);
  }
}

export interface MetricSpec {
  readonly name: string;
  readonly help: string;
  readonly labels?: readonly string[];
}

export class MetricsRegistry {
  readonly #metrics = new Map<string, Metric>();
  readonly #collectors: (() => void)[] = [];

  counter(spec: MetricSpec): Counter {
    if (!spec.name.endsWith("_total")) {
      throw new TypeError(`counter ${spec.name} must end in _total`);
    }
    return this.#add(new Counter(spec.name, spec.help, "counter", this.#labels(spec)));
  }

  gauge(spec: MetricSpec): Gauge {
    return this.#add(new Gauge(spec.name, spec.help, "gauge", this.#labels(spec)));
  }

  /** Runs before each render, to refresh gauges that sample something (memory, uptime). */
  onCollect(fn: () => void): void {
    this.#collectors.push(fn);
  }

  render(): string {
    for (const fn of this.#collectors) fn();
    return [...this.#metrics.values()].sort((a, b) => a.name.localeCompare(b.name)).map((m) =>
      m.render()
    ).join("");
  }

  #labels(spec: MetricSpec): readonly string[] {
    const labels = spec.labels ?? [];
    for (const l of labels) {
      if (!LABEL.test(l) || l.startsWith("__")) throw new TypeError(`bad label name ${l}`);
    }
    return labels;
  }

  #add<M extends Metric>(metric: M): M {
    if (!NAME.test(metric.name)) throw new TypeError(`bad metric name ${metric.name}`);
    if (this.#metrics.has(metric.name)) {
      throw new TypeError(`metric ${metric.name} registered twice`);
    }
    this.#metrics.set(metric.name, metric);
    return metric;
  }
}
