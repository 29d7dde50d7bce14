// What a plugin can hand the host: every `hookd` and WASI import, and through
// hookd.host_call / host_call_into / host_call_direct every built-in host
// function (KV, config, fetch), called with fuzzed arguments on fuzzed guest
// memory. The real PluginModule / PluginInstance code runs on a fake engine
// (vm.hpp is engine-neutral): its "guest" executes the input as a script of
// import calls, so no V8 and no wasm compiler are involved.
//
// Script (the plugin's input, which the host copies into guest memory):
//   u16 image length, image (copied into guest memory at kImageAt),
//   then calls: u8 import index, then that import's arguments (i32 or i64,
//   little-endian). An import that traps ends the script, as in wasm.
// Properties: no crash and no out-of-bounds access (ASan); a trap or error is
// a value; the instance keeps working after a trap.
#include <hookd/abi.h>

#include <array>
#include <cstring>

#include "fuzz_check.hpp"
#include "hookd/engine/plugin.hpp"
#include "hookd/host/fetch_fake.hpp"
#include "hookd/host/memory_kv_store.hpp"
#include "hookd/host/plugin_services.hpp"

using hookd::fuzz::check;
using namespace hookd::engine;
namespace host = hookd::host;

namespace {

constexpr uint32_t kMemoryBytes = 1u << 16;
constexpr uint32_t kFramePtr = 16;
constexpr uint32_t kInputPtr = 1024;
constexpr uint32_t kImageAt = 16384;
constexpr int kMaxCallsPerInput = 64;

// The imports the fake module declares: all of hookd's, the WASI ones
// wasi-libc uses, and one hookd answers with a stub.
const ValType I32 = ValType::kI32, I64 = ValType::kI64;
ModuleInfo fake_module_info() {
  ModuleInfo info;
  auto add = [&](std::string module, std::string name, FuncType type) {
    info.imports.push_back(
        ImportInfo{std::move(module), std::move(name), ExternKind::kFunc, std::move(type)});
  };
  add("hookd", "register_function", {{I32, I32, I32, I32}, {I32}});
  add("hookd", "log", {{I32, I32, I32}, {}});
  add("hookd", "host_call", {{I32, I32, I32, I32, I32}, {I32}});
  add("hookd", "host_call_into", {{I32, I32, I32, I32, I32, I32, I32}, {I32}});
  add("hookd", "host_call_direct", {{I32, I32, I32, I32}, {I32}});
  add("hookd", "host_result", {{I32, I32}, {I32}});
  const char* wasi = "wasi_snapshot_preview1";
  add(wasi, "fd_write", {{I32, I32, I32, I32}, {I32}});
  add(wasi, "fd_fdstat_get", {{I32, I32}, {I32}});
  add(wasi, "random_get", {{I32, I32}, {I32}});
  add(wasi, "clock_time_get", {{I32, I64, I32}, {I32}});
  add(wasi, "clock_res_get", {{I32, I32}, {I32}});
  add(wasi, "args_sizes_get", {{I32, I32}, {I32}});
  add(wasi, "environ_get", {{I32, I32}, {I32}});
  add(wasi, "proc_exit", {{I32}, {}});
  add(wasi, "fd_seek", {{I32, I64, I32, I32}, {I32}});
  return info;
}

class FakeCompiled final : public CompiledModule {
 public:
  const ModuleInfo& info() const override { return info_; }

 private:
  ModuleInfo info_ = fake_module_info();
};

class FakeCaller final : public Caller {
 public:
  explicit FakeCaller(std::vector<uint8_t>& memory) : memory_(memory) {}
  std::span<uint8_t> memory() override { return memory_; }

 private:
  std::vector<uint8_t>& memory_;
};

// Exports, by index: what PluginInstance looks up.
constexpr std::array<std::string_view, 5> kExports = {"hookd_abi_version", "hookd_init", "hookd_frame",
                                                      "hookd_input", "hookd_call"};

class FakeInstance final : public Instance {
 public:
  explicit FakeInstance(std::vector<ImportFunc> imports)
      : imports_(std::move(imports)), memory_(kMemoryBytes) {}

  int find_export(std::string_view name) const override {
    for (size_t i = 0; i < kExports.size(); ++i) {
      if (kExports[i] == name) return static_cast<int>(i);
    }
    return -1;
  }

