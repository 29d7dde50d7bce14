#include "net/response_head.hpp"

#include <cassert>
#include <charconv>
#include <cstring>

namespace hookd::server {
namespace {

// Writes into a buffer sized beforehand: no capacity check per byte (the
// head is ~150 bytes; appending it char by char to a std::string was the
// largest item of the response path).
class HeadWriter {
 public:
  HeadWriter(char* at, std::size_t size) : at_(at), end_(at + size) {}
  void put(std::string_view s) {
    assert(s.size() <= static_cast<std::size_t>(end_ - at_));  // the sizes below are exact
    std::memcpy(at_, s.data(), s.size());
    at_ += s.size();
  }
  void status_line(unsigned version, unsigned status, std::string_view reason) {
    const char line[] = {'H',
                         'T',
                         'T',
                         'P',
                         '/',
                         static_cast<char>('0' + version / 10 % 10),
                         '.',
                         static_cast<char>('0' + version % 10),
                         ' ',
                         static_cast<char>('0' + status / 100 % 10),
                         static_cast<char>('0' + status / 10 % 10),
                         static_cast<char>('0' + status % 10),
                         ' '};
    put(std::string_view(line, sizeof line));
    put(reason);
    put("\r\n");
  }
  void field(std::string_view name, std::string_view value) {
    put(name);
    put(": ");
    put(value);
    put("\r\n");
  }
  [[nodiscard]] char* end() const { return at_; }

 private:
  char* at_;
  char* end_;
};

constexpr std::size_t kStatusLine = 13 + 2;  // "HTTP/1.1 200 " and CRLF, without the reason
constexpr std::size_t kFieldFraming = 4;     // ": " and CRLF

std::string_view view(boost::beast::string_view s) { return {s.data(), s.size()}; }

// Replaces `out` with what `write(HeadWriter&)` writes, at most `size` bytes.
template <class Write>
void write_head(std::string& out, std::size_t size, Write&& write) {
  out.resize_and_overwrite(size, [&](char* p, std::size_t n) {
    HeadWriter w(p, n);
    write(w);
    return static_cast<std::size_t>(w.end() - p);
  });
}

}  // namespace

std::string_view status_reason(unsigned status) {
  // Registered (IANA HTTP status code registry) but missing from Beast 1.81.
  switch (status) {
    case 103:
      return "Early Hints";
    case 418:
      return "I'm a teapot";
    case 425:
      return "Too Early";
    default:
      break;
  }
  const auto known = http::obsolete_reason(static_cast<http::status>(status));
  if (known != "<unknown-status>") return view(known);
  switch (status / 100) {
    case 1:
      return "Informational";
    case 2:
      return "Success";
    case 3:
      return "Redirection";
    case 4:
      return "Client Error";
    default:
      return "Server Error";
  }
}

void serialize_head(const HttpResponse& res, std::string& out) {
  // An explicit reason is kept; the default one is hookd's (status_reason).
  const std::string_view given = view(res.reason());
  const std::string_view reason =
      given == view(http::obsolete_reason(res.result())) ? status_reason(res.result_int()) : given;
  std::size_t size = kStatusLine + reason.size() + 2;
  for (const auto& field : res) size += field.name_string().size() + field.value().size() + kFieldFraming;
  write_head(out, size, [&](HeadWriter& w) {
    w.status_line(res.version(), res.result_int(), reason);
    for (const auto& field : res) w.field(view(field.name_string()), view(field.value()));
    w.put("\r\n");
  });
}

bool call_head_applies(http::status status) {
  const auto code = static_cast<unsigned>(status);
  return code >= 200 && status != http::status::no_content && status != http::status::not_modified;
}

void serialize_call_head(const CallHead& head, std::string& out) {
  const std::string_view reason = status_reason(static_cast<unsigned>(head.status));
  char digits[24];
  const auto [digits_end, ec] = std::to_chars(digits, digits + sizeof digits, head.content_length);
  const std::string_view length(digits, static_cast<std::size_t>(digits_end - digits));
  // What Beast's keep_alive() leaves in a fresh response: HTTP/1.1 says
  // only a close, HTTP/1.0 only a keep-alive.
  std::string_view connection;
  if (head.version >= 11 && !head.keep_alive) connection = "close";
  if (head.version < 11 && head.keep_alive) connection = "keep-alive";

  const std::size_t size =
      kStatusLine + reason.size() + (12 + kFieldFraming + head.content_type.size()) +
      (head.retry_after ? 11 + kFieldFraming + 1 : 0) +
      (head.served_version.empty() ? 0 : 15 + kFieldFraming + head.served_version.size()) +
      (12 + kFieldFraming + head.request_id.size()) +
      (connection.empty() ? 0 : 10 + kFieldFraming + connection.size()) +
      (14 + kFieldFraming + length.size()) + 2;
  write_head(out, size, [&](HeadWriter& w) {
    w.status_line(head.version, static_cast<unsigned>(head.status), reason);
    w.field("Content-Type", head.content_type);
    if (head.retry_after) w.field("Retry-After", "1");
    if (!head.served_version.empty()) w.field("X-Hookd-Version", head.served_version);
    w.field("X-Request-Id", head.request_id);
    if (!connection.empty()) w.field("Connection", connection);
    w.field("Content-Length", length);
    w.put("\r\n");
  });
}

}  // namespace hookd::server
