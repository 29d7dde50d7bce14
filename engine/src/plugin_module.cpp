#include <spdlog/spdlog.h>

#include "abi/guest_abi.hpp"
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

Abi PluginModule::abi() const { return abi_->id(); }

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
  auto info = parse_module(wasm);
  if (!info) return std::unexpected(info.error());
  auto guest = abi::detect(*info);
  if (!guest) return std::unexpected(guest.error());
  if (auto shape = (*guest)->check(*info); !shape) return std::unexpected(shape.error());
  if (options.limits.max_memory_pages == 0 || options.limits.max_memory_pages > 65536) {
    return fail(ErrorKind::kInvalidArgument, "max_memory_pages must be between 1 and 65536");
  }
  auto capped = bound_module(wasm, module_limits, options.limits.max_memory_pages);
  if (!capped) return std::unexpected(capped.error());
  auto compiled = vm.compile(*capped);
  if (!compiled) return std::unexpected(compiled.error());

  if (!options.logger) options.logger = default_logger;
  if (!options.stdout_sink) options.stdout_sink = logger_sink(options.logger, LogLevel::kInfo, "stdout");
  if (!options.stderr_sink) options.stderr_sink = logger_sink(options.logger, LogLevel::kWarn, "stderr");
  if (!options.random) options.random = system_random();

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

}  // namespace hookd::engine
