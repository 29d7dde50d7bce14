#include "observability/event_log.hpp"

#include <algorithm>
#include <array>
#include <chrono>

#include "hookd/util/utf8.hpp"

namespace hookd::server {
namespace {

constexpr std::array<std::string_view, 5> kLevelNames = {"trace", "debug", "info", "warn", "error"};

// Cuts at a UTF-8 character boundary so the JSON stays valid text.
void cut(std::string& s, size_t max) {
  if (s.size() <= max) return;
  s.resize(util::utf8_prefix(s, max).size());
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

EventLog::EventLog(const util::Clock& clock, size_t capacity, size_t client_error_capacity)
    : clock_(clock),
      main_{std::max<size_t>(capacity, 1)},
      client_errors_{std::max<size_t>(client_error_capacity, 1)} {}

// The system clock is a process-wide static that outlives every log.
EventLog::EventLog(size_t capacity, size_t client_error_capacity)
    : EventLog(*util::system_clock(), capacity, client_error_capacity) {}

void EventLog::Ring::add(Event event) {
  if (events.size() < capacity) {
    events.push_back(std::move(event));
    return;
  }
  events[next] = std::move(event);
  next = (next + 1) % capacity;
}

const Event& EventLog::Ring::newest(size_t i) const {
  const size_t n = events.size();
  return events[(next + n - 1 - i) % n];
}

void EventLog::add(Event event) {
  cut(event.message, kMaxMessageBytes);
  if (event.time_ms == 0) {
    event.time_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch()).count();
  }
  const bool client_error = event.kind == "error" && event.status >= 400 && event.status < 500;
  std::lock_guard lock(mu_);
  event.seq = ++seq_;
  (client_error ? client_errors_ : main_).add(std::move(event));
}

std::vector<Event> EventLog::query(const EventFilter& filter) const {
  std::vector<Event> out;
  if (filter.limit == 0) return out;
  std::lock_guard lock(mu_);
  // Newest first across both rings, so `limit` keeps the newest; reversed at the end.
  size_t a = 0, b = 0;
  const size_t na = main_.events.size(), nb = client_errors_.events.size();
  while (out.size() < filter.limit && (a < na || b < nb)) {
    const Event* e = nullptr;
    if (a < na && (b >= nb || main_.newest(a).seq > client_errors_.newest(b).seq)) {
      e = &main_.newest(a++);
    } else {
      e = &client_errors_.newest(b++);
    }
    if (e->seq <= filter.after_seq) break;
    if (filter.min_level && e->level < *filter.min_level) continue;
    if (!filter.plugin.empty() && e->plugin != filter.plugin) continue;
    if (!filter.kind.empty() && e->kind != filter.kind) continue;
    out.push_back(*e);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

uint64_t EventLog::last_seq() const {
  std::lock_guard lock(mu_);
  return seq_;
}

}  // namespace hookd::server
