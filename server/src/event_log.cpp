#include "event_log.hpp"

#include <algorithm>
#include <array>
#include <chrono>

namespace hookd::server {
namespace {

constexpr std::array<std::string_view, 5> kLevelNames = {"trace", "debug", "info", "warn", "error"};

// Cuts at a UTF-8 character boundary so the JSON stays valid text.
void cut(std::string& s, size_t max) {
  if (s.size() <= max) return;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
  s.append("…");
}

}  // namespace

std::string_view event_level_name(EventLevel level) {
  const auto i = static_cast<size_t>(level);
  return i < kLevelNames.size() ? kLevelNames[i] : "info";
}

std::optional<EventLevel> event_level_from(std::string_view name) {
  for (size_t i = 0; i < kLevelNames.size(); ++i) {
    if (kLevelNames[i] == name) return static_cast<EventLevel>(i);
  }
  return std::nullopt;
}

EventLog::EventLog(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

void EventLog::add(Event event) {
  cut(event.message, kMaxMessageBytes);
  if (event.time_ms == 0) {
    event.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  }
  std::lock_guard lock(mu_);
  event.seq = ++seq_;
  if (ring_.size() < capacity_) {
    ring_.push_back(std::move(event));
    return;
  }
  ring_[next_] = std::move(event);
  next_ = (next_ + 1) % capacity_;
}

std::vector<Event> EventLog::query(const EventFilter& filter) const {
  std::vector<Event> out;
  if (filter.limit == 0) return out;
  std::lock_guard lock(mu_);
  // Newest first, so `limit` keeps the newest; reversed at the end.
  const size_t n = ring_.size();
  for (size_t k = 0; k < n && out.size() < filter.limit; ++k) {
    const Event& e = ring_[(next_ + n - 1 - k) % n];
    if (e.seq <= filter.after_seq) break;
    if (filter.min_level && e.level < *filter.min_level) continue;
    if (!filter.plugin.empty() && e.plugin != filter.plugin) continue;
    if (!filter.kind.empty() && e.kind != filter.kind) continue;
    out.push_back(e);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

uint64_t EventLog::last_seq() const {
  std::lock_guard lock(mu_);
  return seq_;
}

}  // namespace hookd::server
