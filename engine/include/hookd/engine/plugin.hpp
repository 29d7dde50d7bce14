// Plugins on top of the engine-neutral VM, whatever guest ABI they were built
// for (hookd's own, docs/abi.md; Extism; waPC): the ABI is detected at load
// and hidden behind an adapter (engine/src/abi/), so embedders see the same
// PluginModule / PluginInstance for all of them.
//
// PluginModule: validated, integrity-checked and compiled once; immutable and
// shared by every worker. PluginInstance: the module instantiated in one
// worker, reused across calls and replaced transparently after a trap or a
// deadline. Error policy: every call returns Result<>; nothing the plugin
// does throws or aborts the host.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hookd/engine/http_exchange.hpp"
#include "hookd/engine/random.hpp"
#include "hookd/engine/result.hpp"
#include "hookd/engine/vm.hpp"
#include "hookd/util/trace_context.hpp"

namespace hookd::engine {

// The guest ABI a plugin was built for, detected at load from its imports
// and exports (engine/src/abi/README.md).
// kWasiHttp: a WebAssembly component of the wasi:http proxy world (WASI
// 0.2), detected by abi::recognise_wasi_http (engine/src/abi/wasi_http.hpp).
enum class Abi : uint8_t { kNative, kExtism, kWapc, kWasiHttp };
// "hookd", "extism", "wapc", "wasi-http".
std::string_view abi_name(Abi abi);

namespace abi {
class GuestAbi;  // engine/src/abi/guest_abi.hpp
}
struct ComponentParts;  // a wasi:http component's plan and host (engine/src/component_plugin.hpp)

enum class Format : uint8_t { kBytes = 0, kMsgpack = 1, kJson = 2, kText = 3 };
std::string_view content_type(Format f);

struct FunctionInfo {
  std::string name;
  int32_t id = 0;
  Format input = Format::kBytes;
  Format output = Format::kBytes;
  bool operator==(const FunctionInfo&) const = default;
};

enum class LogLevel : uint8_t { kTrace = 0, kDebug = 1, kInfo = 2, kWarn = 3, kError = 4 };

// Per-call information that flows to host functions and plugin logs.
struct CallContext {
  std::string_view request_id;
  void* user = nullptr;  // embedder data (the server passes its request state)
  // Narrowed by the engine for each call to the plugin's limits (a tighter
  // value from the embedder is kept). Host functions that wait (fetch) stop
  // by `deadline` (steady clock; {} = none), and none hands back or
  // allocates more than `max_result_bytes` for one request (0 = unbounded):
  // the plugin's memory cap, since a plugin can never take in more.
  std::chrono::steady_clock::time_point deadline{};
  std::size_t max_result_bytes = 0;
  // The HTTP request the call answers and the response the plugin shapes
  // (http_exchange.hpp); both owned by the embedder and alive for the call.
  // Null: the call has none (the request/response host functions say so).
  const RequestView* request = nullptr;
  ResponseSink* response = nullptr;
  // Set by the engine for each call (an embedder's is replaced): the
  // request's headers as the header host functions look them up, walked
  // once per call. Null: each lookup walks request->headers.
  HeaderIndex* header_index = nullptr;
  // The call's place in a distributed trace (W3C Trace Context): the trace
  // and the call's own span, owned by the embedder and alive for the call.
  // hookd.request.traceparent answers it; null: the call is in no trace.
  const util::TraceContext* trace = nullptr;
};

// A function the embedder lends to plugins, reached through hookd.host_call.
// `out` is reused across calls (clear it or assign to it); on error, return
// the message as a kHostError.
using HostFunctionImpl = std::function<Result<void>(const CallContext& ctx, std::span<const uint8_t> input,
                                                    std::vector<uint8_t>& out)>;
// The direct form of a host function, reached through
// hookd.host_call_direct(name, name_len, ptr, len): no request or reply
// encoding, the function reads its arguments from and writes its results to
// guest memory. `memory` is the plugin's linear memory, which cannot move
// while the function runs; (ptr, len) are the guest's arguments, unchecked:
// check every access with guest_memory.hpp. Return a kTrap error for an
// out-of-bounds access (the guest is stopped) and a kHostError for anything
// the plugin should see as an error message.
using DirectHostFunctionImpl = std::function<Result<void>(const CallContext& ctx, std::span<uint8_t> memory,
                                                          uint32_t ptr, uint32_t len)>;

// A host function has a host_call form, a direct form, or both; a call to a
// form it lacks answers HOOKD_HOST_NOT_FOUND.
struct HostFunction {
  std::string name;
  HostFunctionImpl fn;
  DirectHostFunctionImpl direct = nullptr;
};

using OutputSink = std::function<void(std::string_view plugin, std::string_view chunk)>;
using PluginLogger = std::function<void(LogLevel level, std::string_view plugin, const CallContext& ctx,
                                        std::string_view message)>;

struct PluginLimits {
  uint32_t max_memory_pages = 256;  // 16 MiB
  // Bounds every call, and instantiation (start function, hookd_init ...)
  // as a whole.
  std::chrono::milliseconds deadline{1000};
  uint32_t max_input_bytes = 64u << 20;
  // Extism plugins: the bytes of keys and values their vars may hold in all
  // (Extism's max_var_bytes); a var_set past it fails the call.
  uint64_t max_var_bytes = 1u << 20;
  ModuleLimits module;  // what the module may declare (wasm_binary.hpp)
};

struct PluginOptions {
  std::string name = "plugin";  // used in logs and errors
  std::string expected_sha256;  // hex; empty = not checked
  PluginLimits limits;
  OutputSink stdout_sink;                // default: the logger, at info
  OutputSink stderr_sink;                // default: the logger, at warn
  PluginLogger logger;                   // default: spdlog, tagged with the plugin name
  std::shared_ptr<RandomSource> random;  // default: system CSPRNG
  std::vector<HostFunction> host_functions;
  // The functions of a plugin whose guest ABI keeps no list of them: a waPC
  // module dispatches on the operation name inside __guest_call, so its
  // embedder declares the operations it may be called with (names, formats;
  // ids are assigned). Ignored for ABIs that list their own.
  std::vector<FunctionInfo> declared_functions;
  // The formats of functions whose guest ABI does not declare them (Extism,
  // waPC; hookd's own functions declare theirs when they register): by
  // name, input and output (ids are ignored); the others take and return
  // bytes. A name the plugin lacks fails the load, as does any entry for a
  // hookd plugin.
  std::vector<FunctionInfo> function_formats;
};

class PluginModule {
 public:
  // Checks integrity and ABI, compiles once, and runs the plugin's init in a
  // probe instance on `probe` to learn its functions.
  static Result<std::shared_ptr<const PluginModule>> load(Vm& vm, Worker& probe,
                                                          std::span<const uint8_t> wasm,
                                                          PluginOptions options);

