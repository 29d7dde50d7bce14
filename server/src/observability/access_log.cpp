#include "observability/access_log.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <utility>

#include "observability/log_escape.hpp"
#include "observability/log_trace.hpp"

namespace hookd::server {
namespace {

using namespace std::string_view_literals;

// A buffer that grew past this in a burst is released after its write.
constexpr size_t kKeepCapacity = 1u << 20;

void append_number(std::string& out, int64_t v) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
  out.append(digits, end);
}

// "2026-11-30T14:17:00.123Z": the seconds part is formatted once a second
// per thread.
void append_time(std::chrono::system_clock::time_point now, std::string& out) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const time_t seconds = static_cast<time_t>(ms / 1000);
  thread_local time_t cached_second = -1;
  thread_local char cached[24];
  thread_local size_t cached_len = 0;
  if (seconds != cached_second) {
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    cached_len = std::strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_second = seconds;
  }
  out.append(cached, cached_len);
  const int millis = static_cast<int>(ms % 1000);
  const char frac[6] = {'.',
                        static_cast<char>('0' + millis / 100),
                        static_cast<char>('0' + millis / 10 % 10),
                        static_cast<char>('0' + millis % 10),
                        'Z',
                        '\0'};
  out.append(frac, 5);
}

std::string_view or_dash(std::string_view s) { return s.empty() ? std::string_view("-") : s; }

void append_ws_text(const WsSessionTotals& t, std::string& out) {
  const std::pair<std::string_view, uint64_t> counts[] = {
      {" messages_in="sv, t.messages_in}, {" messages_out="sv, t.messages_out},
      {" bytes_in="sv, t.bytes_in},       {" bytes_out="sv, t.bytes_out},
      {" errors="sv, t.errors},
  };
  for (const auto& [key, n] : counts) {
    out += key;
    append_number(out, static_cast<int64_t>(n));
  }
  out += " close_code="sv;
  append_number(out, t.close_code);
  out += " close_reason="sv;
  append_log_text(or_dash(t.close_reason), out);
}

// 2026-11-30T14:17:00.123Z access <id> <client> "<method> <path>" <status> <bytes> <us>us plugin=<p> fn=<f>[
// version=<n>][ session=<s>][ messages_in=<n> messages_out=<n> bytes_in=<n> bytes_out=<n> errors=<n>
// close_code=<c> close_reason=<r>]
void append_text(std::chrono::system_clock::time_point now, const AccessRecord& r, std::string& out) {
  append_time(now, out);
  out += " access "sv;
  append_log_text(r.request_id, out);
  out += ' ';
  append_log_text(r.client, out);
  out += " \""sv;
  out += r.method;
  out += ' ';
  if (r.session.empty()) {
    append_log_text(r.target, out);
  } else {  // a WebSocket message: "WS plugin/fn"
    append_log_text(r.plugin, out);
    out += '/';
    append_log_text(r.fn, out);
  }
  out += "\" "sv;
  append_number(out, r.status);
  out += ' ';
  append_number(out, static_cast<int64_t>(r.bytes));
  out += ' ';
  append_number(out, r.duration_us);
  out += "us plugin="sv;
  append_log_text(or_dash(r.plugin), out);
  out += " fn="sv;
  append_log_text(or_dash(r.fn), out);
  if (r.version != 0) {
    out += " version="sv;
    append_number(out, static_cast<int64_t>(r.version));
  }
  if (!r.session.empty()) {
    out += " session="sv;
    append_log_text(r.session, out);
  }
  if (r.websocket != nullptr) append_ws_text(*r.websocket, out);
  if (r.trace != nullptr) {
    const TraceIdText ids(*r.trace);
    out += " trace_id="sv;
    out += ids.trace_id();
    out += " span_id="sv;
    out += ids.span_id();
  }
  out += '\n';
}

void append_json_field(std::string_view key, std::string_view value, std::string& out) {
  out += ",\""sv;
  out += key;
  out += "\":\""sv;
  append_json_string(value, out);
  out += '"';
}

void append_json_number(std::string_view key, int64_t value, std::string& out) {
  out += ",\""sv;
  out += key;
  out += "\":"sv;
  append_number(out, value);
}

// One JSON object per line; plugin, fn and session only when there is one,
// a WebSocket session's counts and close only on its line.
void append_json(std::chrono::system_clock::time_point now, const AccessRecord& r, std::string& out) {
  out += "{\"time\":\""sv;
  append_time(now, out);
  out += "\",\"type\":\"access\""sv;
  append_json_field("request_id", r.request_id, out);
  append_json_field("client", r.client, out);
  append_json_field("method", r.method, out);
  if (r.session.empty()) append_json_field("path", r.target, out);
  append_json_number("status", r.status, out);
  append_json_number("bytes", static_cast<int64_t>(r.bytes), out);
  append_json_number("duration_us", r.duration_us, out);
  if (!r.plugin.empty()) append_json_field("plugin", r.plugin, out);
  if (!r.fn.empty()) append_json_field("fn", r.fn, out);
  if (r.version != 0) append_json_number("version", static_cast<int64_t>(r.version), out);
  if (!r.session.empty()) append_json_field("session", r.session, out);
  if (const WsSessionTotals* t = r.websocket; t != nullptr) {
    append_json_number("messages_in", static_cast<int64_t>(t->messages_in), out);
    append_json_number("messages_out", static_cast<int64_t>(t->messages_out), out);
    append_json_number("bytes_in", static_cast<int64_t>(t->bytes_in), out);
    append_json_number("bytes_out", static_cast<int64_t>(t->bytes_out), out);
    append_json_number("errors", static_cast<int64_t>(t->errors), out);
    append_json_number("close_code", t->close_code, out);
    append_json_field("close_reason", t->close_reason, out);
  }
  if (r.trace != nullptr) {
    const TraceIdText ids(*r.trace);
    append_json_field("trace_id", ids.trace_id(), out);
    append_json_field("span_id", ids.span_id(), out);
  }
  out += "}\n"sv;
}

