// The host side of Extism's kernel, module `extism:host/env` (semantics from
// Extism's own kernel and SDK hosts; hookd's implementation). Offsets are
// u64 handles into the instance's ExtismMemory, never into the plugin's
// linear memory. A handle or range the plugin gets wrong traps its call with
// a message naming the function; allocation failures answer 0 and say why
// in the call's error, as Extism's kernel answers 0.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <climits>
#include <cstring>

#include "abi/extism_state.hpp"
#include "val_shorthand.hpp"

namespace hookd::engine::abi {
namespace {

using shorthand::I32;
using shorthand::I64;
constexpr size_t kMaxRequestJsonBytes = 1u << 20;
constexpr size_t kMaxRequestHeaders = 256;

uint64_t u64(const Val& v) { return static_cast<uint64_t>(v.i64); }

Val i64(uint64_t v) { return Val::I64(static_cast<int64_t>(v)); }

std::unexpected<Error> trap(std::string message) { return fail(ErrorKind::kTrap, std::move(message)); }

std::string_view text(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// The engine names the import in a trap's message; `what` names the
// argument when there are several.
std::string prefix(std::string_view what) { return what.empty() ? std::string() : std::string(what) + ": "; }

// The live block at `offset` (a trap otherwise).
Result<std::span<uint8_t>> block(ExtismState& s, uint64_t offset, std::string_view what) {
  auto b = s.memory.block(offset);
  if (!b) return trap(prefix(what) + "offset " + std::to_string(offset) + " is not an allocated block");
  return *b;
}

// `n` bytes at `offset`, inside the blocks allocated so far.
Result<std::span<uint8_t>> range(ExtismState& s, uint64_t offset, uint64_t n, std::string_view what) {
  auto b = s.memory.bytes(offset, n);
  if (!b) {
    return trap(prefix(what) + std::to_string(n) + " bytes at offset " + std::to_string(offset) +
                " are outside the plugin's memory blocks");
  }
  return *b;
}

// Where a store lands: `n` bytes at `offset`, inside the blocks allocated so
// far. A store that runs past the end of the last block is, in practice,
// Host.outputString of @extism/as-pdk 1.0.0 given non-ASCII text: it
// allocates String.length bytes (UTF-16 code units) and stores the string's
// UTF-8 encoding, which is longer. Extism's own kernel checks a store against
// the whole memory, not the block, so there it lands past the block and the
// output is silently cut to String.length bytes (mid-character, possibly);
// hookd refuses it, and the message names the cause and the fix.
Result<std::span<uint8_t>> store_range(ExtismState& s, uint64_t offset, uint64_t n) {
  auto b = s.memory.bytes(offset, n);
  if (b) return *b;
  std::string message = std::to_string(n) + " bytes at offset " + std::to_string(offset) +
                        " are outside the plugin's memory blocks";
  const uint64_t top = s.memory.top();
  if (offset >= ExtismMemory::kBase && offset <= top && n > top - offset) {
    message +=
        ": the write runs past the end of the last block allocated. A known cause: Host.outputString of "
        "@extism/as-pdk 1.0.0 allocates String.length bytes (UTF-16 code units) but writes the string's "
        "UTF-8 encoding, longer for non-ASCII text; use Host.output(Uint8Array.wrap(String.UTF8.encode(s))) "
        "(docs/abi.md)";
  }
  return trap(std::move(message));
}

// A new block holding `bytes`; 0 (with the reason noted) when it does not fit.
uint64_t give(ExtismState& s, std::span<const uint8_t> bytes) {
  std::string why;
  const uint64_t offset = s.memory.alloc_bytes(bytes, &why);
  if (offset == 0 && !why.empty()) s.note = std::move(why);
  return offset;
}

uint64_t give(ExtismState& s, std::string_view bytes) {
  return give(s, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

int32_t log_level_now() {
  switch (spdlog::get_level()) {
    case spdlog::level::trace:
      return 0;
    case spdlog::level::debug:
      return 1;
    case spdlog::level::info:
      return 2;
    case spdlog::level::warn:
      return 3;
    case spdlog::level::err:
    case spdlog::level::critical:
      return 4;
    default:
      return INT32_MAX;  // off
  }
}

// http_request: the request is Extism's JSON ({"url", "method", "headers":
// {name: value}}), sent through hookd.fetch, so the fetch grant, allowlist
// and SSRF guard apply. A request hookd refuses or that fails answers
// status 0 and the error message as the body: an error for the plugin to
// handle, not a trap.
Result<uint64_t> http_request(ExtismState& s, uint64_t req_offset, uint64_t body_offset) {
  auto req = block(s, req_offset, "");
  if (!req) return std::unexpected(std::move(req.error()));
  std::span<const uint8_t> body;
  if (body_offset != 0) {
    auto b = block(s, body_offset, "body");
    if (!b) return std::unexpected(std::move(b.error()));
    body = *b;
  }
  s.http_status = 0;
  s.http_headers_json.clear();
  auto refuse = [&s](const std::string& message) -> Result<uint64_t> {
    s.http_status = 0;
    return give(s, message);
  };
  if (req->size() > kMaxRequestJsonBytes)
    return refuse("http_request: the request JSON is larger than 1 MiB");
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text(*req), ec);
  if (ec || !v.is_object()) return refuse("http_request: the request is not a JSON object");
  const boost::json::object& o = v.get_object();
  const auto* url = o.if_contains("url");
  if (url == nullptr || !url->is_string()) return refuse("http_request: the request has no \"url\" string");
  std::string method = "GET";
  if (const auto* m = o.if_contains("method"); m != nullptr && m->is_string())
    method = m->get_string().c_str();
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  if (const auto* h = o.if_contains("headers"); h != nullptr && h->is_object()) {
    for (const auto& [name, value] : h->get_object()) {
      if (!value.is_string()) return refuse("http_request: header values must be strings");
      if (headers.size() >= kMaxRequestHeaders) return refuse("http_request: more than 256 headers");
      headers.emplace_back(std::string_view(name), std::string_view(value.get_string()));
    }
  }
  const HostFunction* fetch = s.st.module->find_host_function("hookd.fetch");
  if (fetch == nullptr || !fetch->fn)
    return refuse("http_request: outbound HTTP is not available to this plugin");

  // hookd.fetch's request (docs/abi.md): str method, str url, u32 n, n x
  // (str name, str value), body (rest).
  std::vector<uint8_t> wire;
  auto put_u32 = [&wire](uint32_t n) {
    const size_t at = wire.size();
    wire.resize(at + 4);
    std::memcpy(wire.data() + at, &n, 4);
  };
  auto put_str = [&](std::string_view str) {
    put_u32(static_cast<uint32_t>(str.size()));
    wire.insert(wire.end(), str.begin(), str.end());
  };
  put_str(method);
  put_str(std::string_view(url->get_string()));
  put_u32(static_cast<uint32_t>(headers.size()));
  for (const auto& [name, value] : headers) {
    put_str(name);
    put_str(value);
  }
  wire.insert(wire.end(), body.begin(), body.end());

  auto res = s.st.run_host_function(*fetch, wire, s.scratch);
  if (!res) return refuse(res.error().message);
  // The reply: u32 status, u32 n, n x (str name, str value), body (rest).
  std::span<const uint8_t> r = s.scratch;
  size_t pos = 0;
  auto get_u32 = [&](uint32_t& out) {
    if (r.size() - pos < 4) return false;
    std::memcpy(&out, r.data() + pos, 4);
    pos += 4;
    return true;
  };
  auto get_str = [&](std::string_view& out) {
    uint32_t n = 0;
    if (!get_u32(n) || r.size() - pos < n) return false;
    out = text(r.subspan(pos, n));
    pos += n;
    return true;
  };
  uint32_t status = 0, count = 0;
  if (!get_u32(status) || !get_u32(count)) return refuse("http_request: malformed reply from hookd.fetch");
  boost::json::object reply_headers;
  for (uint32_t i = 0; i < count; ++i) {
    std::string_view name, value;
    if (!get_str(name) || !get_str(value)) return refuse("http_request: malformed reply from hookd.fetch");
    reply_headers[name] = value;
  }
  s.http_status = static_cast<int32_t>(status);
  s.http_headers_json = boost::json::serialize(reply_headers);
  return give(s, r.subspan(pos));
}

// The kernel's functions. None needs the caller: every byte they read or
// write is in the instance's ExtismMemory.
using Args = std::span<const Val>;
using KernelFn = Result<void> (*)(ExtismState&, Args, Val*);

// Memory.
Result<void> alloc(ExtismState& s, Args a, Val* r) {
  std::string why;
  *r = i64(s.memory.alloc(u64(a[0]), &why));
  if (r->i64 == 0 && !why.empty()) s.note = std::move(why);
  return {};
}

Result<void> free_block(ExtismState& s, Args a, Val*) {
  const uint64_t offset = u64(a[0]);
  // Freeing the input, output or error block keeps them readable until the
  // call ends: the host still needs them.
  if (offset != s.input_offset && offset != s.output_offset && offset != s.error_offset)
    s.memory.free(offset);
  return {};
}

// Also length_unsafe: Extism's kernel skips its validity check there;
// hookd's lookup is cheap enough to keep it, and an unknown offset answers 0.
Result<void> length(ExtismState& s, Args a, Val* r) {
  *r = i64(s.memory.length(u64(a[0])));
  return {};
}

Result<void> load_u8(ExtismState& s, Args a, Val* r) {
  auto b = range(s, u64(a[0]), 1, "");
  if (!b) return std::unexpected(std::move(b.error()));
  *r = Val::I32((*b)[0]);
  return {};
}

Result<void> load_u64(ExtismState& s, Args a, Val* r) {
  auto b = range(s, u64(a[0]), 8, "");
  if (!b) return std::unexpected(std::move(b.error()));
  uint64_t v = 0;
  std::memcpy(&v, b->data(), 8);
  *r = i64(v);
  return {};
}

Result<void> store_u8(ExtismState& s, Args a, Val*) {
  auto b = store_range(s, u64(a[0]), 1);
  if (!b) return std::unexpected(std::move(b.error()));
  (*b)[0] = static_cast<uint8_t>(a[1].i32);
  return {};
}

Result<void> store_u64(ExtismState& s, Args a, Val*) {
  auto b = store_range(s, u64(a[0]), 8);
  if (!b) return std::unexpected(std::move(b.error()));
  const uint64_t v = u64(a[1]);
  std::memcpy(b->data(), &v, 8);
  return {};
}

Result<void> reset(ExtismState& s, Args, Val*) {
  // Frees every block, the input's included (Extism's kernel does the
  // same); the output and error are forgotten with them.
  s.begin_call();
  return {};
}

// Input, output, error.
Result<void> input_offset(ExtismState& s, Args, Val* r) {
  *r = i64(s.input_offset);
  return {};
}

Result<void> input_length(ExtismState& s, Args, Val* r) {
  *r = i64(s.input_length);
  return {};
}

// input_load_*: offsets relative to the start of the input.
Result<void> input_load_u8(ExtismState& s, Args a, Val* r) {
  const uint64_t at = u64(a[0]);
  if (at >= s.input_length) return trap("offset " + std::to_string(at) + " is past the input");
  auto b = range(s, s.input_offset + at, 1, "");
  if (!b) return std::unexpected(std::move(b.error()));
  *r = Val::I32((*b)[0]);
  return {};
}

Result<void> input_load_u64(ExtismState& s, Args a, Val* r) {
  const uint64_t at = u64(a[0]);
  if (at > s.input_length || s.input_length - at < 8) {
    return trap("8 bytes at offset " + std::to_string(at) + " are past the input");
  }
  auto b = range(s, s.input_offset + at, 8, "");
  if (!b) return std::unexpected(std::move(b.error()));
  uint64_t v = 0;
  std::memcpy(&v, b->data(), 8);
  *r = i64(v);
  return {};
}

Result<void> output_set(ExtismState& s, Args a, Val*) {
  if (u64(a[1]) == 0) {  // an empty output, whatever the offset (an empty input's is 0)
    s.output_offset = s.output_length = 0;
    return {};
  }
  auto b = range(s, u64(a[0]), u64(a[1]), "");
  if (!b) return std::unexpected(std::move(b.error()));
  s.output_offset = u64(a[0]);
  s.output_length = u64(a[1]);
  return {};
}

Result<void> error_set(ExtismState& s, Args a, Val*) {
  const uint64_t offset = u64(a[0]);
  if (offset != 0) {
    auto b = block(s, offset, "");
    if (!b) return std::unexpected(std::move(b.error()));
  }
  s.error_offset = offset;  // 0 clears it
  return {};
}

Result<void> error_get(ExtismState& s, Args, Val* r) {
  *r = i64(s.memory.length(s.error_offset) > 0 ? s.error_offset : 0);
  return {};
}

// Config and vars.
Result<void> config_get(ExtismState& s, Args a, Val* r) {
  auto key = block(s, u64(a[0]), "");
  if (!key) return std::unexpected(std::move(key.error()));
  *r = i64(0);
  // The plugin's config comes through hookd.config.get, so the config
  // grant is checked where it always is; not granted reads as not set.
  const HostFunction* fn = s.st.module->find_host_function("hookd.config.get");
  if (fn == nullptr || !fn->fn) return {};
  auto res = s.st.run_host_function(*fn, *key, s.scratch);
  if (!res) {
    s.note = "config_get: " + res.error().message;
    return {};
  }
  if (!s.scratch.empty() && s.scratch[0] == 1) {
    *r = i64(give(s, std::span<const uint8_t>(s.scratch).subspan(1)));
  }
  return {};
}

Result<void> var_get(ExtismState& s, Args a, Val* r) {
  auto key = block(s, u64(a[0]), "");
  if (!key) return std::unexpected(std::move(key.error()));
  auto it = s.vars.find(text(*key));
  *r = i64(it == s.vars.end() ? 0 : give(s, it->second));
  return {};
}

Result<void> var_set(ExtismState& s, Args a, Val*) {
  auto key_block = block(s, u64(a[0]), "key");
  if (!key_block) return std::unexpected(std::move(key_block.error()));
  const std::string_view key = text(*key_block);
  auto it = s.vars.find(key);
  const uint64_t old = it == s.vars.end() ? 0 : key.size() + it->second.size();
  if (u64(a[1]) == 0) {  // deletes the var
    if (it != s.vars.end()) s.vars.erase(it);
    s.var_bytes -= old;
    return {};
  }
  auto value = block(s, u64(a[1]), "value");
  if (!value) return std::unexpected(std::move(value.error()));
  const uint64_t max = s.st.module->options().limits.max_var_bytes;
  const uint64_t total = s.var_bytes - old + key.size() + value->size();
  if (total > max) {
    return trap("the plugin's vars would take " + std::to_string(total) +
                " bytes, more than its max_var_bytes of " + std::to_string(max));
  }
  if (it == s.vars.end()) it = s.vars.emplace(std::string(key), std::vector<uint8_t>()).first;
  it->second.assign(value->begin(), value->end());
  s.var_bytes = total;
  return {};
}

// Logs: the plugin logger, as hookd.log (cut at 16 KiB).
template <LogLevel kLevel>
Result<void> log_at(ExtismState& s, Args a, Val*) {
  auto msg = block(s, u64(a[0]), "");
  if (!msg) return std::unexpected(std::move(msg.error()));
  s.st.log(kLevel, text(*msg));
  return {};
}

Result<void> get_log_level(ExtismState&, Args, Val* r) {
  *r = Val::I32(log_level_now());
  return {};
}

// HTTP.
Result<void> http_request_fn(ExtismState& s, Args a, Val* r) {
  auto offset = http_request(s, u64(a[0]), u64(a[1]));
  if (!offset) return std::unexpected(std::move(offset.error()));
  *r = i64(*offset);
  return {};
}

Result<void> http_status_code(ExtismState& s, Args, Val* r) {
  *r = Val::I32(s.http_status);
  return {};
}

Result<void> http_headers(ExtismState& s, Args, Val* r) {
  *r = i64(s.http_headers_json.empty() ? 0 : give(s, s.http_headers_json));
  return {};
}

// One row an import: its name, its signature, whether it is hot, and what
// it does. `hot`: the functions a PDK calls for every input and output byte
// range take the engine's direct path (a few ns a crossing instead of
// ~100); they touch nothing of the engine.
struct KernelImport {
  std::string_view name;
  FuncType type;
  bool hot;
  KernelFn fn;
};

const KernelImport kKernel[] = {
    {"alloc", {{I64}, {I64}}, true, alloc},
    {"free", {{I64}, {}}, true, free_block},
    {"length", {{I64}, {I64}}, true, length},
    {"length_unsafe", {{I64}, {I64}}, true, length},
    {"load_u8", {{I64}, {I32}}, true, load_u8},
    {"load_u64", {{I64}, {I64}}, true, load_u64},
    {"store_u8", {{I64, I32}, {}}, true, store_u8},
    {"store_u64", {{I64, I64}, {}}, true, store_u64},
    {"reset", {{}, {}}, false, reset},
    {"input_offset", {{}, {I64}}, true, input_offset},
    {"input_length", {{}, {I64}}, true, input_length},
    {"input_load_u8", {{I64}, {I32}}, true, input_load_u8},
    {"input_load_u64", {{I64}, {I64}}, true, input_load_u64},
    {"output_set", {{I64, I64}, {}}, true, output_set},
    {"error_set", {{I64}, {}}, true, error_set},
    {"error_get", {{}, {I64}}, false, error_get},
    {"config_get", {{I64}, {I64}}, false, config_get},
    {"var_get", {{I64}, {I64}}, false, var_get},
    {"var_set", {{I64, I64}, {}}, false, var_set},
    {"log_trace", {{I64}, {}}, false, log_at<LogLevel::kTrace>},
    {"log_debug", {{I64}, {}}, false, log_at<LogLevel::kDebug>},
    {"log_info", {{I64}, {}}, false, log_at<LogLevel::kInfo>},
    {"log_warn", {{I64}, {}}, false, log_at<LogLevel::kWarn>},
    {"log_error", {{I64}, {}}, false, log_at<LogLevel::kError>},
    {"get_log_level", {{}, {I32}}, false, get_log_level},
    {"http_request", {{I64, I64}, {I64}}, false, http_request_fn},
    {"http_status_code", {{}, {I32}}, false, http_status_code},
    {"http_headers", {{}, {I64}}, false, http_headers},
};

}  // namespace

void ExtismState::begin_call() {
  memory.reset();
  input_offset = input_length = 0;
  output_offset = output_length = 0;
  error_offset = 0;
  note.clear();
  http_status = 0;
  http_headers_json.clear();
}

bool is_extism_kernel_import(std::string_view name) {
  return std::ranges::any_of(kKernel, [name](const KernelImport& k) { return k.name == name; });
}

std::vector<ImportFunc> extism_kernel_imports(ExtismState& s) {
  std::vector<ImportFunc> out;
  out.reserve(std::size(kKernel));
  for (const KernelImport& k : kKernel) {
    out.push_back(ImportFunc{"extism:host/env", std::string(k.name), k.type,
                             [&s, fn = k.fn](Caller&, Args a, Val* r) { return fn(s, a, r); }, k.hot});
  }
  return out;
}

}  // namespace hookd::engine::abi
