// hookd's services as Extism host functions, module `extism:host/user`,
// declared the way Extism PDKs declare host functions: bytes travel as
// handles to memory blocks (u64 in, u64 out), numbers as i64. Each one calls
// the built-in host function of the same service (hookd.kv.get ...), so the
// plugin's grants are checked in the one place they always are. A refusal
// (not granted, a store error) fails the call with the host function's
// message, as a failing host function does in Extism's runtimes.
//
// | function | params | result |
// | kv_get | key | value handle, 0 when not found |
// | kv_set | key, value | - |
// | kv_delete | key | 1 when the key existed, else 0 |
// | kv_incr | key, delta (i64) | the new value (i64) |
// | config_get | key | value handle, 0 when not set (the config grant is needed) |
// | fetch | hookd.fetch request (docs/abi.md) | hookd.fetch reply handle |
//
// The HTTP exchange (no grant) and crypto (the crypto grant); a handle of 0
// is an empty or absent value:
//
// | request_method, request_path, request_path_decoded, | - | text handle |
// |   request_query, request_client_address, request_id, |   |             |
// |   request_traceparent                                |   |             |
// | request_header | name, index (i64) | value handle, 0 when absent |
// | request_headers | - | hookd.request.headers reply handle |
// | request_query_param, request_route_param | name | value handle |
// | response_set_status | status (i64) | - |
// | response_add_header | name, value | - |
// | crypto_sha256 | data | 32-byte digest handle |
// | crypto_hmac_sha256 | key, message | 32-byte MAC handle |
// | crypto_equal | a, b | 1 when equal (constant time), else 0 |
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iterator>
#include <utility>

#include "abi/extism_state.hpp"
#include "val_shorthand.hpp"

