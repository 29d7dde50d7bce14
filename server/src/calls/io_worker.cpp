#include "calls/io_worker.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <cstdio>

#include "net/session.hpp"

namespace hookd::server {

IoWorker::IoWorker(size_t index, engine::Vm& vm, PluginRegistry& registry)
    : index_(index), vm_(vm), registry_(registry) {}

IoWorker::~IoWorker() { stop(); }

void IoWorker::start() {
  std::promise<void> ready;
  auto started = ready.get_future();
  thread_ = std::thread([this, &ready] {
    // Named for top -H, perf and debuggers: "hookd-io-0", ...
    char name[16];
    std::snprintf(name, sizeof name, "hookd-io-%zu", index_);
    pthread_setname_np(pthread_self(), name);
    // The isolate belongs to this thread for its whole life.
    {
      auto engine = vm_.create_worker();
      std::lock_guard lock(engine_mu_);
      engine_worker_ = std::move(engine);
    }
    ready.set_value();
    auto guard = boost::asio::make_work_guard(io_);
    sweeper_ = std::make_unique<boost::asio::steady_timer>(io_);
    sweep();
    io_.run();
    sweeper_.reset();
    bound_.clear();
    canaries_.clear();
    prepared_.clear();
    std::lock_guard lock(engine_mu_);
    engine_worker_.reset();
  });
  started.wait();
}

void IoWorker::stop() {
  if (!thread_.joinable()) return;
  io_.stop();
  thread_.join();
}

void IoWorker::terminate_call() {
  std::lock_guard lock(engine_mu_);
  if (engine_worker_) engine_worker_->terminate();
}

void IoWorker::sweep() {
  now_ = std::chrono::steady_clock::now();
  // Copy: a timed-out session may unregister itself. (Into a kept buffer:
  // the sweep runs twice a second and need not allocate.)
  sweep_list_.assign(sessions_.begin(), sessions_.end());
  for (Session* s : sweep_list_) s->check_timeout(now_);
  sweep_list_.clear();
  if (metrics_ != nullptr) {
    for (const auto& [name, bp] : bound_) {
      if (bp.instance) metrics_->set_plugin_memory(name, bp.instance->memory_size());
    }
  }
  sweeper_->expires_after(std::chrono::milliseconds(500));
  sweeper_->async_wait([this](boost::system::error_code ec) {
    if (!ec) sweep();
  });
}

void IoWorker::post(std::function<void()> fn) { boost::asio::post(io_, std::move(fn)); }

BoundPlugin* IoWorker::resolve(std::string_view name) {
  if (registry_.generation() != generation_) refresh();
  auto it = bound_.find(name);
  return it == bound_.end() ? nullptr : &it->second;
}

const std::shared_ptr<const routing::RouteTable>& IoWorker::routes() {
  if (registry_.generation() != generation_ || !catalog_) refresh();
  return catalog_->routes;
}

bool IoWorker::bind(const std::string& name, const std::shared_ptr<const PluginEntry>& entry,
                    BoundPlugin& out) {
  out = BoundPlugin{};
  out.entry = entry;
  // Known by name only, for routing; its calls run on other threads.
  if (!hosts(*entry)) return true;
  for (auto* from : {&bound_, &canaries_}) {
    auto cur = from->find(name);
    if (cur != from->end() && cur->second.entry->version == entry->version && cur->second.instance) {
      out.instance = std::move(cur->second.instance);
      out.fn_stats = std::move(cur->second.fn_stats);
      return true;
    }
  }
  if (auto p = prepared_.find(entry->version); p != prepared_.end()) {
    out.instance = std::move(p->second);
    prepared_.erase(p);
    return true;
  }
  // Not prepared ahead (e.g. this worker was busy): instantiate now.
  auto inst = engine::PluginInstance::create(*engine_worker_, entry->module);
  if (!inst) {
    spdlog::error("worker {}: cannot instantiate plugin {}: {}", index_, name, inst.error().describe());
    return false;
  }
  out.instance = std::move(*inst);
  return true;
}

void IoWorker::refresh() {
  auto catalog = registry_.snapshot();
  std::unordered_map<std::string, BoundPlugin, Hash, std::equal_to<>> next;
  std::unordered_map<std::string, BoundPlugin, Hash, std::equal_to<>> canaries;
  for (const auto& [name, entry] : catalog->plugins) {
    BoundPlugin bp;
    if (bind(name, entry, bp)) next.emplace(name, std::move(bp));
  }
  for (const auto& [name, canary] : catalog->canaries) {
    auto stable = next.find(name);
    BoundPlugin bp;
    if (stable == next.end() || !bind(name, canary.entry, bp)) continue;
    // Node-based maps: the address stays valid as the map moves into canaries_.
    BoundPlugin& bound = canaries.emplace(name, std::move(bp)).first->second;
    stable->second.canary = &bound;
    stable->second.split = canary.split.get();
  }
  // Whatever was not carried over (replaced or removed versions) is dropped
  // here. Calls run inline, so none of them is in use right now.
  if (metrics_ != nullptr) {
    for (const auto& [name, bp] : bound_) {
      if (!next.contains(name)) metrics_->remove_plugin(name);
    }
  }
  bound_ = std::move(next);
  canaries_ = std::move(canaries);
  generation_ = catalog->generation;
  catalog_ = std::move(catalog);
}

void IoWorker::repair_after_call(const BoundPlugin& bp) {
  if (engine_worker_->exhausted()) {
    if (!rebuild_queued_) {
      rebuild_queued_ = true;
      post([this] { rebuild_engine(); });
    }
    return;
  }
  if (bp.instance && bp.instance->poisoned()) {
    post([this, name = bp.entry->name, version = bp.entry->version] { recover(name, version); });
  }
}

void IoWorker::recover(const std::string& name, uint64_t version) {
  BoundPlugin* bp = nullptr;
  for (auto* in : {&bound_, &canaries_}) {
    auto it = in->find(name);
    if (it != in->end() && it->second.entry->version == version) bp = &it->second;
  }
  if (bp == nullptr || !bp->instance) return;
  if (auto r = bp->instance->recover(); !r) {
    // The next call tries again (and reports the error to its client).
    spdlog::warn("worker {}: cannot replace the instance of plugin {}: {}", index_, name,
                 r.error().describe());
  }
}

void IoWorker::rebuild_engine() {
  rebuild_queued_ = false;
  if (!engine_worker_->exhausted()) return;
  spdlog::error("worker {}: engine heap limit reached; rebuilding its isolate and {} plugin instances",
                index_, bound_.size());
  // Instances before the engine worker they live in.
  for (auto& [name, bp] : bound_) bp.instance.reset();
  for (auto& [name, bp] : canaries_) bp.instance.reset();
  prepared_.clear();  // the loader waits on a prepare already answered, or re-instantiates at refresh
  auto fresh = vm_.create_worker();
  {
    std::lock_guard lock(engine_mu_);
    engine_worker_.swap(fresh);
  }
  fresh.reset();  // the old engine, which terminate_call() can no longer reach
  for (auto it = bound_.begin(); it != bound_.end();) {
    if (!hosts(*it->second.entry)) {
      ++it;
      continue;
    }
    auto inst = engine::PluginInstance::create(*engine_worker_, it->second.entry->module);
    if (!inst) {
      spdlog::error("worker {}: cannot instantiate plugin {}: {}", index_, it->first,
                    inst.error().describe());
      it = bound_.erase(it);
      continue;
    }
    it->second.instance = std::move(*inst);
    ++it;
  }
  // A canary is bound again, with a fresh instance, at the refresh below.
  for (auto& [name, bp] : bound_) {
    bp.canary = nullptr;
    bp.split = nullptr;
  }
  canaries_.clear();
  generation_ = UINT64_MAX;  // the next resolve retries what failed
}

std::future<engine::Result<std::chrono::nanoseconds>> IoWorker::prepare(
    std::shared_ptr<const PluginEntry> entry) {
  auto promise = std::make_shared<std::promise<engine::Result<std::chrono::nanoseconds>>>();
  auto future = promise->get_future();
  post([this, entry = std::move(entry), promise] {
    const auto began = std::chrono::steady_clock::now();
    auto inst = engine::PluginInstance::create(*engine_worker_, entry->module);
    if (!inst) {
      promise->set_value(std::unexpected(inst.error()));
      return;
    }
    const std::chrono::nanoseconds took = std::chrono::steady_clock::now() - began;
    prepared_[entry->version] = std::move(*inst);
    promise->set_value(took);
  });
  return future;
}

void IoWorker::discard(uint64_t version) {
  post([this, version] { prepared_.erase(version); });
}

}  // namespace hookd::server
