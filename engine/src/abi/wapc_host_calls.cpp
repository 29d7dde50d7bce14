#include "abi/wapc_host_calls.hpp"

#include <cstring>
#include <string>

#include "abi/msgpack_lite.hpp"

namespace hookd::engine::abi {
namespace {

using Bytes = std::span<const uint8_t>;

std::string_view as_text(Bytes b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

std::unexpected<Error> host_error(std::string message) {
  return fail(ErrorKind::kHostError, std::move(message));
}

std::unexpected<Error> bad_payload(std::string_view what, std::string_view shape) {
  return host_error(std::string(what) + ": payload must be " + std::string(shape));
}

// Appends the host_call wire encodings (little-endian, str = u32 length).
void put_u32(std::vector<uint8_t>& v, uint32_t x) {
  uint8_t b[4];
  std::memcpy(b, &x, 4);
  v.insert(v.end(), b, b + 4);
}
void put_u64(std::vector<uint8_t>& v, uint64_t x) {
  uint8_t b[8];
  std::memcpy(b, &x, 8);
  v.insert(v.end(), b, b + 8);
}
void put_str(std::vector<uint8_t>& v, std::string_view s) {
  put_u32(v, static_cast<uint32_t>(s.size()));
  v.insert(v.end(), s.begin(), s.end());
}

// Reads the host_call wire encodings back from a reply.
struct WireReader {
  Bytes in;
  size_t pos = 0;
  template <class T>
  std::optional<T> fixed() {
    if (in.size() - pos < sizeof(T)) return std::nullopt;
    T v;
    std::memcpy(&v, in.data() + pos, sizeof(T));
    pos += sizeof(T);
    return v;
  }
  std::optional<std::string_view> str() {
    auto n = fixed<uint32_t>();
    if (!n || in.size() - pos < *n) return std::nullopt;
    std::string_view s(reinterpret_cast<const char*>(in.data() + pos), *n);
    pos += *n;
    return s;
  }
  [[nodiscard]] Bytes rest() const { return in.subspan(pos); }
};

// Calls hookd's host function `name` (host_call form) on `request`; its
// reply lands in `reply`.
Result<void> invoke(const PluginModule& module, const CallContext& ctx, std::string_view name, Bytes request,
                    std::vector<uint8_t>& reply) {
  const HostFunction* fn = module.find_host_function(name);
  if (fn == nullptr || !fn->fn) return host_error(std::string(name) + " is not available to this plugin");
  reply.clear();
  auto r = fn->fn(ctx, request, reply);
  if (!r) return host_error(r.error().message);
  if (ctx.max_result_bytes != 0 && reply.size() > ctx.max_result_bytes) {
    const size_t n = reply.size();
    std::vector<uint8_t>().swap(reply);
    return host_error("host function " + std::string(name) + " returned " + std::to_string(n) +
                      " bytes, more than the plugin's memory of " + std::to_string(ctx.max_result_bytes));
  }
  return {};
}

// A reply of `u8 found` then the value: the value, or "<what>: not found".
Result<void> found_value(std::string_view what, const std::vector<uint8_t>& reply,
                         std::vector<uint8_t>& out) {
  if (reply.empty()) return host_error(std::string(what) + ": empty reply");
  if (reply[0] == 0) return host_error(std::string(what) + ": not found");
  out.assign(reply.begin() + 1, reply.end());
  return {};
}

// The fields of a msgpack map payload the table names; unknown keys are
// skipped, a field of the wrong type is an error.
struct MapFields {
  std::optional<std::string_view> key, value, url, method, body, name, message, a, b;
  std::optional<int64_t> ttl_ms, delta, index, status;
  std::vector<std::pair<std::string_view, std::string_view>> headers;
};

bool read_map(Bytes payload, MapFields& f) {
  MsgpackReader r(payload);
  auto n = r.map_header();
  if (!n) return false;
  for (uint32_t i = 0; i < *n; ++i) {
    auto name = r.bytes();
    if (!name) return false;
    auto text = [&r](std::optional<std::string_view>& dst) { return (dst = r.bytes()).has_value(); };
    auto number = [&r](std::optional<int64_t>& dst) { return (dst = r.integer()).has_value(); };
    bool ok = true;
    if (*name == "key")
      ok = text(f.key);
    else if (*name == "value")
      ok = text(f.value);
    else if (*name == "url")
      ok = text(f.url);
    else if (*name == "method")
      ok = text(f.method);
    else if (*name == "body")
      ok = r.nil() || text(f.body);
    else if (*name == "name")
      ok = text(f.name);
    else if (*name == "message")
      ok = text(f.message);
    else if (*name == "a")
      ok = text(f.a);
    else if (*name == "b")
      ok = text(f.b);
    else if (*name == "index")
      ok = number(f.index);
    else if (*name == "status")
      ok = number(f.status);
    else if (*name == "ttl_ms")
      ok = number(f.ttl_ms);
    else if (*name == "delta")
      ok = number(f.delta);
    else if (*name == "headers") {
      auto count = r.map_header();
      ok = count && *count <= 256;
      for (uint32_t h = 0; ok && h < *count; ++h) {
        auto hn = r.bytes();
        auto hv = r.bytes();
        ok = hn && hv;
        if (ok) f.headers.emplace_back(*hn, *hv);
      }
    } else {
      ok = r.skip();
    }
    if (!ok) return false;
  }
  return r.at_end();
}

Result<void> kv_set(const PluginModule& m, const CallContext& ctx, Bytes payload, WapcHostScratch& s,
                    std::vector<uint8_t>& out) {
  MapFields f;
  if (!read_map(payload, f) || !f.key || !f.value || (f.ttl_ms && *f.ttl_ms < 0)) {
    return bad_payload("kv/set", "a msgpack map {key, value, ttl_ms (optional, >= 0)}");
  }
  s.request.clear();
  put_str(s.request, *f.key);
  put_u64(s.request, static_cast<uint64_t>(f.ttl_ms.value_or(0)));
  s.request.insert(s.request.end(), f.value->begin(), f.value->end());
  if (auto r = invoke(m, ctx, "hookd.kv.set", s.request, s.reply); !r) return r;
  out.clear();
  return {};
}

Result<void> kv_incr(const PluginModule& m, const CallContext& ctx, Bytes payload, WapcHostScratch& s,
                     std::vector<uint8_t>& out) {
  MapFields f;
  if (!read_map(payload, f) || !f.key)
    return bad_payload("kv/incr", "a msgpack map {key, delta (optional, 1)}");
  s.request.clear();
  put_u64(s.request, static_cast<uint64_t>(f.delta.value_or(1)));
  s.request.insert(s.request.end(), f.key->begin(), f.key->end());
  if (auto r = invoke(m, ctx, "hookd.kv.incr", s.request, s.reply); !r) return r;
  WireReader w{s.reply};
  auto value = w.fixed<int64_t>();
  if (!value) return host_error("kv/incr: short reply");
  out.clear();
  MsgpackWriter(out).integer(*value);
  return {};
}

Result<void> http_fetch(const PluginModule& m, const CallContext& ctx, Bytes payload, WapcHostScratch& s,
                        std::vector<uint8_t>& out) {
  MapFields f;
  if (!read_map(payload, f) || !f.url) {
    return bad_payload(
        "http/fetch", "a msgpack map {url, method (optional, GET), headers (optional map), body (optional)}");
  }
  s.request.clear();
  put_str(s.request, f.method.value_or("GET"));
  put_str(s.request, *f.url);
  put_u32(s.request, static_cast<uint32_t>(f.headers.size()));
  for (const auto& [name, value] : f.headers) {
    put_str(s.request, name);
    put_str(s.request, value);
  }
  if (f.body) s.request.insert(s.request.end(), f.body->begin(), f.body->end());
  if (auto r = invoke(m, ctx, "hookd.fetch", s.request, s.reply); !r) return r;
  WireReader w{s.reply};
  auto status = w.fixed<uint32_t>();
  auto count = w.fixed<uint32_t>();
  if (!status || !count) return host_error("http/fetch: short reply");
  out.clear();
  MsgpackWriter mp(out);
  mp.map_header(3).str("status").integer(*status).str("headers").map_header(*count);
  for (uint32_t i = 0; i < *count; ++i) {
    auto name = w.str();
    auto value = w.str();
    if (!name || !value) return host_error("http/fetch: short reply");
    mp.str(*name).str(*value);
  }
  mp.str("body").bin(as_text(w.rest()));
  return {};
}

// A u32-length-prefixed `a`, then `b`: the host_call form of
// hookd.response.header, hookd.crypto.hmac_sha256 and hookd.crypto.equal.
void str_then_rest(std::vector<uint8_t>& v, std::string_view a, std::string_view b) {
  v.clear();
  put_str(v, a);
  v.insert(v.end(), b.begin(), b.end());
}

// request/<op>: the call's HTTP request (docs/abi.md, "waPC plugins").
Result<void> request_op(const PluginModule& m, const CallContext& ctx, std::string_view op, Bytes payload,
                        WapcHostScratch& s, std::vector<uint8_t>& out) {
  static constexpr std::pair<std::string_view, std::string_view> kText[] = {
      {"method", "hookd.request.method"},
      {"path", "hookd.request.path"},
      {"path_decoded", "hookd.request.path_decoded"},
      {"query", "hookd.request.query"},
      {"client_address", "hookd.request.client_address"},
      {"id", "hookd.request.id"},
      {"traceparent", "hookd.request.traceparent"}};
  for (const auto& [name, builtin] : kText) {
    if (op != name) continue;
    if (auto r = invoke(m, ctx, builtin, {}, s.reply); !r) return r;
    out.swap(s.reply);
    return {};
  }
  if (op == "query_param" || op == "route_param") {
    const std::string builtin = "hookd.request." + std::string(op);
    if (auto r = invoke(m, ctx, builtin, payload, s.reply); !r) return r;
    return found_value("request/" + std::string(op), s.reply, out);
  }
  if (op == "header") {
    MapFields f;
    if (!read_map(payload, f) || !f.name || (f.index && (*f.index < 0 || *f.index > UINT32_MAX))) {
      return bad_payload("request/header", "a msgpack map {name, index (optional, 0 = first)}");
    }
    s.request.clear();
    put_u32(s.request, static_cast<uint32_t>(f.index.value_or(0)));
    s.request.insert(s.request.end(), f.name->begin(), f.name->end());
    if (auto r = invoke(m, ctx, "hookd.request.header", s.request, s.reply); !r) return r;
    return found_value("request/header", s.reply, out);
  }
  if (op == "headers") {
    if (auto r = invoke(m, ctx, "hookd.request.headers", {}, s.reply); !r) return r;
    WireReader w{s.reply};
    auto count = w.fixed<uint32_t>();
    if (!count) return host_error("request/headers: short reply");
    out.clear();
    MsgpackWriter mp(out);
    mp.array_header(*count);
    for (uint32_t i = 0; i < *count; ++i) {
      auto name = w.str();
      auto value = w.str();
      if (!name || !value) return host_error("request/headers: short reply");
      mp.array_header(2).str(*name).str(*value);
    }
    return {};
  }
  return host_error("unknown waPC host call request/" + std::string(op.substr(0, 64)));
}

// response/<op>: the response the plugin shapes.
Result<void> response_op(const PluginModule& m, const CallContext& ctx, std::string_view op, Bytes payload,
                         WapcHostScratch& s, std::vector<uint8_t>& out) {
  MapFields f;
  if (op == "status") {
    if (!read_map(payload, f) || !f.status) return bad_payload("response/status", "a msgpack map {status}");
    // Out of u32 range is out of 100-599 too: the built-in refuses it.
    const auto status =
        static_cast<uint32_t>(*f.status < 0 || *f.status > UINT32_MAX ? UINT32_MAX : *f.status);
    s.request.clear();
    put_u32(s.request, status);
    if (auto r = invoke(m, ctx, "hookd.response.status", s.request, s.reply); !r) return r;
    out.clear();
    return {};
  }
  if (op == "header") {
    if (!read_map(payload, f) || !f.name || !f.value) {
      return bad_payload("response/header", "a msgpack map {name, value}");
    }
    str_then_rest(s.request, *f.name, *f.value);
    if (auto r = invoke(m, ctx, "hookd.response.header", s.request, s.reply); !r) return r;
    out.clear();
    return {};
  }
  return host_error("unknown waPC host call response/" + std::string(op.substr(0, 64)));
}

// crypto/<op>: digests are 32 raw bytes (the crypto grant).
Result<void> crypto_op(const PluginModule& m, const CallContext& ctx, std::string_view op, Bytes payload,
                       WapcHostScratch& s, std::vector<uint8_t>& out) {
  MapFields f;
  if (op == "sha256") {
    if (auto r = invoke(m, ctx, "hookd.crypto.sha256", payload, s.reply); !r) return r;
    out.swap(s.reply);
    return {};
  }
  if (op == "hmac_sha256") {
    if (!read_map(payload, f) || !f.key || !f.message) {
      return bad_payload("crypto/hmac_sha256", "a msgpack map {key, message}");
    }
    str_then_rest(s.request, *f.key, *f.message);
    if (auto r = invoke(m, ctx, "hookd.crypto.hmac_sha256", s.request, s.reply); !r) return r;
    out.swap(s.reply);
    return {};
  }
  if (op == "equal") {
    if (!read_map(payload, f) || !f.a || !f.b) return bad_payload("crypto/equal", "a msgpack map {a, b}");
    str_then_rest(s.request, *f.a, *f.b);
    if (auto r = invoke(m, ctx, "hookd.crypto.equal", s.request, s.reply); !r) return r;
    out.clear();
    MsgpackWriter(out).boolean(!s.reply.empty() && s.reply[0] == 1);
    return {};
  }
  return host_error("unknown waPC host call crypto/" + std::string(op.substr(0, 64)));
}

}  // namespace

Result<void> wapc_host_call(const PluginModule& module, const CallContext& ctx, std::string_view ns,
                            std::string_view op, Bytes payload, WapcHostScratch& scratch,
                            std::vector<uint8_t>& out) {
  if (ns == "kv") {
    if (op == "get") {
      if (auto r = invoke(module, ctx, "hookd.kv.get", payload, scratch.reply); !r) return r;
      return found_value("kv/get", scratch.reply, out);
    }
    if (op == "set") return kv_set(module, ctx, payload, scratch, out);
    if (op == "delete") {
      if (auto r = invoke(module, ctx, "hookd.kv.delete", payload, scratch.reply); !r) return r;
      out.clear();
      MsgpackWriter(out).boolean(!scratch.reply.empty() && scratch.reply[0] != 0);
      return {};
    }
    if (op == "incr") return kv_incr(module, ctx, payload, scratch, out);
  } else if (ns == "config" && op == "get") {
    if (auto r = invoke(module, ctx, "hookd.config.get", payload, scratch.reply); !r) return r;
    return found_value("config/get", scratch.reply, out);
  } else if (ns == "http" && op == "fetch") {
    return http_fetch(module, ctx, payload, scratch, out);
  } else if (ns == "request") {
    return request_op(module, ctx, op, payload, scratch, out);
  } else if (ns == "response") {
    return response_op(module, ctx, op, payload, scratch, out);
  } else if (ns == "crypto") {
    return crypto_op(module, ctx, op, payload, scratch, out);
  } else if (ns == "hookd") {
    // Any host function by name, in its host_call form (and embedders' own).
    if (auto r = invoke(module, ctx, op, payload, scratch.reply); !r) return r;
    out.swap(scratch.reply);
    return {};
  }
  return host_error("unknown waPC host call " + std::string(ns.substr(0, 64)) + "/" +
                    std::string(op.substr(0, 64)) +
                    " (hookd offers kv/get, kv/set, kv/delete, kv/incr, config/get, http/fetch, request/*, "
                    "response/status, response/header, crypto/*, and hookd/<host function>)");
}

}  // namespace hookd::engine::abi