namespace hookd::engine::abi {
namespace {

using shorthand::I64;
using Args = std::span<const Val>;
using Bytes = std::span<const uint8_t>;

uint64_t arg_u64(const Val& v) { return static_cast<uint64_t>(v.i64); }

// Runs the built-in `name` on `in`; the reply is in s.scratch.
Result<void> run(ExtismState& s, std::string_view name, Bytes in) {
  const HostFunction* fn = s.st.module->find_host_function(name);
  if (fn == nullptr || !fn->fn) {
    return fail(ErrorKind::kTrap, std::string(name) + " is not available to this plugin");
  }
  auto res = s.st.run_host_function(*fn, in, s.scratch);
  if (!res) return fail(ErrorKind::kTrap, res.error().message);
  return {};
}

Result<Bytes> input_block(ExtismState& s, uint64_t offset, std::string_view what) {
  auto b = s.memory.block(offset);
  if (!b) {
    return fail(ErrorKind::kTrap,
                std::string(what) + "offset " + std::to_string(offset) + " is not an allocated block");
  }
  return Bytes(*b);
}

// A block holding the reply from byte `from` on; 0 when empty or when it
// does not fit (the reason noted).
uint64_t reply(ExtismState& s, size_t from) {
  if (s.scratch.size() <= from) return 0;
  std::string why;
  const uint64_t offset = s.memory.alloc_bytes(Bytes(s.scratch).subspan(from), &why);
  if (offset == 0) s.note = std::move(why);
  return offset;
}

void append(std::vector<uint8_t>& out, const void* p, size_t n) {
  const auto* b = static_cast<const uint8_t*>(p);
  out.insert(out.end(), b, b + n);
}

// The bytes of a block argument; 0 is an empty one.
Result<Bytes> optional_block(ExtismState& s, uint64_t offset, std::string_view what) {
  if (offset == 0) return Bytes{};
  return input_block(s, offset, what);
}

// A built-in's input of a u32-length-prefixed `a` followed by `b`.
std::vector<uint8_t> str_then_rest(Bytes a, Bytes b) {
  std::vector<uint8_t> in;
  in.reserve(4 + a.size() + b.size());
  const auto n = static_cast<uint32_t>(a.size());
  append(in, &n, 4);
  append(in, a.data(), a.size());
  append(in, b.data(), b.size());
  return in;
}

// The request, response and crypto functions (table above).
void add_exchange_imports(ExtismState& s, const std::function<void(std::string, FuncType, HostFunc)>& add) {
  // No arguments, the built-in's whole reply as a block.
  for (const auto& entry :
       {std::pair{"request_method", "hookd.request.method"}, std::pair{"request_path", "hookd.request.path"},
        std::pair{"request_path_decoded", "hookd.request.path_decoded"},
        std::pair{"request_query", "hookd.request.query"},
        std::pair{"request_client_address", "hookd.request.client_address"},
        std::pair{"request_id", "hookd.request.id"},
        std::pair{"request_traceparent", "hookd.request.traceparent"},
        std::pair{"request_headers", "hookd.request.headers"}}) {
    const std::string_view builtin = entry.second;
    add(entry.first, {{}, {I64}}, [&s, builtin](Caller&, Args, Val* r) -> Result<void> {
      if (auto res = run(s, builtin, {}); !res) return res;
      *r = Val::I64(static_cast<int64_t>(reply(s, 0)));
      return {};
    });
  }
  // A name in, u8 found then the value out.
  for (const auto& entry : {std::pair{"request_query_param", "hookd.request.query_param"},
                            std::pair{"request_route_param", "hookd.request.route_param"}}) {
    const std::string_view builtin = entry.second;
    add(entry.first, {{I64}, {I64}}, [&s, builtin](Caller&, Args a, Val* r) -> Result<void> {
      auto name = input_block(s, arg_u64(a[0]), "name: ");
      if (!name) return std::unexpected(std::move(name.error()));
      if (auto res = run(s, builtin, *name); !res) return res;
      const bool found = !s.scratch.empty() && s.scratch[0] == 1;
      *r = Val::I64(found ? static_cast<int64_t>(reply(s, 1)) : 0);
      return {};
    });
  }
  add("request_header", {{I64, I64}, {I64}}, [&s](Caller&, Args a, Val* r) -> Result<void> {
    auto name = input_block(s, arg_u64(a[0]), "name: ");
    if (!name) return std::unexpected(std::move(name.error()));
    if (a[1].i64 < 0 || a[1].i64 > UINT32_MAX) {
      *r = Val::I64(0);
      return {};
    }
    // hookd.request.header: u32 index, name (rest).
    std::vector<uint8_t> in;
    const auto index = static_cast<uint32_t>(a[1].i64);
    append(in, &index, 4);
    append(in, name->data(), name->size());
    if (auto res = run(s, "hookd.request.header", in); !res) return res;
    const bool found = !s.scratch.empty() && s.scratch[0] == 1;
    *r = Val::I64(found ? static_cast<int64_t>(reply(s, 1)) : 0);
    return {};
  });
  add("response_set_status", {{I64}, {}}, [&s](Caller&, Args a, Val*) -> Result<void> {
    // Out of u32 range is out of 100-599 too: the built-in refuses it.
    const auto status = static_cast<uint32_t>(a[0].i64 < 0 || a[0].i64 > UINT32_MAX ? UINT32_MAX : a[0].i64);
    uint8_t in[4];
    std::memcpy(in, &status, 4);
    return run(s, "hookd.response.status", in);
  });
  add("response_add_header", {{I64, I64}, {}}, [&s](Caller&, Args a, Val*) -> Result<void> {
    auto name = input_block(s, arg_u64(a[0]), "name: ");
    if (!name) return std::unexpected(std::move(name.error()));
    auto value = optional_block(s, arg_u64(a[1]), "value: ");
    if (!value) return std::unexpected(std::move(value.error()));
    return run(s, "hookd.response.header", str_then_rest(*name, *value));
  });
  add("crypto_sha256", {{I64}, {I64}}, [&s](Caller&, Args a, Val* r) -> Result<void> {
    auto data = optional_block(s, arg_u64(a[0]), "data: ");
    if (!data) return std::unexpected(std::move(data.error()));
    if (auto res = run(s, "hookd.crypto.sha256", *data); !res) return res;
    *r = Val::I64(static_cast<int64_t>(reply(s, 0)));
    return {};
  });
  add("crypto_hmac_sha256", {{I64, I64}, {I64}}, [&s](Caller&, Args a, Val* r) -> Result<void> {
    auto key = optional_block(s, arg_u64(a[0]), "key: ");
    if (!key) return std::unexpected(std::move(key.error()));
    auto message = optional_block(s, arg_u64(a[1]), "message: ");
    if (!message) return std::unexpected(std::move(message.error()));
    if (auto res = run(s, "hookd.crypto.hmac_sha256", str_then_rest(*key, *message)); !res) return res;
    *r = Val::I64(static_cast<int64_t>(reply(s, 0)));
    return {};
  });
  add("crypto_equal", {{I64, I64}, {I64}}, [&s](Caller&, Args a, Val* r) -> Result<void> {
    auto x = optional_block(s, arg_u64(a[0]), "");
    if (!x) return std::unexpected(std::move(x.error()));
    auto y = optional_block(s, arg_u64(a[1]), "");
    if (!y) return std::unexpected(std::move(y.error()));
    if (auto res = run(s, "hookd.crypto.equal", str_then_rest(*x, *y)); !res) return res;
    *r = Val::I64(!s.scratch.empty() && s.scratch[0] == 1 ? 1 : 0);
    return {};
  });
}

}  // namespace

bool is_extism_user_import(std::string_view name) {
  static constexpr std::string_view kNames[] = {"kv_get",
                                                "kv_set",
                                                "kv_delete",
                                                "kv_incr",
                                                "config_get",
                                                "fetch",
                                                "request_method",
                                                "request_path",
                                                "request_path_decoded",
                                                "request_query",
                                                "request_client_address",
                                                "request_id",
                                                "request_traceparent",
                                                "request_headers",
                                                "request_header",
                                                "request_query_param",
                                                "request_route_param",
                                                "response_set_status",
                                                "response_add_header",
                                                "crypto_sha256",
                                                "crypto_hmac_sha256",
                                                "crypto_equal"};
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

std::vector<ImportFunc> extism_user_imports(ExtismState& s) {
  std::vector<ImportFunc> out;
  auto add = [&](std::string name, FuncType type, HostFunc fn) {
    out.push_back(ImportFunc{"extism:host/user", std::move(name), std::move(type), std::move(fn), false});
  };

  add("kv_get", {{I64}, {I64}}, [&s](Caller&, Args a, Val* r) -> Result<void> {
    auto key = input_block(s, arg_u64(a[0]), "");
    if (!key) return std::unexpected(std::move(key.error()));
    if (auto res = run(s, "hookd.kv.get", *key); !res) return res;
    // u8 found, then the value.
    const bool found = !s.scratch.empty() && s.scratch[0] == 1;
    *r = Val::I64(found ? static_cast<int64_t>(reply(s, 1)) : 0);
    return {};
  });
  add("kv_set", {{I64, I64}, {}}, [&s](Caller&, Args a, Val*) -> Result<void> {
    auto key = input_block(s, arg_u64(a[0]), "");
    if (!key) return std::unexpected(std::move(key.error()));
    Bytes value;
    if (arg_u64(a[1]) != 0) {  // 0: an empty value
      auto v = input_block(s, arg_u64(a[1]), "value: ");
      if (!v) return std::unexpected(std::move(v.error()));
      value = *v;
    }
    // hookd.kv.set: str key, u64 ttl_ms (0: none), value (rest).
    std::vector<uint8_t> in;
    in.reserve(12 + key->size() + value.size());
    const auto key_len = static_cast<uint32_t>(key->size());
    const uint64_t ttl = 0;
    append(in, &key_len, 4);
    append(in, key->data(), key->size());
    append(in, &ttl, 8);
    append(in, value.data(), value.size());
    return run(s, "hookd.kv.set", in);
  });
  add("kv_delete", {{I64}, {I64}}, [&s](Caller&, Args a, Val* r) -> Result<void> {
    auto key = input_block(s, arg_u64(a[0]), "");
    if (!key) return std::unexpected(std::move(key.error()));
    if (auto res = run(s, "hookd.kv.delete", *key); !res) return res;
    *r = Val::I64(!s.scratch.empty() && s.scratch[0] == 1 ? 1 : 0);
    return {};
  });
  add("kv_incr", {{I64, I64}, {I64}}, [&s](Caller&, Args a, Val* r) -> Result<void> {
    auto key = input_block(s, arg_u64(a[0]), "");
    if (!key) return std::unexpected(std::move(key.error()));
    // hookd.kv.incr: i64 delta, key (rest) -> i64.
    std::vector<uint8_t> in;
    append(in, &a[1].i64, 8);
    append(in, key->data(), key->size());
    if (auto res = run(s, "hookd.kv.incr", in); !res) return res;
    int64_t v = 0;
    if (s.scratch.size() != 8) return fail(ErrorKind::kTrap, "malformed reply from hookd.kv.incr");
    std::memcpy(&v, s.scratch.data(), 8);
    *r = Val::I64(v);
    return {};
  });
  add("config_get", {{I64}, {I64}}, [&s](Caller&, Args a, Val* r) -> Result<void> {
    auto key = input_block(s, arg_u64(a[0]), "");
    if (!key) return std::unexpected(std::move(key.error()));
    if (auto res = run(s, "hookd.config.get", *key); !res) return res;
    const bool found = !s.scratch.empty() && s.scratch[0] == 1;
    *r = Val::I64(found ? static_cast<int64_t>(reply(s, 1)) : 0);
    return {};
  });
  add("fetch", {{I64}, {I64}}, [&s](Caller&, Args a, Val* r) -> Result<void> {
    auto req = input_block(s, arg_u64(a[0]), "");
    if (!req) return std::unexpected(std::move(req.error()));
    if (auto res = run(s, "hookd.fetch", *req); !res) return res;
    *r = Val::I64(static_cast<int64_t>(reply(s, 0)));
    return {};
  });
  add_exchange_imports(s, add);
  return out;
}

}  // namespace hookd::engine::abi
