// Live charts of one plugin (or one of its functions) from
// GET /admin/timeseries: requests and errors per second, p50/p99 latency,
// over the last 15 minutes, refreshed every few seconds. Drawn by uPlot.
import { api } from "./api.js";
import { $, fillSelect, fmtMs } from "./util.js";

const REFRESH_MS = 3000;

function size(elem) {
  return { width: Math.max(320, elem.clientWidth || 600), height: 240 };
}

export class ChartsView {
  constructor(store) {
    this.store = store;
    this.timer = null;
    this.rps = null;
    this.latency = null;
    store.subscribe(() => this.fillPlugins());
    $("chart-plugin").addEventListener("change", () => {
      this.fillFunctions();
      this.load();
    });
    $("chart-fn").addEventListener("change", () => this.load());
    window.addEventListener("resize", () => {
      if (this.rps) this.rps.setSize(size($("chart-rps")));
      if (this.latency) this.latency.setSize(size($("chart-latency")));
    });
  }

  fillPlugins() {
    fillSelect($("chart-plugin"), this.store.plugins.map((p) => p.name));
    this.fillFunctions();
  }

  fillFunctions() {
    const p = this.store.plugins.find((x) => x.name === $("chart-plugin").value);
    fillSelect($("chart-fn"), p ? p.functions.map((f) => f.name) : [], true, { label: "all functions", value: "" });
  }

  enter() {
    this.fillPlugins();
    this.load();
    this.timer = setInterval(() => this.load(), REFRESH_MS);
  }

  leave() {
    clearInterval(this.timer);
  }

  async load() {
    const plugin = $("chart-plugin").value;
    if (!plugin) {
      $("chart-summary").textContent = "No plugin loaded.";
      return;
    }
    const fn = $("chart-fn").value;
    const q = new URLSearchParams({ plugin, seconds: "900" });
    if (fn) q.set("fn", fn);
    let s;
    try {
      s = await api(`/admin/timeseries?${q}`);
    } catch (err) {
      $("chart-summary").textContent = `Cannot load the series: ${err.message}`;
      return;
    }
    const t = s.total;
    $("chart-summary").textContent =
      `15 min: ${t.requests} requests, ${t.errors} errors, p50 ${fmtMs(t.p50_ms)} ms, p99 ${fmtMs(t.p99_ms)} ms`;
    $("chart-summary").dataset.requests = String(t.requests);
    this.draw(s);
  }

  draw(s) {
    if (typeof uPlot === "undefined") return; // the library failed to load
    const rpsData = [s.t, s.requests, s.errors];
    const latData = [s.t, s.p50_ms, s.p99_ms];
    if (!this.rps) {
      const axes = [{}, { size: 60 }];
      this.rps = new uPlot(
        {
          ...size($("chart-rps")),
          axes,
          series: [
            {},
            { label: "requests/s", stroke: "#2563eb", fill: "rgba(37,99,235,0.12)", width: 1.5 },
            { label: "errors/s", stroke: "#dc2626", fill: "rgba(220,38,38,0.15)", width: 1.5 },
          ],
        },
        rpsData,
        $("chart-rps"),
      );
      this.latency = new uPlot(
        {
          ...size($("chart-latency")),
          axes,
          series: [
            {},
            { label: "p50 ms", stroke: "#059669", width: 1.5, points: { show: true, size: 4 } },
            { label: "p99 ms", stroke: "#d97706", width: 1.5, points: { show: true, size: 4 } },
          ],
        },
        latData,
        $("chart-latency"),
      );
    } else {
      this.rps.setData(rpsData);
      this.latency.setData(latData);
    }
  }
}
