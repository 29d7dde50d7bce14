// The dashboard's shell: sign-in, navigation between views, the shared
// plugin list that every view reads.
import { api, checkToken, setToken, token, whenUnauthorized } from "./api.js";
import { ChartsView } from "./charts.js";
import { LogsView } from "./logs.js";
import { PluginsView } from "./plugins.js";
import { TryItView } from "./tryit.js";
import { $, el } from "./util.js";
const VIEWS = ["plugins", "charts", "tryit", "logs", "cluster"];

export const store = {
  plugins: [], // GET /admin/plugins, joined with GET /admin/timeseries totals
  listeners: new Set(),
  async refresh() {
    const [list, series] = await Promise.all([api("/admin/plugins"), api("/admin/timeseries")]);
    const recent = new Map();
    for (const s of series.series) {
      const r = recent.get(s.plugin) || { requests: 0, errors: 0, fns: [] };
      r.requests += s.requests;
      r.errors += s.errors;
      r.fns.push(s);
      recent.set(s.plugin, r);
    }
    this.plugins = list.plugins.map((p) => ({ ...p, recent: recent.get(p.name) || null }));
    for (const fn of this.listeners) fn(this.plugins);
    return this.plugins;
  },
  subscribe(fn) {
    this.listeners.add(fn);
  },
};

const views = {};
let current = null;

function show(name) {
  if (!token()) name = "signin";
  if (name !== "signin" && !VIEWS.includes(name)) name = "plugins";
  for (const section of document.querySelectorAll("section.view")) section.hidden = section.id !== `view-${name}`;
  for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("active", a.dataset.view === name);
  if (current && views[current] && views[current].leave) views[current].leave();
  current = name;
  if (views[name] && views[name].enter) views[name].enter();
}

function signedIn() {
  $("nav").hidden = false;
  $("signout").hidden = false;
  store.refresh().catch(() => {});
  detectCluster();
  show(location.hash.slice(1) || "plugins");
}

function signOut(message) {
  setToken("");
  $("nav").hidden = true;
  $("signout").hidden = true;
  $("signin-error").textContent = message || "";
  show("signin");
}

// The cluster view appears only when the gateway has GET /admin/cluster.
async function detectCluster() {
  try {
    const res = await api("/admin/cluster", { raw: true });
    const j = await res.json();
    $("nav-cluster").hidden = false;
    $("cluster-status").textContent = "Cluster mode.";
    renderCluster(j);
  } catch (_) {
    $("nav-cluster").hidden = true;
  }
}

// Nodes as a table (whatever fields GET /admin/cluster gives each), then
// the whole answer as JSON for what the table does not show.
function renderCluster(j) {
  const nodes = Array.isArray(j && j.nodes) ? j.nodes : [];
  const keys = [...new Set(nodes.flatMap((n) => Object.keys(n)))];
  const cell = (v) => el("td", v !== null && typeof v === "object" ? JSON.stringify(v) : v);
  const head = el("tr");
  head.append(...keys.map((k) => el("th", k)));
  const rows = nodes.map((n) => {
    const tr = el("tr");
    tr.append(...keys.map((k) => cell(n[k])));
    return tr;
  });
  $("cluster-table").querySelector("thead").replaceChildren(head);
  $("cluster-table").querySelector("tbody").replaceChildren(...rows);
  $("cluster-table").hidden = nodes.length === 0;
  $("cluster-json").textContent = JSON.stringify(j, null, 2);
}

$("signin-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const candidate = $("token").value.trim();
  $("signin-error").textContent = "";
  if (!candidate) {
    $("signin-error").textContent = "Enter the admin token.";
    return;
  }
  try {
    if (!(await checkToken(candidate))) {
      $("signin-error").textContent = "Wrong admin token: the gateway refused it (401).";
      return;
    }
  } catch (err) {
    $("signin-error").textContent = `Cannot reach the admin API: ${err.message}`;
    return;
  }
  setToken(candidate);
  $("token").value = "";
  signedIn();
});

$("signout").addEventListener("click", () => signOut(""));
whenUnauthorized(() => signOut("The gateway no longer accepts this token; sign in again."));
window.addEventListener("hashchange", () => show(location.hash.slice(1)));

views.plugins = new PluginsView(store);
views.charts = new ChartsView(store);
views.tryit = new TryItView(store);
views.logs = new LogsView(store);

$("footer").textContent = "hookd admin dashboard · data from the admin API of this gateway";
if (token()) signedIn();
else show("signin");
