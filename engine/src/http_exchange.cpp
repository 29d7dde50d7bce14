#include "hookd/engine/http_exchange.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <ranges>
#include <string>

namespace hookd::engine {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The ones a plugin could use to split or desynchronise the response, or
// that describe the connection rather than the message.
constexpr std::array<std::string_view, 9> kServerOwned = {
    "connection", "content-length", "transfer-encoding", "upgrade",       "keep-alive",
    "te",         "trailer",        "proxy-connection",  "http2-settings"};

// Control characters but HTAB, and DEL: RFC 9110 (5.5) allows none in a
// field value, and an HTTP/1.1 parser (Beast's, a browser's) refuses the
// response that carries one.
bool is_value_control(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && u != '\t') || u == 0x7f;
}

// A field value has no white space at either end (RFC 9110 5.5): a parser
// drops it, so the sink keeps what the client will read.
std::string_view trim_blanks(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

// Entry keeps offsets and sizes in 32 bits.
static_assert(ResponseSink::kMaxHeaderBytes <= UINT32_MAX);
// An embedder may walk headers() with the ranges algorithms.
static_assert(std::ranges::sized_range<ResponseSink::Headers> &&
              std::ranges::forward_range<ResponseSink::Headers>);

}  // namespace

bool header_name_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool percent_decode(std::string_view in, bool plus_is_space, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (in.size() - i < 3) return false;
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(plus_is_space && c == '+' ? ' ' : c);
    }
  }
  return true;
}

bool find_query_param(std::string_view query, std::string_view name, std::string& out) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    // The decoded key is compared; `out` is the scratch for it, then the value.
    if (!percent_decode(key, true, out) || out != name) continue;
    const std::string_view value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    return percent_decode(value, true, out);
  }
  out.clear();
  return false;
}

bool is_http_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool is_server_owned_header(std::string_view name) {
  for (std::string_view owned : kServerOwned) {
    if (header_name_equal(name, owned)) return true;
  }
  return false;
}

Result<void> ResponseSink::set_status(int64_t status) {
  if (status < 100 || status > 599) {
    return fail(ErrorKind::kHostError, "response status " + std::to_string(status) + " is outside 100-599");
  }
  status_ = static_cast<int>(status);
  return {};
}

Result<void> ResponseSink::add_header(std::string_view name, std::string_view value) {
  if (!is_http_token(name)) {
    return fail(ErrorKind::kHostError, "response header name is not a token (RFC 9110)");
  }
  if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
    return fail(ErrorKind::kHostError, "response header " + std::string(name.substr(0, 64)) +
                                           ": CR, LF and NUL are not allowed in a value");
  }
  if (std::ranges::any_of(value, is_value_control)) {
    return fail(ErrorKind::kHostError, "response header " + std::string(name.substr(0, 64)) +
                                           ": control characters other than tab are not allowed in a value");
  }
  value = trim_blanks(value);
  if (is_server_owned_header(name)) {
    return fail(ErrorKind::kHostError,
                "response header " + std::string(name) + " is set by the server, not by plugins");
  }
  if (entries_.size() >= kMaxHeaders) {
    return fail(ErrorKind::kHostError,
                "a response may carry at most " + std::to_string(kMaxHeaders) + " headers");
  }
  if (name.size() + value.size() > kMaxHeaderBytes - arena_.size()) {
    return fail(ErrorKind::kHostError,
                "response headers would pass " + std::to_string(kMaxHeaderBytes) + " bytes");
  }
  // Both sizes fit in 32 bits: together they are at most kMaxHeaderBytes.
  entries_.push_back(Entry{static_cast<uint32_t>(arena_.size()), static_cast<uint32_t>(name.size()),
                           static_cast<uint32_t>(value.size())});
  arena_.append(name);
  arena_.append(value);
  return {};
}

void ResponseSink::reset() {
  status_ = 0;
  arena_.clear();
  entries_.clear();
}

}  // namespace hookd::engine
