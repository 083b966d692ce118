import { assertEquals, assertThrows } from "../testing/assert.ts";
import { MetricsRegistry } from "./registry.ts";

Deno.test("metrics: counters and gauges render in Prometheus text format", () => {
  const r = new MetricsRegistry();
  const c = r.counter({
    name: "x_messages_total",
    help: "Messages.\nTwo lines",
    labels: ["channel"],
  });
  const g = r.gauge({ name: "x_up", help: "Up." });
  c.inc({ channel: 'ws2 "quoted"\\' });
  c.inc({ channel: "wss3" }, 2);
  let sampled = 0;
  r.onCollect(() => g.set(++sampled));
  assertEquals(
    r.render(),
    [
      "# HELP x_messages_total Messages.\\nTwo lines",
      "# TYPE x_messages_total counter",
      'x_messages_total{channel="ws2 \\"quoted\\"\\\\"} 1',
      'x_messages_total{channel="wss3"} 2',
      "# HELP x_up Up.",
      "# TYPE x_up gauge",
      "x_up 1",
      "",
    ].join("\n"),
  );
  assertEquals(c.get({ channel: "wss3" }), 2);
});

Deno.test("metrics: bad names, wrong labels and negative counts are refused", () => {
  const r = new MetricsRegistry();
  assertThrows(() => r.counter({ name: "no_suffix", help: "" }), TypeError, "_total");
  assertThrows(() => r.gauge({ name: "bad-name", help: "" }), TypeError);
  assertThrows(() => r.gauge({ name: "l", help: "", labels: ["__x"] }), TypeError);
  const g = r.gauge({ name: "g", help: "", labels: ["a"] });
  assertThrows(() => r.gauge({ name: "g", help: "" }), TypeError, "twice");
  assertThrows(() => g.set(1, { b: "x" }), TypeError, "labels must be exactly");
  const c = r.counter({ name: "c_total", help: "" });
  assertThrows(() => c.inc({}, -1), RangeError);
});
