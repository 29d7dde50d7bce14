#include <spdlog/spdlog.h>

#include "abi/guest_abi.hpp"
#include "component_plugin.hpp"
#include "hookd/engine/plugin.hpp"
#include "hookd/engine/sha256.hpp"
#include "plugin_state.hpp"

namespace hookd::engine {
namespace {

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return spdlog::level::trace;
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

void default_logger(LogLevel level, std::string_view plugin, const CallContext& ctx,
                    std::string_view message) {
  if (ctx.request_id.empty()) {
    spdlog::log(to_spdlog(level), "[plugin {}] {}", plugin, message);
  } else {
    spdlog::log(to_spdlog(level), "[plugin {}] [{}] {}", plugin, ctx.request_id, message);
  }
}

// Routes a WASI stream to the plugin logger, one log line per output line
// (cut at kMaxLogMessageBytes, as hookd.log messages are).
OutputSink logger_sink(PluginLogger logger, LogLevel level, std::string stream) {
  return [logger = std::move(logger), level, stream = std::move(stream)](std::string_view plugin,
                                                                         std::string_view chunk) {
    while (!chunk.empty()) {
      size_t nl = chunk.find('\n');
      std::string_view line = chunk.substr(0, nl).substr(0, kMaxLogMessageBytes);
      if (!line.empty()) logger(level, plugin, CallContext{}, stream + ": " + std::string(line));
      if (nl == std::string_view::npos) break;
      chunk.remove_prefix(nl + 1);
    }
  };
}

// What the embedder left unset: the logger, the stdout/stderr sinks, the
// random source.
void fill_defaults(PluginOptions& options) {
  if (!options.logger) options.logger = default_logger;
  if (!options.stdout_sink) options.stdout_sink = logger_sink(options.logger, LogLevel::kInfo, "stdout");
  if (!options.stderr_sink) options.stderr_sink = logger_sink(options.logger, LogLevel::kWarn, "stderr");
  if (!options.random) options.random = system_random();
}

Result<void> check_memory_pages(const PluginLimits& limits) {
  if (limits.max_memory_pages == 0 || limits.max_memory_pages > 65536) {
    return fail(ErrorKind::kInvalidArgument, "max_memory_pages must be between 1 and 65536");
  }
  return {};
}

}  // namespace

std::string_view content_type(Format f) {
  switch (f) {
    case Format::kBytes:
      return "application/octet-stream";
    case Format::kMsgpack:
      return "application/msgpack";
    case Format::kJson:
      return "application/json";
    case Format::kText:
      return "text/plain; charset=utf-8";
  }
  return "application/octet-stream";
}

Abi PluginModule::abi() const { return component_ ? Abi::kWasiHttp : abi_->id(); }

const FunctionInfo* PluginModule::find_function(std::string_view name) const {
  for (const auto& f : functions_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const HostFunction* PluginModule::find_host_function(std::string_view name) const {
  auto it = host_index_.find(name);
  return it == host_index_.end() ? nullptr : it->second;
}

Result<std::shared_ptr<const PluginModule>> PluginModule::load(Vm& vm, Worker& probe,
                                                               std::span<const uint8_t> wasm,
                                                               PluginOptions options) {
  const ModuleLimits& module_limits = options.limits.module;
  if (wasm.size() > module_limits.max_module_bytes) {  // before hashing it
    return fail(ErrorKind::kInvalidModule, "module exceeds max_module_bytes: " + std::to_string(wasm.size()) +
                                               " bytes, the limit is " +
                                               std::to_string(module_limits.max_module_bytes));
  }
  std::string digest = sha256_hex(wasm);
  if (!options.expected_sha256.empty() && !sha256_matches(options.expected_sha256, digest)) {
    return fail(ErrorKind::kIntegrity, "SHA-256 mismatch for plugin " + options.name + ": expected " +
                                           options.expected_sha256 + ", got " + digest);
  }
  if (engine::is_component(wasm))
    return load_component(vm, probe, wasm, std::move(options), std::move(digest));
  auto info = parse_module(wasm);
  if (!info) return std::unexpected(info.error());
  auto guest = abi::detect(*info);
  if (!guest) return std::unexpected(guest.error());
  if (auto shape = (*guest)->check(*info); !shape) return std::unexpected(shape.error());
  if (auto r = check_memory_pages(options.limits); !r) return std::unexpected(r.error());
  auto capped = bound_module(wasm, module_limits, options.limits.max_memory_pages);
  if (!capped) return std::unexpected(capped.error());
  auto compiled = vm.compile(*capped);
  if (!compiled) return std::unexpected(compiled.error());

  fill_defaults(options);

  auto module = std::shared_ptr<PluginModule>(new PluginModule());
  module->options_ = std::move(options);
  module->abi_ = *guest;
  module->sha256_ = std::move(digest);
  module->size_ = wasm.size();
  module->compiled_ = std::move(*compiled);
  for (const auto& hf : module->options_.host_functions) module->host_index_[hf.name] = &hf;

  auto instance = PluginInstance::create(probe, module);
  if (!instance) return std::unexpected(instance.error());
  module->functions_ = std::move((*instance)->state_->probed);
  if (module->functions_.empty()) {
    return fail(ErrorKind::kInvalidModule, module->abi() == Abi::kNative
                                               ? "plugin registered no functions in hookd_init"
                                               : "plugin exports no functions hookd can call");
  }
  return std::shared_ptr<const PluginModule>(std::move(module));
}

Result<std::shared_ptr<const PluginModule>> PluginModule::load_component(Vm& vm, Worker& probe,
                                                                         std::span<const uint8_t> wasm,
                                                                         PluginOptions options,
                                                                         std::string digest) {
  if (auto r = check_memory_pages(options.limits); !r) return std::unexpected(r.error());
  if (!options.function_formats.empty()) {
    return fail(ErrorKind::kInvalidArgument,
                "formats do not apply to a wasi:http component: it reads the whole request and writes the "
                "whole response itself");
  }
  fill_defaults(options);
  auto module = std::shared_ptr<PluginModule>(new PluginModule());
  module->options_ = std::move(options);
  module->sha256_ = std::move(digest);
  module->size_ = wasm.size();
  for (const auto& hf : module->options_.host_functions) module->host_index_[hf.name] = &hf;
  auto parts = load_component_parts(vm, wasm, *module);
  if (!parts) return std::unexpected(parts.error());
  module->component_ = std::move(*parts);
  module->functions_ = {FunctionInfo{.name = std::string(kWasiHttpFunction), .id = 0}};
  // The probe: instantiating it once proves the component links and starts.
  auto instance = PluginInstance::create(probe, module);
  if (!instance) return std::unexpected(instance.error());
  return std::shared_ptr<const PluginModule>(std::move(module));
}

}  // namespace hookd::engine
