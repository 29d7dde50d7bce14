#include "fetch/response_parser.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace hookd::host::fetch {
namespace {

namespace http = boost::beast::http;
using boost::system::error_code;
using Code = FetchError::Code;

// A body announced by Content-Length is allocated as it arrives past this,
// so a length the upstream never sends costs nothing up front.
constexpr std::uint64_t kInitialBodyReserve = 64 << 10;

// One message of the response: the grammar is Beast's, every byte it hands
// over is checked here before it is copied.
class Message final : public http::basic_parser<false> {
 public:
  Message(std::string& body, std::uint64_t max_body, bool head_request) : body_(body), max_body_(max_body) {
    eager(true);
    body_limit(max_body);
    if (head_request) skip(true);
  }

  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  // Set when a callback refused the message; wins over Beast's error code.
  std::optional<FetchError> refusal;
  // Body bytes consumed by the current put(): the rest of what it consumed
  // was response head.
  std::uint64_t body_consumed = 0;
  // What the fields copied so far may still take of the head budget.
  std::uint64_t field_room = 0;

 private:
  void refuse(Code code, std::string message, error_code& ec) {
    refusal = FetchError{code, std::move(message)};
    ec = http::error::header_limit;  // any error: it ends put() and `refusal` says why
  }

  void on_request_impl(http::verb, boost::beast::string_view, boost::beast::string_view, int,
                       error_code& ec) override {
    ec = http::error::bad_method;  // never called for a response parser
  }
  void on_response_impl(int code, boost::beast::string_view, int, error_code& ec) override {
    // Beast takes any three digits; a status below 100 means nothing.
    if (code < 100) refuse(Code::kProtocol, fmt::format("bad response: status {:03}", code), ec);
    status = code;
  }

  void on_field_impl(http::field, boost::beast::string_view name, boost::beast::string_view value,
                     error_code& ec) override {
    const std::uint64_t size = name.size() + value.size();
    if (size > field_room) {
      refuse(Code::kTooLarge, "response headers are over the limit", ec);
      return;
    }
    field_room -= size;
    headers.emplace_back(std::string(name), std::string(value));
  }

  void on_header_impl(error_code&) override {}

  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code& ec) override {
    if (length && *length > max_body_ - body_.size()) {
      refuse(Code::kTooLarge, fmt::format("response body is over {} bytes", max_body_), ec);
      return;
    }
    if (length) body_.reserve(body_.size() + std::min(*length, kInitialBodyReserve));
  }

  std::size_t on_body_impl(boost::beast::string_view data, error_code& ec) override {
    return append(data, ec);
  }

  void on_chunk_header_impl(std::uint64_t, boost::beast::string_view, error_code&) override {}

  std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view data, error_code& ec) override {
    return append(data, ec);
  }

  void on_finish_impl(error_code&) override {}

  std::size_t append(boost::beast::string_view data, error_code& ec) {
    if (data.size() > max_body_ - body_.size()) {
      refuse(Code::kTooLarge, fmt::format("response body is over {} bytes", max_body_), ec);
      return 0;
    }
    const std::size_t needed = body_.size() + data.size();
    if (needed > body_.capacity()) {
      // Doubling, but never past the limit. A fresh string gets exactly what
      // it reserves (growing one in place may double past the limit).
      std::string grown;
      grown.reserve(static_cast<std::size_t>(
          std::min<std::uint64_t>(std::max(needed, body_.capacity() * 2), max_body_)));
      grown.append(body_);
      body_.swap(grown);
    }
    body_.append(data.data(), data.size());
    body_consumed += data.size();
    return data.size();
  }

  std::string& body_;
  const std::uint64_t max_body_;
};

}  // namespace

struct ResponseParser::Impl {
  ResponseLimits limits;
  bool head_request;
  std::string body;
  std::optional<Message> message;
  // Bytes read but not yet consumed are buffer[start, end).
  std::vector<char> buffer;
  std::size_t start = 0;
  std::size_t end = 0;

  std::size_t unconsumed() const { return end - start; }
  void next_message() { message.emplace(body, limits.max_body_bytes, head_request); }
};

ResponseParser::ResponseParser(ResponseLimits limits, bool head_request)
    : impl_(std::make_unique<Impl>(Impl{.limits = limits, .head_request = head_request})) {
  impl_->next_message();
}

ResponseParser::~ResponseParser() = default;

std::size_t ResponseParser::buffer_capacity() const { return impl_->buffer.capacity(); }

