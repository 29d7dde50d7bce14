// What the listeners check on the wire beyond Beast's own parser limits, so
// that every byte a client sends is bounded before it is buffered and every
// request is framed one way only (docs/security/http.md):
//  - the header's bytes and fields are counted across reads (HeaderWatch):
//    Beast compares header_limit only with the bytes a put() has not
//    consumed yet, and it consumes every complete field line;
//  - a folded header line (obs-fold) is refused: Beast joins it to the
//    previous field, which a proxy in front may not do;
//  - the read buffer has a maximum (read_buffer_limit): a chunk-size line,
//    its extensions or a trailer section cannot grow it (Beast applies
//    header_limit to the header only);
//  - chunk extensions of one request share a budget (ChunkWatch);
//  - trailers are refused: Beast would append them to the request's header
//    fields, where they could set X-Request-Id or Content-Type;
//  - `chunked` is the only transfer coding, never on HTTP/1.0;
//  - exactly one Host (HTTP/1.1), at most one (HTTP/1.0).
// Shared by the public and the admin listener.
#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <cstdint>
#include <optional>
#include <string_view>

#include "net/http_types.hpp"
#include "observability/metrics.hpp"

namespace hookd::server {

using RequestParser = http::request_parser<http::string_body, FieldsAllocator>;

// Bytes of slack in the read buffer past a whole header: room for body reads
// (Beast reads at most 64 KiB at a time) and for one chunk-size line or
// trailer section before the read fails with http::error::buffer_overflow.
inline constexpr std::size_t kReadSlack = 64 * 1024;

// The most a connection's read buffer may hold.
inline std::size_t read_buffer_limit(std::uint64_t max_header_bytes) {
  return static_cast<std::size_t>(max_header_bytes) + kReadSlack;
}

// A request the gateway answers with an error and then closes the connection.
struct Refusal {
  http::status status;
  std::string_view message;
  // Set when a header guard refused it: counted in hookd_requests_refused_total.
  std::optional<HeaderRefusal> counted_as;
};

// The answer to a failed read; nullopt when the connection should just close
// (the client went away, timed out, or sent nothing).
std::optional<Refusal> refusal_for_read_error(boost::beast::error_code ec, bool began, bool header_done,
                                              bool chunk_budget_spent);

// Transfer-Encoding and Host, and the number of fields, once the header is
// in. Sets `expects_continue` when the request has `Expect: 100-continue`.
std::optional<Refusal> check_framing(const HttpRequest& req, std::size_t max_fields,
                                     bool* expects_continue = nullptr);

// Counts one request's header as a parser takes it, across reads: the bytes
// it consumed (start line included) plus those waiting in the buffer, and
// the fields it stored, and refuses folded lines. A complete header (the
// usual case: one read) costs an addition, a comparison and a memchr per
// line (the fold check); fields are walked only while a header spans reads,
// each field once (check_framing counts a complete header's).
class HeaderWatch {
 public:
  void reset(std::uint64_t max_bytes, std::size_t max_fields) {
    max_bytes_ = max_bytes;
    max_fields_ = max_fields;
    taken_ = 0;
    fields_ = 0;
    done_ = false;
  }
  // Whether the parser has completed the header (the watch is over).
  [[nodiscard]] bool done() const { return done_; }

  // After parser.put() consumed `taken` (the first bytes it was given) while
  // the header was incomplete, with `waiting` more bytes still buffered.
  std::optional<Refusal> took(const RequestParser& parser, std::string_view taken, std::size_t waiting) {
    taken_ += taken.size();
    if (folded(taken)) return obs_fold();
    if (parser.is_header_done()) {
      done_ = true;
      if (taken_ > max_bytes_) return too_large();
      return std::nullopt;
    }
    if (taken_ + waiting > max_bytes_) return too_large();
    return count_fields(parser.get());
  }

 private:
  static bool folded(std::string_view bytes);
  static Refusal obs_fold();
  static Refusal too_large();
  std::optional<Refusal> count_fields(const HttpRequest& req);

  std::uint64_t max_bytes_ = 0;
  std::size_t max_fields_ = 0;
  std::uint64_t taken_ = 0;
  std::size_t fields_ = 0;
  HttpFields::const_iterator last_;  // the last field counted, when fields_ > 0
  bool done_ = false;
};

// Watches the chunks of one request: the extensions of all its chunk-size
// lines together may take at most `extension_budget` bytes, and it notices
// trailer fields (in Beast they land among the header fields).
class ChunkWatch {
 public:
  // Installs itself on `parser`, which keeps a reference to it: this object
  // must outlive the parser's reads.
  void watch(RequestParser& parser, std::uint64_t extension_budget);
  [[nodiscard]] bool budget_spent() const { return spent_; }
  // Whether the finished request carried trailer fields.
  [[nodiscard]] bool saw_trailers() const;

  // Beast's chunk-header callback.
  void operator()(std::uint64_t size, boost::beast::string_view extensions, boost::beast::error_code& ec);

 private:
  RequestParser* parser_ = nullptr;
  std::uint64_t budget_ = 0;
  std::optional<std::size_t> header_fields_;  // counted at the first chunk
  bool spent_ = false;
};

}  // namespace hookd::server