  Result<void> call(int index, std::span<const Val> args, Val* result, std::chrono::nanoseconds) override {
    switch (index) {
      case 0:
        result->i32 = HOOKD_ABI_VERSION;
        return {};
      case 1:
        return register_one();
      case 2:
        result->i32 = kFramePtr;
        return {};
      case 3:
        result->i32 = args[0].i32 <= static_cast<int32_t>(kImageAt - kInputPtr) ? kInputPtr : 0;
        return {};
      case 4:
        return run_script(static_cast<uint32_t>(args[1].i32), static_cast<uint32_t>(args[2].i32), *result);
      default:
        return fail(ErrorKind::kInternal, "no such export");
    }
  }

  std::span<uint8_t> memory() override { return memory_; }

 private:
  Result<void> register_one() {
    std::memcpy(memory_.data() + 512, "f", 1);
    const Val args[4] = {Val::I32(512), Val::I32(1), Val::I32(1), Val::I32(HOOKD_FLAGS(0, 0))};
    Val rc;
    FakeCaller caller(memory_);
    return find_import("register_function").fn(caller, args, &rc);
  }

  const ImportFunc& find_import(std::string_view name) const {
    for (const auto& f : imports_) {
      if (f.name == name) return f;
    }
    std::abort();
  }

  Result<void> run_script(uint32_t ptr, uint32_t len, Val& rc) {
    const std::vector<uint8_t> script(memory_.begin() + ptr, memory_.begin() + ptr + len);
    std::fill(memory_.begin() + kImageAt, memory_.end(), 0);
    size_t pos = 0;
    auto take = [&](size_t n) -> const uint8_t* {
      if (script.size() - pos < n) return nullptr;
      pos += n;
      return script.data() + pos - n;
    };
    if (const uint8_t* n = take(2)) {
      uint16_t image = 0;
      std::memcpy(&image, n, 2);
      image = std::min<uint16_t>(
          image, static_cast<uint16_t>(std::min<size_t>(script.size() - pos, kMemoryBytes - kImageAt)));
      std::memcpy(memory_.data() + kImageAt, take(image), image);
    }
    FakeCaller caller(memory_);
    for (int calls = 0; calls < kMaxCallsPerInput; ++calls) {
      const uint8_t* which = take(1);
      if (which == nullptr) break;
      const ImportFunc& f = imports_[*which % imports_.size()];
      std::vector<Val> args;
      for (ValType t : f.type.params) {
        const uint8_t* raw = take(t == I64 ? 8 : 4);
        if (raw == nullptr) break;
        Val v;
        v.type = t;
        std::memcpy(t == I64 ? static_cast<void*>(&v.i64) : static_cast<void*>(&v.i32), raw,
                    t == I64 ? 8 : 4);
        args.push_back(v);
      }
      if (args.size() != f.type.params.size()) break;
      Val result;
      if (auto r = f.fn(caller, args, &result); !r) return std::unexpected(r.error());  // a trap
    }
    // Output: the first 16 bytes of the image.
    const uint32_t out[3] = {kImageAt, 16, 0};
    std::memcpy(memory_.data() + kFramePtr, out, sizeof out);
    rc.i32 = HOOKD_OK;
    return {};
  }

