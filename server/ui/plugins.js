// The plugins table (sortable, filterable), upload/replace with progress,
// delete with confirmation.
import { api, upload } from "./api.js";
import { $, el, fmtBytes, fmtMs } from "./util.js";

const SHA_RE = /^[0-9a-fA-F]{64}$/;
const NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;

function sortValue(p, key) {
  switch (key) {
    case "functions":
      return p.functions.length;
    case "calls":
      return p.recent ? p.recent.requests : 0;
    case "errors":
      return p.recent ? p.recent.errors : 0;
    case "p50":
    case "p99": {
      const fns = p.recent ? p.recent.fns : [];
      return Math.max(-1, ...fns.map((f) => f[`${key}_ms`] ?? -1));
    }
    case "memory":
      return Math.max(0, ...p.memory_per_worker);
    default:
      return p[key] ?? "";
  }
}

export class PluginsView {
  constructor(store) {
    this.store = store;
    this.sortKey = "name";
    this.sortDir = 1;
    this.file = null;
    this.timer = null;
    store.subscribe(() => this.render());
    $("plugin-filter").addEventListener("input", () => this.render());
    for (const th of document.querySelectorAll("#plugins-table th[data-sort]")) {
      th.addEventListener("click", () => {
        const key = th.dataset.sort;
        this.sortDir = this.sortKey === key ? -this.sortDir : 1;
        this.sortKey = key;
        this.render();
      });
    }
    $("upload-open").addEventListener("click", () => this.openUpload(""));
    $("upload-cancel").addEventListener("click", () => ($("upload").hidden = true));
    $("upload-form").addEventListener("submit", (e) => {
      e.preventDefault();
      this.submitUpload();
    });
    $("upload-file").addEventListener("change", () => this.pickFile($("upload-file").files[0]));
    const zone = $("dropzone");
    zone.addEventListener("dragover", (e) => {
      e.preventDefault();
      zone.classList.add("over");
    });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (e) => {
      e.preventDefault();
      zone.classList.remove("over");
      if (e.dataTransfer.files.length > 0) this.pickFile(e.dataTransfer.files[0]);
    });
    $("upload-sha").addEventListener("input", () => this.validateSha());
    $("upload-settings").addEventListener("input", () => this.validateSettings());
  }

  enter() {
    this.refresh();
    this.timer = setInterval(() => this.refresh(), 5000);
  }

  leave() {
    clearInterval(this.timer);
  }

  async refresh() {
    try {
      await this.store.refresh();
      $("plugins-status").textContent = `Updated ${new Date().toLocaleTimeString()}`;
    } catch (err) {
      $("plugins-status").textContent = `Cannot load plugins: ${err.message}`;
    }
  }

  render() {
    const filter = $("plugin-filter").value.trim().toLowerCase();
    const rows = this.store.plugins.filter((p) => {
      if (!filter) return true;
      const hay = [p.name, p.abi, p.sha256, ...p.functions.map((f) => f.name), ...(p.routes || []).map((r) => r.path)]
        .join(" ")
        .toLowerCase();
      return hay.includes(filter);
    });
    rows.sort((a, b) => {
      const x = sortValue(a, this.sortKey);
      const y = sortValue(b, this.sortKey);
      return (x < y ? -1 : x > y ? 1 : 0) * this.sortDir;
    });
    for (const th of document.querySelectorAll("#plugins-table th[data-sort]")) {
      th.classList.toggle("sorted", th.dataset.sort === this.sortKey);
      th.dataset.dir = this.sortKey === th.dataset.sort ? (this.sortDir > 0 ? "asc" : "desc") : "";
    }
    const body = $("plugins-table").querySelector("tbody");
    body.replaceChildren(...rows.map((p) => this.row(p)));
  }

  row(p) {
    const tr = el("tr", null, { "data-plugin": p.name });
    const fns = p.recent ? p.recent.fns : [];
    const q = (k) => {
      const vals = fns.map((f) => f[k]).filter((v) => v !== null && v !== undefined);
      return vals.length ? Math.max(...vals) : null;
    };
    const sha = el("button", p.sha256.slice(0, 12), { class: "sha", title: `${p.sha256} (click to copy)` });
    sha.addEventListener("click", () => this.copy(p.sha256, sha));
    const fnCell = el("td");
    fnCell.append(...p.functions.map((f) => el("span", f.name, { class: "tag", title: `${f.input} → ${f.output}` })));
    // The routes to its functions (the config file's and its own), as "GET /r/{code}".
    fnCell.append(
      ...(p.routes || []).map((r) =>
        el("span", `${r.methods.join(",")} ${r.host ? r.host : ""}${r.path}`, {
          class: "tag route",
          title: `→ ${r.function} (${r.origin})`,
        }),
      ),
    );
    const recentCalls = p.recent ? p.recent.requests : 0;
    const recentErrors = p.recent ? p.recent.errors : 0;
    const cells = [
      el("td", p.name, { class: "name" }),
      el("td", p.abi),
      el("td", p.revision ?? p.version, { title: "loads of this plugin since the gateway started" }),
      el("td"),
      el("td", new Date(p.loaded_at).toLocaleString()),
      fnCell,
      el("td", `${recentCalls} (${p.calls})`, { class: "num calls" }),
      el("td", `${recentErrors} (${p.errors})`, { class: `num errors${recentErrors ? " bad" : ""}` }),
      el("td", fmtMs(q("p50_ms")), { class: "num" }),
      el("td", fmtMs(q("p99_ms")), { class: "num" }),
      el("td", p.memory_per_worker.map(fmtBytes).join(", ") || "–", { class: "num" }),
    ];
    cells[3].append(sha);
    const actions = el("td", null, { class: "actions" });
    const replace = el("button", "Replace", { class: "quiet replace" });
    replace.addEventListener("click", () => this.openUpload(p.name, p.settings));
    const del = el("button", "Delete", { class: "danger delete" });
    del.addEventListener("click", () => this.confirmDelete(p.name));
    actions.append(replace, del);
    tr.append(...cells, actions);
    return tr;
  }

  async copy(text, button) {
    try {
      await navigator.clipboard.writeText(text);
      button.classList.add("copied");
      setTimeout(() => button.classList.remove("copied"), 1200);
    } catch (_) {
      // No clipboard (not a secure context): show the whole value to copy by hand.
      window.prompt("SHA-256", text);
    }
  }

  openUpload(name, settings) {
    $("upload").hidden = false;
    $("upload-title").textContent = name ? `Replace ${name}` : "Upload a plugin";
    $("upload-name").value = name;
    $("upload-name").readOnly = Boolean(name);
    $("upload-sha").value = "";
    const s = settings ? { ...settings } : null;
    if (s) delete s.sha256;
    $("upload-settings").value = s && Object.keys(s).length ? JSON.stringify(s, null, 2) : "";
    $("upload-result").textContent = "";
    $("upload-progress").hidden = true;
    for (const id of ["upload-name-error", "upload-file-error", "upload-sha-error", "upload-settings-error"])
      $(id).textContent = "";
    this.pickFile(null);
    $("upload").scrollIntoView({ block: "nearest" });
  }

  pickFile(file) {
    this.file = file || null;
    $("dropzone-text").textContent = file ? `${file.name} (${fmtBytes(file.size)})` : "or drop a .wasm file here";
    $("upload-file-error").textContent = "";
  }

  validateSha() {
    const v = $("upload-sha").value.trim();
    const ok = v === "" || SHA_RE.test(v);
    $("upload-sha-error").textContent = ok ? "" : "Expected 64 hexadecimal digits.";
    return ok;
  }

  validateSettings() {
    const v = $("upload-settings").value.trim();
    let msg = "";
    if (v !== "") {
      try {
        const j = JSON.parse(v);
        if (j === null || typeof j !== "object" || Array.isArray(j)) msg = "Settings must be a JSON object.";
      } catch (err) {
        msg = `Not valid JSON: ${err.message}`;
      }
    }
    $("upload-settings-error").textContent = msg;
    return msg === "";
  }

  async submitUpload() {
    const name = $("upload-name").value.trim();
    let ok = true;
    $("upload-name-error").textContent = NAME_RE.test(name) ? "" : "1-64 characters of A-Z a-z 0-9 _ -";
    ok = NAME_RE.test(name) && ok;
    if (!this.file) {
      $("upload-file-error").textContent = "Choose or drop a .wasm file.";
      ok = false;
    }
    ok = this.validateSha() && ok;
    ok = this.validateSettings() && ok;
    if (!ok) return;
    const headers = {};
    const sha = $("upload-sha").value.trim();
    if (sha) headers["X-Hookd-Sha256"] = sha;
    const settings = $("upload-settings").value.trim();
    if (settings) headers["X-Hookd-Settings"] = JSON.stringify(JSON.parse(settings));
    const bar = $("upload-progress");
    bar.hidden = false;
    bar.value = 0;
    $("upload-submit").disabled = true;
    $("upload-result").className = "";
    $("upload-result").textContent = "Uploading…";
    try {
      const { status, body } = await upload(`/admin/plugins/${encodeURIComponent(name)}`, this.file, headers, (pct) => {
        bar.value = pct;
        if (pct === 100) $("upload-result").textContent = "Compiling and loading on every worker…";
      });
      bar.value = 100;
      $("upload-result").className = "ok";
      $("upload-result").textContent = `${status === 201 ? "Loaded" : "Replaced"} ${body.name} version ${body.revision ?? body.version} (sha256 ${body.sha256.slice(0, 12)}…).`;
      await this.store.refresh();
    } catch (err) {
      $("upload-result").className = "error";
      $("upload-result").textContent = `Refused (${err.status || "error"}): ${err.message}`;
      if (/settings/i.test(err.message)) $("upload-settings-error").textContent = err.message;
      else if (/sha-?256/i.test(err.message)) $("upload-sha-error").textContent = err.message;
    } finally {
      $("upload-submit").disabled = false;
    }
  }

  confirmDelete(name) {
    const dialog = $("confirm-delete");
    $("confirm-delete-name").textContent = name;
    dialog.returnValue = "";
    dialog.onclose = async () => {
      if (dialog.returnValue !== "yes") return;
      try {
        await api(`/admin/plugins/${encodeURIComponent(name)}`, { method: "DELETE" });
        $("plugins-status").textContent = `Deleted ${name}.`;
      } catch (err) {
        $("plugins-status").textContent = `Cannot delete ${name}: ${err.message}`;
      }
      await this.store.refresh();
    };
    dialog.showModal();
  }
}
