// The response a plugin shapes (engine::ResponseSink), as a server sends it.
// Input: records, each a tag byte t and its fields:
//   t % 4 == 0   a status: two bytes u16 (little-endian), status 50 + u % 600;
//                with t & 0x80, eight bytes: any int64
//   t % 4 == 1|2 a header: u8 name length, u8 value length, the name, the value
//   t % 4 == 3   a long header: u8 name length, u16 value length, u8 pattern
//                length, the name, the pattern; the value is the pattern
//                repeated to the value length (to reach the byte limit)
// A record cut short by the end of the input takes what is left.
// Properties: each set_status/add_header is accepted exactly when RFC 9110
// and the sink's limits allow it (an independent oracle), a refusal changes
// nothing, an acceptance appends that header; every accepted name is a token
// and not one the server owns, no accepted value holds a control character
// (CR, LF and NUL among them) or starts or ends with white space, there are
// at most kMaxHeaders of at most kMaxHeaderBytes; the status is 100-599 or
// unchanged. Then the head a server would send (status line, `name: value`
// lines, its Content-Length, the blank line) parses with Beast's response
// parser (basic_parser: every field as met) into exactly the accepted fields
// in order, plus the Content-Length: nothing a plugin adds splits or bends
// the response.
#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/optional.hpp>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_check.hpp"
#include "hookd/engine/http_exchange.hpp"

using hookd::engine::ResponseSink;
using hookd::fuzz::check;
namespace http = boost::beast::http;

namespace {

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  [[nodiscard]] bool done() const { return at_ == size_; }
  uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
  uint16_t u16() {
    const uint16_t lo = byte();
    return static_cast<uint16_t>(lo | (byte() << 8));
  }
  int64_t i64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(byte()) << (8 * i);
    int64_t out = 0;
    std::memcpy(&out, &v, sizeof out);
    return out;
  }
  std::string_view bytes(size_t n) {
    n = std::min(n, size_ - at_);
    const std::string_view out(reinterpret_cast<const char*>(data_ + at_), n);
    at_ += n;
    return out;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
};

