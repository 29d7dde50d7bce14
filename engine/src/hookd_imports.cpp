// The `hookd` host imports of docs/abi.md.
#include <hookd/abi.h>

#include <cstring>

#include "abi/native.hpp"
#include "hookd/engine/guest_memory.hpp"
#include "val_shorthand.hpp"

namespace hookd::engine {
namespace {

using shorthand::I32;
constexpr size_t kMaxFunctions = 1024;
constexpr size_t kMaxHostFunctionName = 256;
const CallContext kNoImportContext{};

bool valid_function_name(std::string_view name) {
  if (name.empty() || name.size() > HOOKD_MAX_FUNCTION_NAME) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::unexpected<Error> out_of_bounds(std::string_view what) {
  return fail(ErrorKind::kTrap, std::string(what) + " out of bounds");
}

// The host function the guest names at (name_ptr, name_len), or null when
// none is granted; a name outside memory traps. Clears the pending result.
Result<const HostFunction*> named_host_function(PluginInstance::State& st, std::span<uint8_t> mem,
                                                const Val& name_ptr, const Val& name_len) {
  auto name = guest_string(mem, name_ptr.i32, name_len.i32);
  if (!name || name->size() > kMaxHostFunctionName) return out_of_bounds("host function name");
  st.pending.clear();
  return st.resolve_host_function(static_cast<uint32_t>(name_ptr.i32), *name);
}

// The host_call code for a host function's outcome; an error message is left
// in st.pending for host_result.
int32_t host_call_code(PluginInstance::State& st, const Result<void>& res) {
  if (res) return HOOKD_HOST_OK;
  const std::string& m = res.error().message;
  st.pending.assign(m.begin(), m.end());
  return HOOKD_HOST_ERROR;
}

// Runs the host function a guest asked for by name; its result (or error
// message) is left in st.pending. Returns the host_call code.
Result<int32_t> run_host_call(PluginInstance::State& st, std::span<uint8_t> mem, const Val& name_ptr,
                              const Val& name_len, const Val& in_ptr, const Val& in_len) {
  auto fn = named_host_function(st, mem, name_ptr, name_len);
  if (!fn) return std::unexpected(std::move(fn.error()));
  auto input = guest_span(mem, in_ptr.i32, in_len.i32);
  if (!input) return out_of_bounds("host call input");
  if (*fn == nullptr || !(*fn)->fn) return HOOKD_HOST_NOT_FOUND;
  return host_call_code(st, st.run_host_function(**fn, *input, st.pending));
}

// Runs the direct form of a host function (which may trap the guest on a bad
// address of its own). Returns the host_call code.
Result<int32_t> run_direct_host_call(PluginInstance::State& st, std::span<uint8_t> mem, const Val& name_ptr,
                                     const Val& name_len, const Val& ptr, const Val& len) {
  auto fn = named_host_function(st, mem, name_ptr, name_len);
  if (!fn) return std::unexpected(std::move(fn.error()));
  if (*fn == nullptr || !(*fn)->direct) return HOOKD_HOST_NOT_FOUND;
  Result<void> res = (*fn)->direct(st.ctx ? *st.ctx : kNoImportContext, mem, static_cast<uint32_t>(ptr.i32),
                                   static_cast<uint32_t>(len.i32));
  if (!res && res.error().kind == ErrorKind::kTrap) return std::unexpected(std::move(res.error()));
  return host_call_code(st, res);
}

Format to_format(int v) { return v >= 0 && v <= 3 ? static_cast<Format>(v) : Format::kBytes; }

}  // namespace

bool is_known_hookd_import(std::string_view name) {
  return name == "register_function" || name == "log" || name == "host_call" || name == "host_call_into" ||
         name == "host_call_direct" || name == "host_result";
}

std::vector<ImportFunc> hookd_imports(PluginInstance::State& st, abi::NativeRegistration& reg) {
  std::vector<ImportFunc> out;
  auto add = [&](std::string name, FuncType type, HostFunc fn, bool hot = true) {
    out.push_back(ImportFunc{"hookd", std::move(name), std::move(type), std::move(fn), hot});
  };

  add(
      "register_function", {{I32, I32, I32, I32}, {I32}},
      [&reg](Caller& c, std::span<const Val> a, Val* r) -> Result<void> {
        if (!reg.initializing) {
          r->i32 = HOOKD_REGISTER_OUTSIDE_INIT;
          return {};
        }
        auto name = guest_string(c.memory(), a[0].i32, a[1].i32);
        if (!name) return out_of_bounds("function name");
        if (!valid_function_name(*name) || reg.functions.size() >= kMaxFunctions) {
          if (reg.error.empty()) {
            reg.error = "invalid function name \"" + std::string(name->substr(0, 64)) +
                        "\" (1-128 characters of A-Z a-z 0-9 _ . -, at most 1024 functions)";
          }
          r->i32 = HOOKD_REGISTER_BAD_NAME;
          return {};
        }
        for (const auto& f : reg.functions) {
          if (f.name == *name || f.id == a[2].i32) {
            if (reg.error.empty()) {
              reg.error = "function \"" + std::string(*name) + "\" registered twice (or its id reused)";
            }
            r->i32 = HOOKD_REGISTER_DUPLICATE;
            return {};
          }
        }
        reg.functions.push_back(FunctionInfo{std::string(*name), a[2].i32,
                                             to_format(HOOKD_FLAGS_IN(a[3].i32)),
                                             to_format(HOOKD_FLAGS_OUT(a[3].i32))});
        r->i32 = HOOKD_REGISTER_OK;
        return {};
      },
      /*hot=*/false);

  add("log", {{I32, I32, I32}, {}}, [&st](Caller& c, std::span<const Val> a, Val*) -> Result<void> {
    auto msg = guest_string(c.memory(), a[1].i32, a[2].i32);
    if (!msg) return out_of_bounds("log message");
    st.log(static_cast<LogLevel>(std::clamp(a[0].i32, 0, 4)), *msg);
    return {};
  });

  add("host_call", {{I32, I32, I32, I32, I32}, {I32}},
      [&st](Caller& c, std::span<const Val> a, Val* r) -> Result<void> {
        std::span<uint8_t> mem = c.memory();
        if (!guest_span(mem, a[4].i32, 4)) return out_of_bounds("result length pointer");
        auto code = run_host_call(st, mem, a[0], a[1], a[2], a[3]);
        if (!code) return std::unexpected(std::move(code.error()));
        // The host function ran no guest code, so memory has not moved.
        guest_store_u32(c.memory(), a[4].i32, static_cast<uint32_t>(st.pending.size()));
        r->i32 = *code;
        return {};
      });

  // host_call, and the result copied to (out_ptr, out_cap) when it fits: one
  // crossing instead of two. A larger result stays pending for host_result.
  add("host_call_into", {{I32, I32, I32, I32, I32, I32, I32}, {I32}},
      [&st](Caller& c, std::span<const Val> a, Val* r) -> Result<void> {
        std::span<uint8_t> mem = c.memory();
        auto out = guest_span(mem, a[4].i32, a[5].i32);
        if (!out) return out_of_bounds("host call output");
        if (!guest_span(mem, a[6].i32, 4)) return out_of_bounds("result length pointer");
        auto code = run_host_call(st, mem, a[0], a[1], a[2], a[3]);
        if (!code) return std::unexpected(std::move(code.error()));
        const auto n = static_cast<uint32_t>(st.pending.size());
        if (n <= out->size()) {
          if (n > 0) std::memcpy(out->data(), st.pending.data(), n);  // data() may be null when empty
          st.pending.clear();
        }
        guest_store_u32(mem, a[6].i32, n);
        r->i32 = *code;
        return {};
      });

  // A host function's direct form: it works on guest memory at (ptr, len)
  // itself. An error message is pending for host_result.
  add("host_call_direct", {{I32, I32, I32, I32}, {I32}},
      [&st](Caller& c, std::span<const Val> a, Val* r) -> Result<void> {
        auto code = run_direct_host_call(st, c.memory(), a[0], a[1], a[2], a[3]);
        if (!code) return std::unexpected(std::move(code.error()));
        r->i32 = *code;
        return {};
      });

  add("host_result", {{I32, I32}, {I32}}, [&st](Caller& c, std::span<const Val> a, Val* r) -> Result<void> {
    const uint32_t n = std::min<uint64_t>(static_cast<uint32_t>(a[1].i32), st.pending.size());
    auto dst = guest_span(c.memory(), a[0].i32, static_cast<int32_t>(n));
    if (!dst) return out_of_bounds("host result destination");
    if (n > 0) std::memcpy(dst->data(), st.pending.data(), n);  // data() may be null when empty
    st.pending.clear();
    r->i32 = static_cast<int32_t>(n);
    return {};
  });
  return out;
}

}  // namespace hookd::engine
