#include "calls/blocking_pool.hpp"

namespace hookd::server {

BlockingPool::BlockingPool(size_t threads, size_t queue_depth, engine::Vm& vm, PluginRegistry& registry)
    : queue_depth_(queue_depth) {
  // Indexes after the I/O workers' keep "worker N" unique in logs.
  for (size_t i = 0; i < threads; ++i) {
    workers_.push_back(std::make_unique<IoWorker>(1000 + i, vm, registry));
    workers_.back()->set_hosting(IoWorker::Hosting::kLane);
    idle_.push_back(workers_.back().get());
  }
}

BlockingPool::~BlockingPool() { stop(); }

void BlockingPool::start() {
  for (auto& w : workers_) w->start();
}

void BlockingPool::stop() {
  for (auto& w : workers_) w->stop();
  // Jobs never started are dropped now, while the I/O workers their sessions
  // belong to still exist.
  std::deque<std::function<void(IoWorker&)>> dropped;
  std::lock_guard lock(mu_);
  dropped.swap(jobs_);
}

std::vector<IoWorker*> BlockingPool::workers() {
  std::vector<IoWorker*> out;
  out.reserve(workers_.size());
  for (auto& w : workers_) out.push_back(w.get());
  return out;
}

bool BlockingPool::submit(std::function<void(IoWorker&)> job) {
  IoWorker* wake = nullptr;
  {
    std::lock_guard lock(mu_);
    if (jobs_.size() >= queue_depth_) return false;
    jobs_.push_back(std::move(job));
    if (!idle_.empty()) {
      wake = idle_.back();
      idle_.pop_back();
    }
  }
  // Every thread is busy otherwise: the first to finish takes the job.
  if (wake != nullptr) wake->post([this, wake] { pump(*wake); });
  return true;
}

void BlockingPool::pump(IoWorker& w) {
  std::function<void(IoWorker&)> job;
  {
    std::lock_guard lock(mu_);
    if (jobs_.empty()) {
      idle_.push_back(&w);
      return;
    }
    job = std::move(jobs_.front());
    jobs_.pop_front();
  }
  job(w);
  // Another turn through the event loop rather than a loop here, so that
  // handlers posted to this thread meanwhile are not starved.
  w.post([this, &w] { pump(w); });
}

}  // namespace hookd::server
