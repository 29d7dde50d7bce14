// The fetch client's HTTP/1.1 response parser, fed bytes (from a socket, a
// test or a fuzzer) through a buffer it bounds itself. Everything an upstream
// sends is charged against a limit before it is kept:
// - the response head (status lines, fields, chunk-size lines with their
//   extensions, the CRLFs between chunks, trailers, and any 1xx responses
//   skipped on the way) shares one budget counted across reads, so neither
//   many small lines nor an endless line nor endless trailers get past it;
// - the body may not grow past its limit, checked before it grows;
// - the read buffer never holds more than one read past what the head budget
//   has left, since only an unfinished head element is ever left in it.
// Beast is used for the grammar only; it stays inside response_parser.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "hookd/host/fetch.hpp"

namespace hookd::host::fetch {

struct ResponseLimits {
  std::uint64_t max_body_bytes;
  std::uint32_t max_head_bytes;
};

class ResponseParser {
 public:
  /// How much one read may bring in at most.
  static constexpr std::size_t kReadBytes = 16 << 10;

  enum class State { kNeedMore, kDone, kFailed };

  /// `head_request`: the response to a HEAD has no body, whatever its
  /// framing headers say.
  ResponseParser(ResponseLimits limits, bool head_request);
  ~ResponseParser();
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  /// Where the next read goes: at most kReadBytes, empty once done or failed.
  std::span<char> prepare();
  /// `n` bytes were read into prepare()'s span; parses them.
  State commit(std::size_t n);
  /// Copies `bytes` in through prepare()/commit(): for tests and fuzzing.
  State feed(std::string_view bytes);
  /// The upstream closed the connection: ends a body delimited by EOF, fails
  /// anything else unfinished.
  State eof();

  State state() const { return state_; }
  /// Set once failed: kTooLarge (with which limit), or kProtocol.
  const std::optional<FetchError>& error() const { return error_; }
  /// Whether any byte arrived at all (a stale pooled connection sends none).
  bool got_some() const { return received_ != 0; }
  /// Response-head bytes charged so far, 1xx responses included.
  std::uint64_t head_bytes() const { return head_used_; }
  /// The buffer's current allocation: what the bounds keep small.
  std::size_t buffer_capacity() const;
  /// Once done: whether the upstream keeps the connection open and sent no
  /// byte past the response, so the connection can carry another request.
  bool reusable() const;
  /// Once done: the final response (final_url left empty).
  FetchResponse take();

  struct Impl;

 private:
  State fail(FetchError::Code code, std::string message);
  State parse();

  std::unique_ptr<Impl> impl_;
  State state_ = State::kNeedMore;
  std::optional<FetchError> error_;
  std::uint64_t received_ = 0;
  std::uint64_t head_used_ = 0;
};

}  // namespace hookd::host::fetch
