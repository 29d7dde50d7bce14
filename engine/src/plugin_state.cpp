// The per-instance state every guest ABI shares (plugin_state.hpp): host
// function lookup and calls, plugin logs, and the bounds of a call.
#include "plugin_state.hpp"

#include <time.h>

#include <cstring>

namespace hookd::engine {
namespace {

const CallContext kNoStateContext{};

// CLOCK_MONOTONIC (steady_clock's clock) at tick resolution: a few
// nanoseconds per call instead of a full clock read, and a deadline a
// millisecond or so early is still a deadline.
std::chrono::steady_clock::time_point coarse_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::seconds(ts.tv_sec) +
                                                                      std::chrono::nanoseconds(ts.tv_nsec)));
}

}  // namespace

const HostFunction* PluginInstance::State::resolve_host_function(uint32_t ptr, std::string_view name) {
  ResolvedHostName& slot = resolved[(ptr >> 2) % resolved.size()];
  if (slot.fn != nullptr && slot.ptr == ptr && slot.fn->name.size() == name.size() &&
      std::memcmp(slot.fn->name.data(), name.data(), name.size()) == 0) {
    return slot.fn;
  }
  const HostFunction* fn = module->find_host_function(name);
  if (fn != nullptr) slot = {ptr, fn};
  return fn;
}

Result<void> PluginInstance::State::run_host_function(const HostFunction& fn, std::span<const uint8_t> input,
                                                      std::vector<uint8_t>& out) {
  const CallContext& c = ctx ? *ctx : kNoStateContext;
  Result<void> res = fn.fn(c, input, out);
  if (res && c.max_result_bytes != 0 && out.size() > c.max_result_bytes) {
    const size_t n = out.size();
    std::vector<uint8_t>().swap(out);
    res = fail(ErrorKind::kHostError, "host function " + fn.name + " returned " + std::to_string(n) +
                                          " bytes, more than the plugin's memory of " +
                                          std::to_string(c.max_result_bytes));
  }
  return res;
}

void PluginInstance::State::log(LogLevel level, std::string_view message) {
  const auto& opts = module->options();
  const CallContext& c = ctx ? *ctx : kNoStateContext;
  if (message.size() <= kMaxLogMessageBytes) {
    opts.logger(level, opts.name, c, message);
    return;
  }
  std::string cut(message.substr(0, kMaxLogMessageBytes));
  cut += " [" + std::to_string(message.size() - kMaxLogMessageBytes) + " more bytes cut]";
  opts.logger(level, opts.name, c, cut);
}

void PluginInstance::State::begin_call(const CallContext& outer) {
  const PluginLimits& limits = module->options().limits;
  call_ctx = outer;
  if (limits.deadline.count() > 0) {
    const auto own = coarse_now() + limits.deadline;
    if (call_ctx.deadline == std::chrono::steady_clock::time_point{} || own < call_ctx.deadline) {
      call_ctx.deadline = own;
    }
  }
  const size_t memory_cap = static_cast<size_t>(limits.max_memory_pages) * 65536;
  if (call_ctx.max_result_bytes == 0 || memory_cap < call_ctx.max_result_bytes)
    call_ctx.max_result_bytes = memory_cap;
  header_index.clear();
  call_ctx.header_index = &header_index;
  ctx = &call_ctx;
}

void PluginInstance::State::end_call() {
  ctx = nullptr;
  if (pending.capacity() > kKeepScratchBytes) std::vector<uint8_t>().swap(pending);
}

}  // namespace hookd::engine
