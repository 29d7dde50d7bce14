#include "net/request_guard.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <cstring>
#include <iterator>

#include "hookd/util/ascii.hpp"

namespace hookd::server {
namespace {

namespace beast = boost::beast;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

size_t field_count(const HttpRequest& req) {
  return static_cast<size_t>(std::distance(req.begin(), req.end()));
}

Refusal too_many_fields() {
  return {http::status::request_header_fields_too_large, "too many request header fields",
          HeaderRefusal::kFields};
}

}  // namespace

std::optional<Refusal> refusal_for_read_error(beast::error_code ec, bool began, bool header_done,
                                              bool chunk_budget_spent) {
  if (ec == http::error::end_of_stream || ec == boost::asio::error::operation_aborted ||
      ec == boost::asio::error::bad_descriptor || ec == boost::asio::error::connection_reset ||
      ec == beast::error::timeout) {
    return std::nullopt;
  }
  if (ec == http::error::header_limit) {
    return Refusal{http::status::request_header_fields_too_large, "request header too large",
                   HeaderRefusal::kBytes};
  }
  if (ec == http::error::body_limit)
    return Refusal{http::status::payload_too_large, "request body too large"};
  if (ec == http::error::buffer_overflow) {
    if (!header_done) {
      return Refusal{http::status::request_header_fields_too_large, "request header too large",
                     HeaderRefusal::kBytes};
    }
    return Refusal{http::status::payload_too_large, "chunk-size line or trailer section too large"};
  }
  if (chunk_budget_spent) return Refusal{http::status::payload_too_large, "chunk extensions over the limit"};
  if (!began) return std::nullopt;
  return Refusal{http::status::bad_request, "malformed request"};
}

std::optional<Refusal> check_framing(const HttpRequest& req, std::size_t max_fields, bool* expects_continue) {
  // One walk over the fields (field_scan.hpp): their number, the Host count,
  // Expect and every Transfer-Encoding coding.
  size_t fields = 0;
  size_t hosts = 0;
  size_t encodings = 0;  // Transfer-Encoding fields
  size_t codings = 0;
  bool chunked = false;
  for (const auto& field : req) {
    if (++fields > max_fields) return too_many_fields();
    if (field.name() == http::field::host) ++hosts;
    if (field.name() == http::field::expect && expects_continue != nullptr) {
      *expects_continue = util::iequals(trim({field.value().data(), field.value().size()}), "100-continue");
    }
    if (field.name() != http::field::transfer_encoding) continue;
    ++encodings;
    // Exactly one coding in all Transfer-Encoding fields together, and it is
    // `chunked`: anything else would be a body Beast frames differently (a
    // non-chunked final coding reads as "no body", leaving the body to be
    // parsed as the next request).
    std::string_view value(field.value().data(), field.value().size());
    while (true) {
      const size_t comma = value.find(',');
      const std::string_view coding = trim(value.substr(0, comma));
      if (!coding.empty()) {
        ++codings;
        chunked = util::iequals(coding, "chunked");
      }
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
  }
  if (req.version() >= 11 ? hosts != 1 : hosts > 1) {
    return Refusal{http::status::bad_request, "a request needs exactly one Host header"};
  }
  if (encodings == 0) return std::nullopt;
  if (req.version() < 11)
    return Refusal{http::status::bad_request, "Transfer-Encoding is not allowed in HTTP/1.0"};
  if (codings != 1 || !chunked) {
    return Refusal{http::status::not_implemented, "unsupported transfer coding: only chunked is accepted"};
  }
  return std::nullopt;
}

bool HeaderWatch::folded(std::string_view bytes) {
  // Beast consumes a field line together with its continuation lines (it
  // looks one byte past each CRLF for them), so a fold never straddles two
  // puts: each line start is seen once, right after the LF.
  const char* p = bytes.data();
  const char* const end = p + bytes.size();
  while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)))) != nullptr) {
    if (++p == end) return false;
    if (*p == ' ' || *p == '\t') return true;
  }
  return false;
}

Refusal HeaderWatch::obs_fold() {
  return {http::status::bad_request, "folded header lines (obs-fold) are not accepted",
          HeaderRefusal::kObsFold};
}

Refusal HeaderWatch::too_large() {
  return {http::status::request_header_fields_too_large, "request header too large", HeaderRefusal::kBytes};
}

std::optional<Refusal> HeaderWatch::count_fields(const HttpRequest& req) {
  // Fields are never removed while the header is parsed: the walk goes on
  // from the last one counted.
  auto it = fields_ == 0 ? req.begin() : std::next(last_);
  for (; it != req.end(); ++it) {
    last_ = it;
    if (++fields_ > max_fields_) return too_many_fields();
  }
  return std::nullopt;
}

void ChunkWatch::watch(RequestParser& parser, std::uint64_t extension_budget) {
  parser_ = &parser;
  budget_ = extension_budget;
  header_fields_.reset();
  spent_ = false;
  parser.on_chunk_header(*this);
}

bool ChunkWatch::saw_trailers() const {
  return header_fields_ && parser_ != nullptr && field_count(parser_->get()) != *header_fields_;
}

void ChunkWatch::operator()(std::uint64_t, beast::string_view extensions, beast::error_code& ec) {
  // Every header field is in by the first chunk; trailers come after the last.
  if (!header_fields_) header_fields_ = field_count(parser_->get());
  if (extensions.size() > budget_) {
    spent_ = true;
    ec = http::error::bad_chunk_extension;
    return;
  }
  budget_ -= extensions.size();
}

}  // namespace hookd::server
