#include "engine_internals.hpp"

#include "plugin_state.hpp"
#include "v8/v8_instance.hpp"

namespace hookd::engine {

ImportCalls import_calls(const Instance& instance) {
  const auto* v8_instance = dynamic_cast<const v8impl::V8Instance*>(&instance);
  return v8_instance ? v8_instance->import_calls() : ImportCalls{};
}

ImportCalls PluginInstanceInternals::import_calls(const PluginInstance& plugin) {
  return plugin.state_->vm ? engine::import_calls(*plugin.state_->vm) : ImportCalls{};
}

}  // namespace hookd::engine
