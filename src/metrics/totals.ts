/**
 * Counters for totals a component keeps itself (bytes sent, calls opened, …): registered once,
 * and on every collection each counter goes up by what its total grew since the last one, so
 * the component stays free of the registry and the counters stay monotonic.
 */
import type { MetricSpec, MetricsRegistry } from "./registry.ts";

export function exportTotals<K extends string>(
  metrics: MetricsRegistry,
  specs: Readonly<Record<K, MetricSpec>>,
  read: () => Readonly<Record<NoInfer<K>, number>>,
): void {
  const keys = Object.keys(specs) as K[];
  const counters = keys.map((k) => [k, metrics.counter(specs[k])] as const);
  let last: Readonly<Record<K, number>> | null = null;
  metrics.onCollect(() => {
    const now = read();
    for (const [k, counter] of counters) counter.inc({}, now[k] - (last?.[k] ?? 0));
    last = now;
  });
}