// The oracle: RFC 9110's grammar, written out again here rather than taken
// from the code under test.
bool token_char(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!token_char(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool is_control(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && u != '\t') || u == 0x7f;
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

// Framing and hop-by-hop: what only the server may set.
bool server_owned(std::string_view name) {
  const std::string n = lower(name);
  for (const std::string_view owned : {"connection", "content-length", "transfer-encoding", "upgrade",
                                       "keep-alive", "te", "trailer", "proxy-connection", "http2-settings"}) {
    if (n == owned) return true;
  }
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

struct Expected {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  size_t bytes = 0;
};

void check_header(std::string_view name, std::string_view value) {
  check(is_token(name), "an accepted name is not a token");
  check(!server_owned(name), "an accepted name is one the server owns");
  for (const char c : value) check(!is_control(c), "an accepted value holds a control character");
  check(value.empty() || (!is_blank(value.front()) && !is_blank(value.back())),
        "an accepted value starts or ends with white space");
}

// After each call: the status, the count, and the newest header (the sink
// only appends, so check_all at the end sees any earlier header changed).
void check_step(const ResponseSink& sink, const Expected& want) {
  check(sink.status() == want.status, "the status is not the last accepted one");
  check(sink.status() == 0 || (sink.status() >= 100 && sink.status() <= 599), "a status outside 100-599");
  const auto headers = sink.headers();
  check(headers.size() == want.headers.size(), "the sink holds another number of headers than accepted");
  check(headers.size() <= ResponseSink::kMaxHeaders, "more than kMaxHeaders headers");
  if (headers.empty()) return;
  const auto last = headers[headers.size() - 1];
  check(last.name == want.headers.back().first && last.value == want.headers.back().second,
        "the newest header differs from the one accepted last");
}

void check_all(const ResponseSink& sink, const Expected& want) {
  check_step(sink, want);
  size_t bytes = 0;
  size_t i = 0;
  for (const auto& h : sink.headers()) {
    check(h.name == want.headers[i].first && h.value == want.headers[i].second,
          "a header differs from the one accepted at its place");
    check_header(h.name, h.value);
    bytes += h.name.size() + h.value.size();
    ++i;
  }
  check(bytes <= ResponseSink::kMaxHeaderBytes, "more than kMaxHeaderBytes of names and values");
}

bool has_content_length(int status) { return status / 100 != 1 && status != 204 && status != 304; }

// What a server writes for the sink (the body is empty here).
std::string serialize(const ResponseSink& sink) {
  const int status = sink.status() != 0 ? sink.status() : 200;
  std::string head = "HTTP/1.1 " + std::to_string(status) + " Reason\r\n";
  for (const auto& h : sink.headers()) {
    head.append(h.name).append(": ").append(h.value).append("\r\n");
  }
  if (has_content_length(status)) head += "Content-Length: 0\r\n";
  head += "\r\n";
  return head;
}

// Records the status and every field in the order the parser meets them
// (http::fields would group repeated names together).
class HeadReader final : public http::basic_parser<false> {
 public:
  int status = 0;
  std::vector<std::pair<std::string, std::string>> fields;

 private:
  void on_request_impl(http::verb, boost::beast::string_view, boost::beast::string_view, int,
                       boost::beast::error_code&) override {}
  void on_response_impl(int code, boost::beast::string_view, int, boost::beast::error_code&) override {
    status = code;
  }
  void on_field_impl(http::field, boost::beast::string_view name, boost::beast::string_view value,
                     boost::beast::error_code&) override {
    fields.emplace_back(std::string(name), std::string(value));
  }
  void on_header_impl(boost::beast::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, boost::beast::error_code&) override {}
  std::size_t on_body_impl(boost::beast::string_view body, boost::beast::error_code&) override {
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, boost::beast::string_view, boost::beast::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view body,
                                 boost::beast::error_code&) override {
    return body.size();
  }
  void on_finish_impl(boost::beast::error_code&) override {}
};

void check_parses_back(const ResponseSink& sink) {
  const std::string head = serialize(sink);
  HeadReader parser;
  parser.header_limit(static_cast<std::uint32_t>(head.size()));
  boost::beast::error_code ec;
  const size_t used = parser.put(boost::asio::buffer(head), ec);
  check(!ec, "the serialized head does not parse");
  check(parser.is_done(), "the serialized head is not a whole response");
  check(used == head.size(), "the serialized head parses as a response followed by more bytes");
  const int status = sink.status() != 0 ? sink.status() : 200;
  check(parser.status == status, "the parsed status differs");
  const auto headers = sink.headers();
  const size_t framing = has_content_length(status) ? 1 : 0;
  check(parser.fields.size() == headers.size() + framing, "the parsed head has another number of fields");
  for (size_t i = 0; i < headers.size(); ++i) {
    check(parser.fields[i].first == headers[i].name, "a parsed field name differs from the sink's");
    check(parser.fields[i].second == headers[i].value, "a parsed field value differs from the sink's");
  }
  if (framing != 0) {
    check(parser.fields.back() == std::pair<std::string, std::string>("Content-Length", "0"),
          "the server's Content-Length is not the field after the sink's");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ResponseSink sink;
  Expected want;
  // Twice over one sink, as a server reuses it: reset() must leave nothing behind.
  for (int round = 0; round < 2; ++round) {
    Reader in(data, size);
    sink.reset();
    want = Expected{};
    check(sink.empty() && sink.headers().empty() && sink.status() == 0, "reset() left something behind");
    while (!in.done()) {
      const uint8_t tag = in.byte();
      if (tag % 4 == 0) {
        const int64_t status = (tag & 0x80) != 0 ? in.i64() : 50 + in.u16() % 600;
        const bool ok = status >= 100 && status <= 599;
        check(sink.set_status(status).has_value() == ok, "set_status disagrees with 100-599");
        if (ok) want.status = static_cast<int>(status);
      } else {
        std::string_view name;
        std::string value;
        if (tag % 4 == 3) {
          const size_t name_size = in.byte();
          const size_t value_size = in.u16();
          const size_t pattern_size = in.byte();
          name = in.bytes(name_size);
          std::string_view pattern = in.bytes(pattern_size);
          if (pattern.empty()) pattern = "v";
          while (value.size() < value_size) value.append(pattern.substr(0, value_size - value.size()));
        } else {
          const size_t name_size = in.byte();
          const size_t value_size = in.byte();
          name = in.bytes(name_size);
          value = in.bytes(value_size);
        }
        bool valid = is_token(name) && !server_owned(name);
        for (const char c : value) valid = valid && !is_control(c);
        const std::string_view stored = trim(value);
        const bool ok = valid && want.headers.size() < ResponseSink::kMaxHeaders &&
                        want.bytes + name.size() + stored.size() <= ResponseSink::kMaxHeaderBytes;
        const auto added = sink.add_header(name, value);
        check(added.has_value() == ok, "add_header disagrees with RFC 9110 and the limits");
        check(added.has_value() || !added.error().message.empty(), "a refusal without a message");
        if (ok) {
          want.headers.emplace_back(std::string(name), std::string(stored));
          want.bytes += name.size() + stored.size();
        }
      }
      check_step(sink, want);
    }
    check_all(sink, want);
    check_parses_back(sink);
  }
  return 0;
}
