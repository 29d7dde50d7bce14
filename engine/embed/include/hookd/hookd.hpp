// hookd embedder API: everything a C++ program needs to load wasm plugins and
// call them, in one header (CMake target hookd_embed).
//
//   #include "hookd/hookd.hpp"
//
//   struct GreetIn {
//     std::string name;
//     MSGPACK_DEFINE_MAP(name);
//   };
//   struct GreetOut {
//     std::string message;
//     MSGPACK_DEFINE_MAP(message);
//   };
//
//   // dir holds echo.wasm and greet.wasm (examples/plugins/, built by hookd_plugins).
//   hookd::Result<std::string> echo_then_greet(const std::string& dir) {
//     // Loading compiles the module, instantiates it and runs the plugin's init.
//     auto echo = hookd::Plugin::load_file(dir + "/echo.wasm");
//     if (!echo) return std::unexpected(echo.error());  // error().describe() for a log line
//     auto word = echo->call_string("echo", "Ada");     // raw bytes in, bytes out
//     if (!word) return std::unexpected(word.error());  // a trap or a timeout is a value too
//
//     hookd::PluginOptions options;
//     options.limits.deadline = std::chrono::milliseconds(100);  // per call
//     auto plugin = hookd::Plugin::load_file(dir + "/greet.wasm", options);
//     if (!plugin) return std::unexpected(plugin.error());
//     auto greet = hookd::PluginFn<GreetIn, GreetOut>::bind(*plugin, "greet");
//     if (!greet) return std::unexpected(greet.error());
//     auto reply = greet->call(GreetIn{*word});  // msgpack maps in and out
//     if (!reply) return std::unexpected(reply.error());
//     return reply->message;  // "Hello, Ada!"
//   }
//
// tests/engine/embed_example_test.cpp compiles and runs this example, and
// checks that it is still the one above.
//
// A Plugin owns one engine worker and one instance, and must be used (and
// destroyed) on one thread. Servers that need many threads use the lower
// layer (engine/plugin.hpp): one PluginModule, one PluginInstance per worker.
//
// Errors are values: calls return hookd::Result<T> (std::expected).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <msgpack.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hookd/engine/plugin.hpp"
#include "hookd/engine/random.hpp"
#include "hookd/engine/read_file.hpp"
#include "hookd/engine/result.hpp"
#include "hookd/engine/sha256.hpp"
#include "hookd/engine/vm.hpp"

namespace hookd {

using engine::CallContext;
using engine::deterministic_random;
using engine::Error;
using engine::ErrorKind;
using engine::fixed_random;
using engine::Format;
using engine::FunctionInfo;
using engine::HostFunction;
using engine::LogLevel;
using engine::PluginLimits;
using engine::PluginOptions;
using engine::RandomSource;
using engine::Result;
using engine::system_random;

using engine::CompileTier;
using engine::VmOptions;

// The process-wide engine (created on first use, never destroyed).
engine::Vm& default_vm();

// Options of the process-wide engine, e.g. {.compile = CompileTier::kOptimized};
// call before the first plugin is loaded. Returns false, and changes
// nothing, once the engine exists.
bool configure_default_vm(VmOptions options);

// Reads a whole file; errors name the path (hookd/engine/read_file.hpp).
using engine::read_file;

class Plugin {
 public:
  static Result<Plugin> load_file(const std::filesystem::path& path, PluginOptions options = {});
  static Result<Plugin> load_bytes(std::span<const uint8_t> wasm, PluginOptions options = {});

  Plugin(Plugin&&) noexcept;
  Plugin& operator=(Plugin&&) noexcept;
  ~Plugin();

  // Raw call: output bytes live in the plugin until the next call.
  Result<std::span<const uint8_t>> call(std::string_view fn, std::span<const uint8_t> input,
                                        const CallContext& ctx = {});
  // Convenience: copies the output into a string.
  Result<std::string> call_string(std::string_view fn, std::string_view input);

  [[nodiscard]] const std::vector<FunctionInfo>& functions() const;
  [[nodiscard]] const std::string& sha256() const;
  // Current size of the plugin's linear memory, in bytes.
  [[nodiscard]] uint64_t memory_size() const;
  [[nodiscard]] uint64_t replacements() const;
  [[nodiscard]] const engine::PluginModule& module() const;

 private:
  struct Impl;
  explicit Plugin(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

namespace detail {
template <class T>
std::vector<uint8_t> pack(const T& value) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, value);
  return {reinterpret_cast<const uint8_t*>(buf.data()),
          reinterpret_cast<const uint8_t*>(buf.data()) + buf.size()};
}

// msgpack-cxx reports malformed data by throwing; keep that inside.
template <class T>
Result<T> unpack(std::span<const uint8_t> bytes, std::string_view what) {
  try {
    msgpack::object_handle oh = msgpack::unpack(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    T value{};
    oh.get().convert(value);
    return value;
  } catch (const std::exception& e) {
    return engine::fail(ErrorKind::kProtocol, "cannot decode msgpack " + std::string(what) + ": " + e.what());
  }
}
}  // namespace detail

// A typed plugin function: In and Out are msgpack-serialisable
// (MSGPACK_DEFINE_MAP for structs).
template <class In, class Out>
class PluginFn {
 public:
  static Result<PluginFn> bind(Plugin& plugin, std::string name) {
    bool found = false;
    for (const auto& f : plugin.functions()) found = found || f.name == name;
    if (!found) return engine::fail(ErrorKind::kNotFound, "plugin has no function " + name);
    return PluginFn(plugin, std::move(name));
  }

  Result<Out> call(const In& input) const {
    std::vector<uint8_t> payload = detail::pack(input);
    auto out = plugin_->call(name_, payload);
    if (!out) return std::unexpected(out.error());
    return detail::unpack<Out>(*out, "output of " + name_);
  }

 private:
  PluginFn(Plugin& plugin, std::string name) : plugin_(&plugin), name_(std::move(name)) {}
  Plugin* plugin_;
  std::string name_;
};

// A typed host function plugins can call with hookd.host_call.
template <class In, class Out>
HostFunction HostFn(std::string name, std::function<Result<Out>(const CallContext&, const In&)> fn) {
  auto impl = [fn = std::move(fn), name](const CallContext& ctx, std::span<const uint8_t> input,
                                         std::vector<uint8_t>& out) -> Result<void> {
    auto in = detail::unpack<In>(input, "input of host function " + name);
    if (!in) return std::unexpected(in.error());
    auto result = fn(ctx, *in);
    if (!result) return std::unexpected(result.error());
    out = detail::pack(*result);
    return {};
  };
  return HostFunction{name, std::move(impl)};
}

// A raw-bytes host function. `out` is reused between calls.
inline HostFunction HostFnBytes(
    std::string name,
    std::function<Result<void>(const CallContext&, std::span<const uint8_t>, std::vector<uint8_t>&)> fn) {
  return HostFunction{std::move(name), std::move(fn)};
}

}  // namespace hookd
