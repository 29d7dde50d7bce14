// The recent plugin log lines and call errors, for the dashboard's log view
// (GET /admin/logs): a bounded ring of the last kCapacity events, each with
// its time, level, plugin, function, request id and message (cut at
// kMaxMessageBytes). Older events are overwritten; memory stays bounded at
// about kCapacity * (kMaxMessageBytes + names).
//
// Failed calls a client caused (a 4xx: an unknown function, a bad body) go
// to a ring of their own, kClientErrorCapacity long, so anyone who can send
// requests cannot push the plugins' own lines and real failures out of the
// main ring; query() merges the two in the order they were added.
//
// Threading: any thread adds and reads, under one mutex held for a copy.
// Events are plugin log lines (already capped by each plugin's log level and
// per-second budget) and failed calls: the uncommon path, so the lock is not
// on a successful request's path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hookd/util/clock.hpp"

namespace hookd::server {

enum class EventLevel : uint8_t { kTrace, kDebug, kInfo, kWarn, kError };
std::string_view event_level_name(EventLevel level);
/// "trace".."error"; empty for anything else.
std::optional<EventLevel> event_level_from(std::string_view name);

struct Event {
  uint64_t seq = 0;     // 1, 2, ... in the order added
  int64_t time_ms = 0;  // Unix time in milliseconds
  EventLevel level = EventLevel::kInfo;
  std::string kind;  // "log" (the plugin logged it) or "error" (a failed call)
  std::string plugin;
  std::string fn;  // empty for a log line
  std::string request_id;
  int status = 0;  // an error's HTTP status
  std::string message;
};

struct EventFilter {
  std::optional<EventLevel> min_level;  // this level and above
  std::string plugin;                   // empty: every plugin
  std::string kind;                     // empty: both
  uint64_t after_seq = 0;               // only newer events
  size_t limit = 200;
};

class EventLog {
 public:
  static constexpr size_t kCapacity = 500;
  static constexpr size_t kClientErrorCapacity = 50;
  static constexpr size_t kMaxMessageBytes = 2048;

  /// `clock` stamps events added without a time; it must outlive the log.
  explicit EventLog(const util::Clock& clock, size_t capacity = kCapacity,
                    size_t client_error_capacity = kClientErrorCapacity);
  /// On the system clock.
  explicit EventLog(size_t capacity = kCapacity, size_t client_error_capacity = kClientErrorCapacity);

  /// Any thread. `message` is cut at kMaxMessageBytes; a time_ms of 0 is
  /// the clock's time now.
  void add(Event event);
  /// Any thread: the newest events matching `filter`, oldest first.
  [[nodiscard]] std::vector<Event> query(const EventFilter& filter) const;
  /// The seq of the newest event (0: none yet).
  [[nodiscard]] uint64_t last_seq() const;

 private:
  struct Ring {
    size_t capacity;
    std::vector<Event> events;  // grows to capacity, then wraps
    size_t next = 0;            // where the next event goes once full

    void add(Event event);
    // The i-th newest event (i < events.size()).
    const Event& newest(size_t i) const;
  };

  const util::Clock& clock_;
  mutable std::mutex mu_;
  Ring main_;
  Ring client_errors_;
  uint64_t seq_ = 0;
};

}  // namespace hookd::server
