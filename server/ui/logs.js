// Recent plugin log lines and call errors (GET /admin/logs), filterable by
// level, kind and plugin; refreshed every few seconds.
import { api } from "./api.js";
import { $, el, fillSelect } from "./util.js";

const REFRESH_MS = 3000;

export class LogsView {
  constructor(store) {
    this.store = store;
    this.timer = null;
    store.subscribe(() =>
      fillSelect($("logs-plugin"), this.store.plugins.map((p) => p.name), true, { label: "all", value: "" }),
    );
    for (const id of ["logs-level", "logs-kind", "logs-plugin"]) $(id).addEventListener("change", () => this.load());
  }

  enter() {
    this.load();
    this.timer = setInterval(() => this.load(), REFRESH_MS);
  }

  leave() {
    clearInterval(this.timer);
  }

  async load() {
    const q = new URLSearchParams({ limit: "300" });
    if ($("logs-level").value) q.set("level", $("logs-level").value);
    if ($("logs-kind").value) q.set("kind", $("logs-kind").value);
    if ($("logs-plugin").value) q.set("plugin", $("logs-plugin").value);
    let r;
    try {
      r = await api(`/admin/logs?${q}`);
    } catch (err) {
      $("logs-status").textContent = `Cannot load logs: ${err.message}`;
      return;
    }
    const rows = r.events
      .slice()
      .reverse()
      .map((e) => {
        const tr = el("tr", null, { class: `level-${e.level}`, "data-kind": e.kind });
        tr.append(
          el("td", new Date(e.time_ms).toLocaleTimeString()),
          el("td", e.level, { class: "level" }),
          el("td", e.kind),
          el("td", e.plugin),
          el("td", e.fn ?? ""),
          el("td", e.status ?? ""),
          el("td", e.request_id ?? "", { class: "mono" }),
          el("td", e.message, { class: "message" }),
        );
        return tr;
      });
    $("logs-table").querySelector("tbody").replaceChildren(...rows);
    $("logs-status").textContent = `${r.events.length} events (newest first; the gateway keeps the last ${r.capacity}).`;
  }
}