  [[nodiscard]] const std::string& name() const { return options_.name; }
  [[nodiscard]] Abi abi() const;
  [[nodiscard]] const std::string& sha256() const { return sha256_; }
  [[nodiscard]] size_t size_bytes() const { return size_; }
  [[nodiscard]] const std::vector<FunctionInfo>& functions() const { return functions_; }
  [[nodiscard]] const FunctionInfo* find_function(std::string_view name) const;
  [[nodiscard]] const PluginOptions& options() const { return options_; }
  // The compiled core module; a wasi:http component (abi() kWasiHttp) is
  // several and has none here: check is_component() first.
  [[nodiscard]] const CompiledModule& compiled() const { return *compiled_; }
  [[nodiscard]] bool is_component() const { return component_ != nullptr; }
  [[nodiscard]] const HostFunction* find_host_function(std::string_view name) const;

 private:
  friend class PluginInstance;
  PluginModule() = default;
  // load() for a WebAssembly component (wasm_binary.hpp is_component).
  static Result<std::shared_ptr<const PluginModule>> load_component(Vm& vm, Worker& probe,
                                                                    std::span<const uint8_t> wasm,
                                                                    PluginOptions options,
                                                                    std::string digest);

  PluginOptions options_;
  const abi::GuestAbi* abi_ = nullptr;  // a static adapter; null for a component
  std::shared_ptr<const ComponentParts> component_;
  std::string sha256_;
  size_t size_ = 0;
  std::shared_ptr<const CompiledModule> compiled_;
  std::vector<FunctionInfo> functions_;
  std::unordered_map<std::string_view, const HostFunction*> host_index_;
};

class PluginInstance {
 public:
  static Result<std::unique_ptr<PluginInstance>> create(Worker& worker,
                                                        std::shared_ptr<const PluginModule> module);
  ~PluginInstance();
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;

  // Runs `fn` on `input`. The returned bytes live in the plugin's memory and
  // stay valid until the next call on this instance.
  Result<std::span<const uint8_t>> call(const FunctionInfo& fn, std::span<const uint8_t> input,
                                        const CallContext& ctx = {});
  Result<std::span<const uint8_t>> call(std::string_view fn, std::span<const uint8_t> input,
                                        const CallContext& ctx = {});

  // Current linear memory size in bytes.
  [[nodiscard]] uint64_t memory_size() const;
  [[nodiscard]] const PluginModule& module() const { return *module_; }
  // Times the underlying instance was replaced after a fault (not counting
  // the fresh instances a one-request-per-instance component takes).
  [[nodiscard]] uint64_t replacements() const { return replacements_; }
  // The instance must be replaced before its next call: a call failed and
  // left it in an unknown state, or it is a wasi:http component that serves
  // one request per instance (componentize-js) and has served it. The next
  // call replaces it first; an embedder that wants that off the request
  // path calls recover() right after the call instead.
  [[nodiscard]] bool poisoned() const;
  // Replaces a poisoned instance now (under the plugin's deadline); a no-op
  // for a healthy one.
  Result<void> recover();

  struct State;  // what the host imports see; defined in plugin_state.hpp

 private:
  friend class PluginModule;
  friend struct PluginInstanceInternals;  // engine/src/engine_internals.hpp
  PluginInstance(Worker& worker, std::shared_ptr<const PluginModule> module);
  Result<void> start();  // (re)instantiate and initialise

  Worker& worker_;
  std::shared_ptr<const PluginModule> module_;
  std::unique_ptr<State> state_;
  uint64_t replacements_ = 0;
};

}  // namespace hookd::engine
