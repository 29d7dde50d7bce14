// The admin API client: every data call carries the token as a bearer header.
// The token lives in this tab's sessionStorage only.
const KEY = "hookd.admin_token";

export class Unauthorized extends Error {}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function token() {
  return sessionStorage.getItem(KEY) || "";
}

export function setToken(value) {
  if (value) sessionStorage.setItem(KEY, value);
  else sessionStorage.removeItem(KEY);
}

let onUnauthorized = () => {};
export function whenUnauthorized(fn) {
  onUnauthorized = fn;
}

async function errorOf(res) {
  const text = await res.text();
  try {
    const j = JSON.parse(text);
    if (j && typeof j.error === "string") return j.error;
  } catch (_) {
    // not JSON: the text itself
  }
  return text || res.statusText;
}

// fetch() with the token; JSON in and out. Throws Unauthorized on 401 and
// ApiError on any other failure.
export async function api(path, { method = "GET", body, headers = {}, raw = false } = {}) {
  const res = await fetch(path, {
    method,
    body,
    headers: { Authorization: `Bearer ${token()}`, ...headers },
    cache: "no-store",
    credentials: "omit",
  });
  if (res.status === 401) {
    onUnauthorized();
    throw new Unauthorized("wrong admin token");
  }
  if (!res.ok) throw new ApiError(res.status, await errorOf(res));
  if (raw) return res;
  if (res.status === 204) return null;
  return res.json();
}

// Checks a token without keeping it: true when the gateway accepts it.
export async function checkToken(candidate) {
  const res = await fetch("/admin/plugins", {
    headers: { Authorization: `Bearer ${candidate}` },
    cache: "no-store",
    credentials: "omit",
  });
  if (res.status === 401) return false;
  if (!res.ok) throw new ApiError(res.status, await errorOf(res));
  return true;
}

// PUT with upload progress (fetch has none): resolves with the JSON answer.
export function upload(path, file, headers, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", path);
    xhr.setRequestHeader("Authorization", `Bearer ${token()}`);
    xhr.setRequestHeader("Content-Type", "application/wasm");
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(Math.round((100 * e.loaded) / e.total));
    };
    xhr.onerror = () => reject(new ApiError(0, "network error"));
    xhr.onload = () => {
      let j = null;
      try {
        j = JSON.parse(xhr.responseText);
      } catch (_) {
        // not JSON
      }
      if (xhr.status === 401) {
        onUnauthorized();
        return reject(new Unauthorized("wrong admin token"));
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve({ status: xhr.status, body: j });
      reject(new ApiError(xhr.status, (j && j.error) || xhr.statusText));
    };
    xhr.send(file);
  });
}
