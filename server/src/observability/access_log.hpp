// The access log: one line per request (and per WebSocket session, when it
// ends), in text or JSON lines, to stdout or a file. Built for the request path of a busy gateway:
//   - each I/O worker formats its lines into its own buffer (a mutex only the
//     writer thread ever contends for, once per flush);
//   - one writer thread takes the buffers when one passes `batch_bytes` or
//     every `flush_interval`, and writes them with write(2), so no worker
//     ever waits for the disk;
//   - flush() (drain, exit) writes everything synchronously, so a clean stop
//     loses nothing;
//   - if the output stalls (a full disk, a pipe nobody reads), a worker's
//     buffer stops growing at `max_pending_bytes / workers` and later lines
//     are dropped and counted (hookd_access_log_dropped_total), rather than
//     blocking requests or growing without bound; lines a failed write lost
//     (ENOSPC, a closed pipe) are counted there too;
//   - reopen() (SIGHUP, after logrotate moved the file) makes the writer
//     open the path again before its next write. The path is never opened
//     through a symbolic link (O_NOFOLLOW): a reopen that meets one is
//     refused and logged, and the old file keeps the lines.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "hookd/config/config.hpp"
#include "hookd/server/error.hpp"
#include "hookd/util/clock.hpp"
#include "hookd/util/trace_context.hpp"

namespace hookd::server {

// What a WebSocket session did, on its one line when it ends.
struct WsSessionTotals {
  uint64_t messages_in = 0;   // messages read
  uint64_t messages_out = 0;  // replies written
  uint64_t bytes_in = 0;      // their payloads' bytes
  uint64_t bytes_out = 0;
  uint64_t errors = 0;  // failed calls, and messages refused (too big, over the request budget)
  // The close code sent or received first; 1006 when the connection ended
  // without a close frame, 0 when the upgrade was refused.
  int close_code = 0;
  // Why it ended, one of a closed vocabulary (ws_session.cpp, docs/architecture.md).
  std::string_view close_reason;
};

// What one line says. Views into the caller's request, valid for the call.
struct AccessRecord {
  std::string_view request_id;
  std::string_view client;
  std::string_view method;  // "POST", ... or "WS" for a WebSocket message
  std::string_view target;  // the path without its query string
  int status = 0;
  uint64_t bytes = 0;  // response body
  int64_t duration_us = 0;
  std::string_view plugin;  // empty: none
  std::string_view fn;      // empty: none
  // The plugin's upload version that served (docs/releases.md); 0: none,
  // and the line has no version field.
  uint64_t version = 0;
  std::string_view session;  // a WebSocket message's session id; empty otherwise
  // A WebSocket session's line (its upgrade request, written when it ends);
  // null otherwise.
  const WsSessionTotals* websocket = nullptr;
  // A sampled request's trace and its span: trace_id= and span_id= on its
  // line. Null otherwise.
  const util::TraceContext* trace = nullptr;
};

class AccessLog {
 public:
  struct Options {
    config::LogFormat format = config::LogFormat::text;
    std::string path;  // empty: standard output
    std::chrono::milliseconds flush_interval{200};
    size_t batch_bytes = 64 * 1024;
    size_t max_pending_bytes = 16u << 20;
    // The time each line is stamped with (its wall time); null: the
    // process's clock.
    std::shared_ptr<const util::Clock> clock;
  };

  // Opens the output (the file is created with mode 0640 and appended to;
  // a symbolic link at `path` is refused).
  static ServerResult<std::unique_ptr<AccessLog>> open(Options options, size_t workers);
  // Writes to `fd` (not owned, never reopened): for tests and embedders.
  static std::unique_ptr<AccessLog> to_fd(int fd, Options options, size_t workers);
  ~AccessLog();  // flushes
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // Into worker `worker`'s (< workers) buffer. Meant for that worker's
  // thread, whose buffer it is; safe from any (a session that ends on
  // another thread at shutdown), as the buffer has a mutex.
  void write(size_t worker, const AccessRecord& record);
  // Writes every buffered line now; returns when they are written (or the
  // output failed). Any thread.
  void flush();
  // Opens the path again before the next write (logrotate). Any thread.
  void reopen();

  // Lines lost: dropped at the pending bound or lost to a failed write.
  [[nodiscard]] uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  struct alignas(64) Slot {
    std::mutex mutex;
    std::string buffer;
  };

  AccessLog(int fd, bool owns_fd, Options options, size_t workers);
  void run();
  // Takes every slot's buffer and writes it; writer thread or flush() only
  // (serialized by write_mutex_).
  void write_out();
  void write_all(std::string_view bytes);
  void reopen_now();

  Options options_;
  int fd_;
  bool owns_fd_;
  size_t slot_cap_;
  std::vector<Slot> slots_;
  std::mutex write_mutex_;  // one writer at a time; owns taken_
  std::vector<std::string> taken_;
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // under wake_mutex_
  std::atomic<bool> batch_ready_{false};
  std::atomic<bool> reopen_requested_{false};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> write_errors_{0};  // only the first one is logged
  std::thread writer_;
};

}  // namespace hookd::server
