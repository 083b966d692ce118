import { assertMatch } from "../testing/assert.ts";
import { MetricsRegistry } from "./registry.ts";
import { exportTotals } from "./totals.ts";

Deno.test("totals: counters follow a component's own totals, by their growth", () => {
  const metrics = new MetricsRegistry();
  let totals = { sent: 0, calls: 0 };
  exportTotals(metrics, {
    sent: { name: "t_sent_bytes_total", help: "Sent." },
    calls: { name: "t_calls_total", help: "Calls." },
  }, () => totals);
  assertMatch(metrics.render(), /^t_sent_bytes_total 0$/m);
  totals = { sent: 100, calls: 2 };
  metrics.render();
  totals = { sent: 250, calls: 3 };
  const text = metrics.render();
  assertMatch(text, /^t_sent_bytes_total 250$/m);
  assertMatch(text, /^t_calls_total 3$/m);
});
