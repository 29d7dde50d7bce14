#include "hookd/server/log_format.hpp"

#include <spdlog/pattern_formatter.h>

#include "hookd/util/hex.hpp"
#include "observability/log_escape.hpp"

namespace hookd::server {
namespace {

// %* : the line's fields after time and level: "plugin" and "request_id"
// when the message is about a plugin call, then "message" (JSON-escaped).
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    thread_local std::string out;
    out.clear();
    const LogSubject subject = split_log_subject(std::string_view(msg.payload.data(), msg.payload.size()));
    // Plugin names and request ids are checked when they enter hookd (a
    // small charset without quotes or backslashes): no escaping needed.
    if (!subject.plugin.empty()) out.append("\"plugin\":\"").append(subject.plugin).append("\",");
    if (!subject.request_id.empty()) out.append("\"request_id\":\"").append(subject.request_id).append("\",");
    if (!subject.trace_id.empty()) {
      out.append("\"trace_id\":\"").append(subject.trace_id).append("\",\"span_id\":\"");
      out.append(subject.span_id).append("\",");
    }
    out.append("\"message\":\"");
    append_json_string(subject.message, out);
    out.push_back('"');
    dest.append(out.data(), out.data() + out.size());
  }
  [[nodiscard]] std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

}  // namespace

LogSubject split_log_subject(std::string_view line) {
  LogSubject s{{}, {}, {}, {}, line};
  constexpr std::string_view kPlugin = "[plugin ";
  if (!line.starts_with(kPlugin)) return s;
  // A field is a run of the charsets plugin names and request ids are
  // checked against; anything else means the line is not in this shape.
  const auto field_end = [&](size_t from) {
    size_t i = from;
    while (i < line.size()) {
      const char c = line[i];
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == ':' || c == '-';
      if (!ok) break;
      ++i;
    }
    return i;
  };
  size_t at = kPlugin.size();
  size_t end = field_end(at);
  if (end == at || end + 1 >= line.size() || line[end] != ']' || line[end + 1] != ' ') return s;
  s.plugin = line.substr(at, end - at);
  at = end + 2;
  if (at < line.size() && line[at] == '[') {
    end = field_end(at + 1);
    if (end > at + 1 && end + 1 < line.size() && line[end] == ']' && line[end + 1] == ' ') {
      s.request_id = line.substr(at + 1, end - at - 1);
      at = end + 2;
    }
  }
  // "trace_id=" 32 hex " span_id=" 16 hex " ": 67 bytes.
  constexpr std::string_view kTrace = "trace_id=";
  constexpr std::string_view kSpan = " span_id=";
  const std::string_view rest = line.substr(at);
  if (rest.size() >= 67 && rest.starts_with(kTrace) && rest.substr(41, kSpan.size()) == kSpan &&
      rest[66] == ' ' && util::is_lower_hex(rest.substr(9, 32), 32) &&
      util::is_lower_hex(rest.substr(50, 16), 16)) {
    s.trace_id = rest.substr(9, 32);
    s.span_id = rest.substr(50, 16);
    at += 67;
  }
  s.message = line.substr(at);
  return s;
}

std::unique_ptr<spdlog::formatter> make_log_formatter(config::LogFormat format) {
  if (format == config::LogFormat::text) return std::make_unique<spdlog::pattern_formatter>();
  auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  f->add_flag<JsonMessageFlag>('*').set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%*})");
  return f;
}

}  // namespace hookd::server
