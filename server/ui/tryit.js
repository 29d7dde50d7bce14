// Try it: calls a function through POST /admin/call/<plugin>/<fn> (the
// admin API runs it on a worker like a public request) and shows status,
// headers, body and time taken.
import { api } from "./api.js";
import { $, fillSelect } from "./util.js";

export class TryItView {
  constructor(store) {
    this.store = store;
    // The list refreshes after every call; that must not undo the user's picks.
    store.subscribe(() => this.fillPlugins());
    $("tryit-plugin").addEventListener("change", () => this.fillFunctions());
    $("tryit-fn").addEventListener("change", () => this.pickType());
    $("tryit-form").addEventListener("submit", (e) => {
      e.preventDefault();
      this.send();
    });
  }

  enter() {
    this.fillPlugins();
  }

  fillPlugins() {
    fillSelect($("tryit-plugin"), this.store.plugins.map((p) => p.name));
    this.fillFunctions();
  }

  fillFunctions() {
    const p = this.store.plugins.find((x) => x.name === $("tryit-plugin").value);
    fillSelect($("tryit-fn"), p ? p.functions.map((f) => f.name) : []);
    // Preset the content type only when the function picked changed, so a
    // type the user chose survives sends and list refreshes.
    const picked = `${$("tryit-plugin").value}/${$("tryit-fn").value}`;
    if (picked !== this.picked) {
      this.picked = picked;
      this.pickType();
    }
  }

  // The declared input format of the function picks the content type.
  pickType() {
    const p = this.store.plugins.find((x) => x.name === $("tryit-plugin").value);
    const f = p && p.functions.find((x) => x.name === $("tryit-fn").value);
    if (f && [...$("tryit-type").options].some((o) => o.value === f.input)) $("tryit-type").value = f.input;
  }

  async send() {
    const plugin = $("tryit-plugin").value;
    const fn = $("tryit-fn").value;
    $("tryit-error").textContent = "";
    if (!plugin || !fn) {
      $("tryit-error").textContent = "Pick a plugin and a function.";
      return;
    }
    const type = $("tryit-type").value;
    const file = $("tryit-file").files[0];
    let body = file || $("tryit-body").value;
    if (!file && type === "application/json" && body.trim() !== "") {
      try {
        JSON.parse(body);
      } catch (err) {
        $("tryit-error").textContent = `Body is not valid JSON: ${err.message}`;
        return;
      }
    }
    $("tryit-send").disabled = true;
    try {
      const r = await api(`/admin/call/${encodeURIComponent(plugin)}/${encodeURIComponent(fn)}`, {
        method: "POST",
        body,
        headers: { "Content-Type": type },
      });
      $("tryit-result").hidden = false;
      $("tryit-status").textContent = String(r.status);
      $("tryit-status").className = r.status < 400 ? "ok" : "bad";
      $("tryit-duration").textContent = r.duration_ms.toFixed(2);
      $("tryit-request-id").textContent = r.request_id;
      $("tryit-headers").textContent = Object.entries(r.headers)
        .map(([k, v]) => `${k}: ${v}`)
        .join("\n");
      $("tryit-encoding").textContent = r.body_encoding === "base64" ? "(binary, shown as base64)" : "";
      $("tryit-response").textContent = r.body;
      this.store.refresh().catch(() => {});
    } catch (err) {
      $("tryit-error").textContent = `Call refused (${err.status || "error"}): ${err.message}`;
    } finally {
      $("tryit-send").disabled = false;
    }
  }
}
