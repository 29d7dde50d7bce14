#include "plugins/plugin_registry.hpp"

namespace hookd::server {

PluginRegistry::PluginRegistry() : current_(std::make_shared<Catalog>()) {}

std::shared_ptr<const Catalog> PluginRegistry::snapshot() const {
  std::lock_guard lock(read_mu_);
  return current_;
}

void PluginRegistry::publish(std::shared_ptr<Catalog> next) {
  std::lock_guard lock(read_mu_);
  next->generation = current_->generation + 1;
  current_ = std::move(next);
  generation_.store(current_->generation, std::memory_order_release);
}

std::shared_ptr<PluginCounters> PluginRegistry::counters_for(const std::string& name) {
  auto& c = counters_[name];
  if (!c) c = std::make_shared<PluginCounters>();
  return c;
}

}  // namespace hookd::server