std::span<char> ResponseParser::prepare() {
  if (state_ != State::kNeedMore) return {};
  auto& b = *impl_;
  if (b.start > 0) {
    // Only an unfinished head element is left (bounded by the head budget),
    // so moving it to the front is cheap.
    std::memmove(b.buffer.data(), b.buffer.data() + b.start, b.unconsumed());
    b.end -= b.start;
    b.start = 0;
  }
  if (b.buffer.size() < b.end + kReadBytes) {
    b.buffer.reserve(b.end + kReadBytes);  // exactly: resize() alone may double
    b.buffer.resize(b.end + kReadBytes);
  }
  return {b.buffer.data() + b.end, kReadBytes};
}

ResponseParser::State ResponseParser::commit(std::size_t n) {
  if (state_ != State::kNeedMore) return state_;
  auto& b = *impl_;
  b.end += std::min(n, b.buffer.size() - b.end);
  received_ += n;
  return parse();
}

ResponseParser::State ResponseParser::feed(std::string_view bytes) {
  while (!bytes.empty() && state_ == State::kNeedMore) {
    auto space = prepare();
    const std::size_t n = std::min(space.size(), bytes.size());
    std::memcpy(space.data(), bytes.data(), n);
    bytes.remove_prefix(n);
    commit(n);
  }
  return state_;
}

ResponseParser::State ResponseParser::fail(FetchError::Code code, std::string message) {
  error_ = FetchError{code, std::move(message)};
  state_ = State::kFailed;
  auto& b = *impl_;
  std::string().swap(b.body);
  std::vector<char>().swap(b.buffer);  // gives the memory back, not just the size
  b.start = b.end = 0;
  return state_;
}

ResponseParser::State ResponseParser::parse() {
  auto& b = *impl_;
  const std::uint64_t max_head = b.limits.max_head_bytes;
  for (;;) {
    Message& m = *b.message;
    if (b.unconsumed() == 0) return state_;
    const std::uint64_t room = max_head - head_used_;
    // Beast's own limit sees only the bytes of this call; ours is the rest of
    // the budget, whatever earlier calls already consumed.
    m.header_limit(static_cast<std::uint32_t>(std::max<std::uint64_t>(room, 1)));
    m.field_room = room;
    m.body_consumed = 0;
    error_code ec;
    const std::size_t used = m.put(boost::asio::const_buffer(b.buffer.data() + b.start, b.unconsumed()), ec);
    b.start += used;
    head_used_ += used - m.body_consumed;
    if (m.refusal) return fail(m.refusal->code, m.refusal->message);
    if (ec == http::error::header_limit || head_used_ > max_head) {
      return fail(Code::kTooLarge, fmt::format("response head is over {} bytes", max_head));
    }
    if (ec == http::error::body_limit) {
      return fail(Code::kTooLarge, fmt::format("response body is over {} bytes", b.limits.max_body_bytes));
    }
    if (ec && ec != http::error::need_more) {
      return fail(Code::kProtocol, fmt::format("bad response: {}", ec.message()));
    }
    if (m.is_done()) {
      // An interim response (100 Continue, 103 Early Hints...) is not the
      // answer; its bytes stay charged to the head budget.
      if (m.status >= 100 && m.status < 200 && m.status != 101) {
        b.next_message();
        continue;
      }
      state_ = State::kDone;
      return state_;
    }
    // Whatever is left unconsumed is an unfinished head element: it may not
    // outgrow what the budget has left.
    if (head_used_ + b.unconsumed() > max_head) {
      return fail(Code::kTooLarge, fmt::format("response head is over {} bytes", max_head));
    }
    return state_;
  }
}

ResponseParser::State ResponseParser::eof() {
  if (state_ != State::kNeedMore) return state_;
  auto& m = *impl_->message;
  if (received_ == 0) return fail(Code::kConnect, "the connection closed before any response");
  if (m.is_header_done() && m.need_eof()) {
    error_code ec;
    m.put_eof(ec);
    if (!ec && m.is_done()) {
      state_ = State::kDone;
      return state_;
    }
  }
  return fail(Code::kConnect, "the connection closed before the response was complete");
}

bool ResponseParser::reusable() const {
  const auto& m = *impl_->message;
  return state_ == State::kDone && m.status != 101 && m.keep_alive() && !m.need_eof() &&
         impl_->unconsumed() == 0;
}

FetchResponse ResponseParser::take() {
  FetchResponse response;
  if (state_ != State::kDone) return response;
  auto& m = *impl_->message;
  response.status = m.status;
  response.headers = std::move(m.headers);
  response.body = std::move(impl_->body);
  return response;
}

}  // namespace hookd::host::fetch
