// What a hookd-load run should do, as given on the command line, after
// validation. Every field has a limit so that a run is bounded in time,
// count and memory whatever the user types.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookd::load {

using Nanos = std::chrono::nanoseconds;

/// One kind of HTTP request in the mix; chosen `weight` times out of the sum.
struct RequestKind {
  std::string method = "GET";
  std::string target = "/";  // origin-form: path and query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  unsigned weight = 1;
};

enum class Protocol { http, websocket };

struct Options {
  Protocol protocol = Protocol::http;
  std::string host;
  std::uint16_t port = 0;
  std::vector<RequestKind> kinds;  // HTTP: at least one; WebSocket: unused

  std::string ws_path = "/";
  std::string ws_message;  // each message is one request
  bool ws_binary = false;
  std::uint64_t ws_messages_per_connection = 0;  // 0: keep the connection

  unsigned connections = 10;
  unsigned threads = 1;
  unsigned pipeline = 1;
  double rate = 0;  // requests/s across all connections; 0 is closed loop

  std::optional<Nanos> duration;          // measured time, after warmup
  std::optional<std::uint64_t> requests;  // measured requests, after warmup
  Nanos warmup{0};
  Nanos timeout = std::chrono::seconds(10);

  std::size_t max_response_bytes = 16 << 20;
  int histogram_digits = 3;

  std::string json_path;
  std::string plot_path;
  bool progress = true;  // still only shown when stderr is a terminal
};

/// A bad command line: print `message` and exit with `exit_code` (2 for
/// usage errors, 0 for --help with the help text as message).
struct UsageError {
  std::string message;
  int exit_code = 2;
};

std::expected<Options, UsageError> parse_options(int argc, const char* const* argv);

/// "250ms", "10s", "2m", "1h", or bare seconds ("1.5").
std::expected<Nanos, std::string> parse_duration(std::string_view text);

/// The --request syntax, documented in loadtest/README.md:
///   METHOD /path [header=Name:Value]... [body=TEXT | body=@FILE] [weight=N]
std::expected<RequestKind, std::string> parse_request_spec(std::string_view spec);

/// "Name: value" as given to -H.
std::expected<std::pair<std::string, std::string>, std::string> parse_header(std::string_view text);

/// Reads a body file, refusing files over `limit` bytes.
std::expected<std::string, std::string> read_body_file(const std::string& path, std::size_t limit);

/// Hard limits, shared by validation and the docs.
struct Limits {
  static constexpr unsigned max_connections = 10'000;
  static constexpr unsigned max_threads = 64;
  static constexpr unsigned max_pipeline = 256;
  static constexpr double max_rate = 10'000'000;
  static constexpr unsigned max_kinds = 64;
  static constexpr unsigned max_total_weight = 10'000;
  static constexpr std::size_t max_body_bytes = 64 << 20;
  static constexpr std::size_t max_header_line = 8 << 10;
  static constexpr Nanos max_duration = std::chrono::hours(24);
  static constexpr Nanos max_timeout = std::chrono::minutes(10);
};

}  // namespace hookd::load
