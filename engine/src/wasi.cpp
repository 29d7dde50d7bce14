// The WASI preview 1 subset a wasi-libc reactor needs (docs/abi.md). There is
// no filesystem and no network: everything else answers an errno.
#include <time.h>

#include <string>

#include "hookd/engine/guest_memory.hpp"
#include "plugin_state.hpp"
#include "val_shorthand.hpp"

namespace hookd::engine {
namespace {

constexpr int32_t kSuccess = 0;
constexpr int32_t kBadf = 8;
constexpr int32_t kFault = 21;
constexpr int32_t kInval = 28;
constexpr int32_t kIo = 29;
constexpr int32_t kNosys = 52;
constexpr uint8_t kFiletypeCharacterDevice = 2;
constexpr uint64_t kRightFdWrite = 1u << 6;
constexpr int32_t kMaxIovs = 1024;
// Bytes one fd_write takes: more is a short write (nwritten says how much),
// which libc completes by calling again. Bounds the host's copy however
// often an iovec list repeats the same large buffer.
constexpr size_t kMaxWriteBytes = 64u << 10;
constexpr uint32_t kMaxRandomBytes = 1u << 20;

using shorthand::I32;
using shorthand::I64;

Result<void> fd_write(PluginInstance::State& st, Caller& c, std::span<const Val> a, Val* r) {
  const int32_t fd = a[0].i32;
  const int32_t iovs = a[1].i32;
  const int32_t iovs_len = a[2].i32;
  std::span<uint8_t> mem = c.memory();
  if (fd != 1 && fd != 2) {
    r->i32 = kBadf;
    return {};
  }
  if (iovs_len < 0 || iovs_len > kMaxIovs || !guest_span(mem, iovs, iovs_len * 8)) {
    r->i32 = kFault;
    return {};
  }
  std::string chunk;
  for (int32_t i = 0; i < iovs_len && chunk.size() < kMaxWriteBytes; ++i) {
    auto base = guest_load_u32(mem, iovs + i * 8);
    auto len = guest_load_u32(mem, iovs + i * 8 + 4);
    auto data = guest_string(mem, static_cast<int32_t>(*base), static_cast<int32_t>(*len));
    if (!data) {
      r->i32 = kFault;
      return {};
    }
    chunk.append(data->substr(0, kMaxWriteBytes - chunk.size()));
  }
  if (!guest_store_u32(mem, a[3].i32, static_cast<uint32_t>(chunk.size()))) {
    r->i32 = kFault;
    return {};
  }
  const auto& opts = st.module->options();
  (fd == 1 ? opts.stdout_sink : opts.stderr_sink)(opts.name, chunk);
  r->i32 = kSuccess;
  return {};
}

Result<void> fd_fdstat_get(Caller& c, std::span<const Val> a, Val* r) {
  if (a[0].i32 < 0 || a[0].i32 > 2) {
    r->i32 = kBadf;
    return {};
  }
  auto buf = guest_span(c.memory(), a[1].i32, 24);
  if (!buf) {
    r->i32 = kFault;
    return {};
  }
  // Character devices without seek rights: libc treats stdout as a terminal
  // and line-buffers it, so a reactor's output is not stuck in a buffer.
  std::memset(buf->data(), 0, 24);
  (*buf)[0] = kFiletypeCharacterDevice;
  const uint64_t rights = a[0].i32 == 0 ? 0 : kRightFdWrite;
  std::memcpy(buf->data() + 8, &rights, 8);
  r->i32 = kSuccess;
  return {};
}

Result<void> random_get(PluginInstance::State& st, Caller& c, std::span<const Val> a, Val* r) {
  auto buf = guest_span(c.memory(), a[0].i32, a[1].i32);
  if (!buf) {
    r->i32 = kFault;
    return {};
  }
  if (buf->size() > kMaxRandomBytes) {
    r->i32 = kInval;
    return {};
  }
  // No entropy is an error the guest sees (wasi-libc's getentropy fails),
  // never bytes it would take for random.
  r->i32 = st.module->options().random->fill(*buf) ? kSuccess : kIo;
  return {};
}

bool clock_for(int32_t id, clockid_t& out) {
  switch (id) {
    case 0:
      out = CLOCK_REALTIME;
      return true;
    case 1:
      out = CLOCK_MONOTONIC;
      return true;
    case 2:
      out = CLOCK_PROCESS_CPUTIME_ID;
      return true;
    case 3:
      out = CLOCK_THREAD_CPUTIME_ID;
      return true;
    default:
      return false;
  }
}

Result<void> clock_get(Caller& c, int32_t id, int32_t ptr, bool resolution, Val* r) {
  clockid_t clock{};
  if (!clock_for(id, clock)) {
    r->i32 = kInval;
    return {};
  }
  timespec ts{};
  if (resolution) {
    clock_getres(clock, &ts);
  } else {
    clock_gettime(clock, &ts);
  }
  const uint64_t ns = static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
  r->i32 = guest_store_u64(c.memory(), ptr, ns) ? kSuccess : kFault;
  return {};
}

// args_sizes_get / environ_sizes_get: zero entries, zero bytes.
Result<void> empty_sizes(Caller& c, std::span<const Val> a, Val* r) {
  const bool ok = guest_store_u32(c.memory(), a[0].i32, 0) && guest_store_u32(c.memory(), a[1].i32, 0);
  r->i32 = ok ? kSuccess : kFault;
  return {};
}

}  // namespace

std::vector<ImportFunc> wasi_imports(const ModuleInfo& info, PluginInstance::State& st) {
  std::vector<ImportFunc> out;
  for (const ImportInfo& imp : info.imports) {
    if (imp.module != "wasi_snapshot_preview1" || imp.kind != ExternKind::kFunc) continue;
    const std::string& n = imp.name;
    HostFunc fn;
    FuncType expected = imp.type;  // stubs adopt the plugin's signature
    if (n == "fd_write") {
      expected = {{I32, I32, I32, I32}, {I32}};
      fn = [&st](Caller& c, std::span<const Val> a, Val* r) { return fd_write(st, c, a, r); };
    } else if (n == "fd_fdstat_get") {
      expected = {{I32, I32}, {I32}};
      fn = fd_fdstat_get;
    } else if (n == "random_get") {
      expected = {{I32, I32}, {I32}};
      fn = [&st](Caller& c, std::span<const Val> a, Val* r) { return random_get(st, c, a, r); };
    } else if (n == "clock_time_get") {
      expected = {{I32, I64, I32}, {I32}};
      fn = [](Caller& c, std::span<const Val> a, Val* r) {
        return clock_get(c, a[0].i32, a[2].i32, false, r);
      };
    } else if (n == "clock_res_get") {
      expected = {{I32, I32}, {I32}};
      fn = [](Caller& c, std::span<const Val> a, Val* r) {
        return clock_get(c, a[0].i32, a[1].i32, true, r);
      };
    } else if (n == "args_sizes_get" || n == "environ_sizes_get") {
      expected = {{I32, I32}, {I32}};
      fn = empty_sizes;
    } else if (n == "args_get" || n == "environ_get" || n == "sched_yield") {
      fn = [](Caller&, std::span<const Val>, Val* r) -> Result<void> {
        r->i32 = kSuccess;
        return {};
      };
    } else if (n == "proc_exit") {
      expected = {{I32}, {}};
      fn = [](Caller&, std::span<const Val> a, Val*) -> Result<void> {
        return fail(ErrorKind::kTrap, "plugin exited with code " + std::to_string(a[0].i32));
      };
    } else {
      const int32_t code = n.starts_with("fd_") ? kBadf : kNosys;
      fn = [code](Caller&, std::span<const Val>, Val* r) -> Result<void> {
        r->type = ValType::kI32;
        r->i32 = code;
        return {};
      };
    }
    out.push_back(ImportFunc{imp.module, imp.name, std::move(expected), std::move(fn)});
  }
  return out;
}

}  // namespace hookd::engine
