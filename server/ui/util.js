// Small DOM helpers shared by the views.
export const $ = (id) => document.getElementById(id);

// An element with text content (never innerHTML: every value is data).
export function el(tag, text, attrs = {}) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  return e;
}

export function fmtMs(v) {
  if (v === null || v === undefined) return "–";
  return v < 1 ? v.toFixed(3) : v < 100 ? v.toFixed(2) : v.toFixed(0);
}

export function fmtBytes(n) {
  if (n === null || n === undefined) return "–";
  const units = ["B", "KiB", "MiB", "GiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

export function fillSelect(select, values, keep = true, first = null) {
  const old = select.value;
  select.replaceChildren();
  if (first) select.append(el("option", first.label, { value: first.value }));
  for (const v of values) select.append(el("option", v, { value: v }));
  if (keep && [...select.options].some((o) => o.value === old)) select.value = old;
}
