#include "hookd/load/timeline.hpp"

#include <algorithm>

namespace hookd::load {

Timeline::Timeline(unsigned workers) : last_(workers, -1), finished_(workers, false) {}

bool Timeline::second_ready(std::uint64_t second) const {
  for (std::size_t w = 0; w < last_.size(); ++w)
    if (!finished_[w] && last_[w] < static_cast<std::int64_t>(second)) return false;
  return true;
}

std::vector<Sample> Timeline::submit(unsigned worker, std::uint64_t second, const Stats& interval,
                                     bool final) {
  auto [it, inserted] = pending_.try_emplace(second, kDigits);
  it->second.merge(interval);
  last_[worker] = std::max(last_[worker], static_cast<std::int64_t>(second));
  if (final) finished_[worker] = true;

  std::vector<Sample> done;
  const bool all_finished = std::ranges::all_of(finished_, [](bool f) { return f; });
  while (second_ready(next_)) {
    auto found = pending_.find(next_);
    if (found == pending_.end()) {
      if (all_finished && pending_.empty()) break;
      found = pending_.try_emplace(next_, kDigits).first;  // a second nobody recorded in
    }
    const Stats& s = found->second;
    Sample sample;
    sample.second = next_;
    sample.requests = s.requests;
    sample.responses = s.responses;
    sample.errors = s.error_total();
    sample.bytes = s.bytes_received;
    sample.p50_ns = s.latency.value_at_percentile(50);
    sample.p90_ns = s.latency.value_at_percentile(90);
    sample.p99_ns = s.latency.value_at_percentile(99);
    sample.max_ns = s.latency.max();
    cumulative_.merge(s);
    pending_.erase(found);
    samples_.push_back(sample);
    done.push_back(sample);
    ++next_;
  }
  return done;
}

}  // namespace hookd::load
