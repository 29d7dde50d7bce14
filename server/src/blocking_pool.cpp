#include "blocking_pool.hpp"

namespace hookd::server {

BlockingPool::BlockingPool(size_t threads, size_t queue_depth, engine::Vm& vm, PluginRegistry& registry)
    : queue_depth_(queue_depth) {
  // Indexes after the I/O workers' keep "worker N" unique in logs.
  for (size_t i = 0; i < threads; ++i) {
    workers_.push_back(std::make_unique<IoWorker>(1000 + i, vm, registry));
    workers_.back()->set_blocking_lane(true);
  }
}

BlockingPool::~BlockingPool() { stop(); }

void BlockingPool::start() {
  for (auto& w : workers_) w->start();
}

void BlockingPool::stop() {
  for (auto& w : workers_) w->stop();
}

std::vector<IoWorker*> BlockingPool::workers() {
  std::vector<IoWorker*> out;
  for (auto& w : workers_) out.push_back(w.get());
  return out;
}

bool BlockingPool::submit(std::function<void(IoWorker&)> job) {
  if (pending_.fetch_add(1, std::memory_order_relaxed) >= static_cast<int64_t>(queue_depth_)) {
    pending_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  IoWorker& w = *workers_[next_.fetch_add(1, std::memory_order_relaxed) % workers_.size()];
  w.post([this, &w, job = std::move(job)] {
    pending_.fetch_sub(1, std::memory_order_relaxed);
    job(w);
  });
  return true;
}

}  // namespace hookd::server
