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
#include <cstring>

#include "abi/extism_state.hpp"

namespace hookd::engine::abi {
namespace {

constexpr ValType I64 = ValType::kI64;
using Args = std::span<const Val>;
using Bytes = std::span<const uint8_t>;

uint64_t u64(const Val& v) { return static_cast<uint64_t>(v.i64); }

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

Result<Bytes> block(ExtismState& s, uint64_t offset, std::string_view what) {
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

}  // namespace

bool is_extism_user_import(std::string_view name) {
  return name == "kv_get" || name == "kv_set" || name == "kv_delete" || name == "kv_incr" ||
         name == "config_get" || name == "fetch";
}

std::vector<ImportFunc> extism_user_imports(ExtismState& s) {
  std::vector<ImportFunc> out;
  auto add = [&](std::string name, FuncType type, HostFunc fn) {
    out.push_back(ImportFunc{"extism:host/user", std::move(name), std::move(type), std::move(fn), false});
  };

  add("kv_get", {{I64}, {I64}}, [&s](Caller&, Args a, Val* r) -> Result<void> {
    auto key = block(s, u64(a[0]), "");
    if (!key) return std::unexpected(std::move(key.error()));
    if (auto res = run(s, "hookd.kv.get", *key); !res) return res;
    // u8 found, then the value.
    const bool found = !s.scratch.empty() && s.scratch[0] == 1;
    *r = Val::I64(found ? static_cast<int64_t>(reply(s, 1)) : 0);
    return {};
  });
  add("kv_set", {{I64, I64}, {}}, [&s](Caller&, Args a, Val*) -> Result<void> {
    auto key = block(s, u64(a[0]), "");
    if (!key) return std::unexpected(std::move(key.error()));
    Bytes value;
    if (u64(a[1]) != 0) {  // 0: an empty value
      auto v = block(s, u64(a[1]), "value: ");
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
    auto key = block(s, u64(a[0]), "");
    if (!key) return std::unexpected(std::move(key.error()));
    if (auto res = run(s, "hookd.kv.delete", *key); !res) return res;
    *r = Val::I64(!s.scratch.empty() && s.scratch[0] == 1 ? 1 : 0);
    return {};
  });
  add("kv_incr", {{I64, I64}, {I64}}, [&s](Caller&, Args a, Val* r) -> Result<void> {
    auto key = block(s, u64(a[0]), "");
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
    auto key = block(s, u64(a[0]), "");
    if (!key) return std::unexpected(std::move(key.error()));
    if (auto res = run(s, "hookd.config.get", *key); !res) return res;
    const bool found = !s.scratch.empty() && s.scratch[0] == 1;
    *r = Val::I64(found ? static_cast<int64_t>(reply(s, 1)) : 0);
    return {};
  });
  add("fetch", {{I64}, {I64}}, [&s](Caller&, Args a, Val* r) -> Result<void> {
    auto req = block(s, u64(a[0]), "");
    if (!req) return std::unexpected(std::move(req.error()));
    if (auto res = run(s, "hookd.fetch", *req); !res) return res;
    *r = Val::I64(static_cast<int64_t>(reply(s, 0)));
    return {};
  });
  return out;
}

}  // namespace hookd::engine::abi