// O_NOFOLLOW: whoever can write the log directory could otherwise point the
// path at another file (between a rotation and the reopen) and have hookd,
// often root, append to it.
int open_append(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
}

std::string open_error(int err) {
  return err == ELOOP ? "it is a symbolic link, which hookd does not follow" : std::strerror(err);
}

}  // namespace

ServerResult<std::unique_ptr<AccessLog>> AccessLog::open(Options options, size_t workers) {
  if (options.path.empty()) return to_fd(STDOUT_FILENO, std::move(options), workers);
  const int fd = open_append(options.path);
  if (fd < 0) {
    return server_fail(ServerErrorKind::kStorage,
                       "log.access_log_file: cannot open " + options.path + ": " + open_error(errno));
  }
  return std::unique_ptr<AccessLog>(new AccessLog(fd, true, std::move(options), workers));
}

std::unique_ptr<AccessLog> AccessLog::to_fd(int fd, Options options, size_t workers) {
  options.path.clear();
  return std::unique_ptr<AccessLog>(new AccessLog(fd, false, std::move(options), workers));
}

AccessLog::AccessLog(int fd, bool owns_fd, Options options, size_t workers)
    : options_(std::move(options)),
      fd_(fd),
      owns_fd_(owns_fd),
      slot_cap_(std::max<size_t>(options_.max_pending_bytes / std::max<size_t>(workers, 1), 4096)),
      slots_(std::max<size_t>(workers, 1)),
      taken_(slots_.size()) {
  if (!options_.clock) options_.clock = util::system_clock();
  for (auto& s : slots_) s.buffer.reserve(options_.batch_bytes + 1024);
  writer_ = std::thread([this] { run(); });
}

AccessLog::~AccessLog() {
  {
    std::lock_guard l(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  writer_.join();
  write_out();
  if (owns_fd_) ::close(fd_);
}

void AccessLog::write(size_t worker, const AccessRecord& record) {
  Slot& slot = slots_[worker];
  const auto now = options_.clock->now();
  bool full = false;
  {
    std::lock_guard l(slot.mutex);
    if (slot.buffer.size() >= slot_cap_) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (options_.format == config::LogFormat::json) {
      append_json(now, record, slot.buffer);
    } else {
      append_text(now, record, slot.buffer);
    }
    full = slot.buffer.size() >= options_.batch_bytes;
  }
  // A lost race here only delays the batch to the next flush interval.
  if (full && !batch_ready_.exchange(true, std::memory_order_relaxed)) wake_.notify_one();
}

void AccessLog::flush() { write_out(); }

void AccessLog::reopen() {
  reopen_requested_.store(true, std::memory_order_relaxed);
  {
    std::lock_guard l(wake_mutex_);
    batch_ready_.store(true, std::memory_order_relaxed);
  }
  wake_.notify_one();
}

void AccessLog::run() {
  std::unique_lock l(wake_mutex_);
  while (!stopping_) {
    wake_.wait_for(l, options_.flush_interval,
                   [this] { return stopping_ || batch_ready_.load(std::memory_order_relaxed); });
    if (stopping_) break;
    batch_ready_.store(false, std::memory_order_relaxed);
    l.unlock();
    write_out();
    l.lock();
  }
}

void AccessLog::write_out() {
  std::lock_guard w(write_mutex_);
  if (reopen_requested_.exchange(false, std::memory_order_relaxed)) reopen_now();
  for (size_t i = 0; i < slots_.size(); ++i) {
    std::lock_guard l(slots_[i].mutex);
    slots_[i].buffer.swap(taken_[i]);
  }
  for (auto& bytes : taken_) {
    if (bytes.empty()) continue;
    write_all(bytes);
    bytes.clear();
    if (bytes.capacity() > kKeepCapacity) {
      bytes.shrink_to_fit();
      bytes.reserve(options_.batch_bytes + 1024);
    }
  }
}

void AccessLog::write_all(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    // A full disk, a closed pipe: these lines are lost, and counted with
    // the ones dropped before buffering (a line cut short counts as lost).
    const int err = n < 0 ? errno : 0;
    dropped_.fetch_add(static_cast<uint64_t>(std::count(bytes.begin(), bytes.end(), '\n')),
                       std::memory_order_relaxed);
    if (write_errors_.fetch_add(1, std::memory_order_relaxed) == 0) {
      spdlog::error("access log: write failed: {}", err != 0 ? std::strerror(err) : "no progress");
    }
    return;
  }
}

void AccessLog::reopen_now() {
  if (!owns_fd_) return;
  const int fd = open_append(options_.path);
  if (fd < 0) {
    spdlog::error("access log: cannot reopen {}: {} (still writing to the old file)", options_.path,
                  open_error(errno));
    return;
  }
  ::close(fd_);
  fd_ = fd;
  spdlog::info("access log reopened: {}", options_.path);
}

}  // namespace hookd::server