  std::vector<ImportFunc> imports_;
  std::vector<uint8_t> memory_;
};

class FakeWorker final : public Worker {
 public:
  Result<std::unique_ptr<Instance>> instantiate(const CompiledModule&, std::vector<ImportFunc> imports,
                                                std::chrono::nanoseconds) override {
    return std::make_unique<FakeInstance>(std::move(imports));
  }
  void terminate() override {}
  bool exhausted() const override { return false; }
};

class FakeVm final : public Vm {
 public:
  Result<std::shared_ptr<const CompiledModule>> compile(std::span<const uint8_t>) override {
    return std::make_shared<FakeCompiled>();
  }
  std::unique_ptr<Worker> create_worker() override { return std::make_unique<FakeWorker>(); }
  std::string_view name() const override { return "fake"; }
};

// The memory store, fresh for every input so that inputs do not depend on
// each other.
class ResettableKv final : public host::KvStore {
 public:
  void reset() { store_ = std::make_unique<host::MemoryKvStore>(); }
  host::KvResult<std::optional<std::string>> get(std::string_view ns, std::string_view key) override {
    return store_->get(ns, key);
  }
  host::KvResult<void> set(std::string_view ns, std::string_view key, std::string_view value,
                           std::optional<std::chrono::milliseconds> ttl) override {
    return store_->set(ns, key, value, ttl);
  }
  host::KvResult<bool> del(std::string_view ns, std::string_view key) override {
    return store_->del(ns, key);
  }
  host::KvResult<host::KvStore::Page> list(std::string_view ns, std::string_view prefix,
                                           std::string_view cursor, std::size_t limit) override {
    return store_->list(ns, prefix, cursor, limit);
  }
  host::KvResult<std::int64_t> incr(std::string_view ns, std::string_view key, std::int64_t delta) override {
    return store_->incr(ns, key, delta);
  }
  host::KvResult<bool> cas(std::string_view ns, std::string_view key,
                           std::optional<std::string_view> expected,
                           std::optional<std::string_view> desired) override {
    return store_->cas(ns, key, expected, desired);
  }

 private:
  std::unique_ptr<host::MemoryKvStore> store_ = std::make_unique<host::MemoryKvStore>();
};

// The fake fetcher (URL check, allowlist, then a canned echo), fresh for
// every input: it records the requests it saw.
class ResettableFetcher final : public host::HttpFetcher {
 public:
  void reset() {
    fake_ = std::make_unique<host::FakeFetcher>();
    fake_->set_handler([](const host::FetchRequest& req) -> host::FakeFetcher::Result {
      return host::FetchResponse{200, {{"content-type", "text/plain"}}, req.body, req.url};
    });
  }
  std::expected<host::FetchResponse, host::FetchError> fetch(const host::FetchRequest& request,
                                                             const host::FetchPolicy& policy) override {
    return fake_->fetch(request, policy);
  }

 private:
  std::unique_ptr<host::FakeFetcher> fake_;
};

struct Harness {
  FakeVm vm;
  std::unique_ptr<Worker> worker = vm.create_worker();
  ResettableKv kv;
  ResettableFetcher fetcher;
  std::shared_ptr<const PluginModule> module;
  std::unique_ptr<PluginInstance> instance;

  Harness() {
    hookd::config::PluginSettings settings;
    settings.grants.kv = hookd::config::KvGrant{"fuzz", hookd::config::KvMode::read_write};
    settings.grants.fetch.push_back(*hookd::config::FetchPattern::parse("https://api.example.com"));
    settings.config = {{"greeting", "hello"}, {"key", "value"}};
    fetcher.reset();
    PluginOptions options;
    options.name = "fuzz";
    options.host_functions = host::builtin_host_functions("fuzz", settings, {&kv, &fetcher});
    options.random = fixed_random({0x5A});
    options.logger = [](LogLevel, std::string_view, const CallContext&, std::string_view) {};
    std::vector<uint8_t> wasm = read_file(HOOKD_PLUGIN_DIR "/echo.wasm");
    auto loaded = PluginModule::load(vm, *worker, wasm, std::move(options));
    check(loaded.has_value(), "the fake plugin did not load");
    module = *loaded;
    auto created = PluginInstance::create(*worker, module);
    check(created.has_value(), "the fake plugin did not instantiate");
    instance = std::move(*created);
  }

  static std::vector<uint8_t> read_file(const char* path) {
    std::vector<uint8_t> bytes;
    if (FILE* f = std::fopen(path, "rb")) {
      uint8_t buf[4096];
      for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) bytes.insert(bytes.end(), buf, buf + n);
      std::fclose(f);
    }
    check(!bytes.empty(), "cannot read the echo plugin (build hookd_plugins first)");
    return bytes;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Harness h;
  h.kv.reset();
  h.fetcher.reset();
  const CallContext ctx{"fuzz-request"};
  auto out = h.instance->call("f", std::span<const uint8_t>(data, size), ctx);
  if (!out) {
    check(out.error().kind != ErrorKind::kInternal, "an internal error from a host import");
    // After a trap the next call gets a fresh instance and must work.
    auto again = h.instance->call("f", std::span<const uint8_t>(), ctx);
    check(again.has_value(), "the instance is not usable after a failed call");
  }
  return 0;
}
