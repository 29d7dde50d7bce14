// The command line of hookd-load: CLI11 does the flag syntax, this file does
// the meaning (URL, request kinds, limits) and turns every problem into a
// usage error with exit code 2.
#include "hookd/load/options.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <boost/url/parse.hpp>

namespace hookd::load {
namespace {

constexpr std::string_view kFooter = R"(
Target: http://HOST:PORT/PATH or ws://HOST:PORT/PATH (no TLS).
--request 'METHOD /path [header=Name:Value]... [body=TEXT|body=@FILE] [weight=N]'
  may be repeated; kinds are mixed in proportion to their weights.
Durations take ms, s, m or h (default s). Without -d or -n a run lasts 10s.
Open loop (--rate) measures latency from each request's intended send time.)";

struct Raw {
  std::string url;
  std::string method;
  std::vector<std::string> headers;
  std::string body;
  std::string body_file;
  std::vector<std::string> requests;
  std::string duration, warmup = "0", timeout = "10s";
  std::uint64_t requests_count = 0;
  bool no_progress = false;
};

std::expected<void, std::string> apply_url(const std::string& text, Options& o) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return std::unexpected("target '" + text + "' is not a URL");
  const auto& url = *parsed;
  if (url.scheme() == "http")
    o.protocol = Protocol::http;
  else if (url.scheme() == "ws")
    o.protocol = Protocol::websocket;
  else
    return std::unexpected("target scheme '" + std::string(url.scheme()) +
                           "' is not supported (want http or ws)");
  if (!url.has_authority() || url.host().empty()) return std::unexpected("target '" + text + "' has no host");
  if (url.has_userinfo()) return std::unexpected("target '" + text + "' must not carry credentials");
  o.host = url.host_address();
  if (url.has_port()) {
    if (url.port_number() == 0) return std::unexpected("target '" + text + "' has a bad port");
    o.port = url.port_number();
  } else {
    o.port = 80;
  }
  std::string path = url.encoded_path().empty() ? "/" : std::string(url.encoded_path());
  if (url.has_query()) path += "?" + std::string(url.encoded_query());
  o.ws_path = path;
  return {};
}

template <typename T>
std::expected<void, std::string> in_range(const char* flag, T value, T lo, T hi) {
  if (value < lo || value > hi) return std::unexpected(fmt::format("{} must be {}..{}", flag, lo, hi));
  return {};
}

std::expected<void, std::string> finish(const Raw& raw, Options& o) {
  if (auto r = apply_url(raw.url, o); !r) return r;
  for (auto r : {in_range<unsigned>("-c/--connections", o.connections, 1, Limits::max_connections),
                 in_range<unsigned>("-t/--threads", o.threads, 1, Limits::max_threads),
                 in_range<unsigned>("--pipeline", o.pipeline, 1, Limits::max_pipeline),
                 in_range<double>("--rate", o.rate, 0, Limits::max_rate),
                 in_range<int>("--digits", o.histogram_digits, 1, 4)})
    if (!r) return r;
  if (o.connections < o.threads) return std::unexpected("-c/--connections must be at least -t/--threads");
  if (o.max_response_bytes == 0 || o.max_response_bytes > Limits::max_body_bytes)
    return std::unexpected(fmt::format("--max-response must be 1..{}", Limits::max_body_bytes));

  if (!raw.duration.empty()) {
    auto d = parse_duration(raw.duration);
    if (!d) return std::unexpected("-d/--duration: " + d.error());
    if (d->count() == 0) return std::unexpected("-d/--duration must be positive");
    o.duration = *d;
  }
  if (raw.requests_count > 0) o.requests = raw.requests_count;
  if (!o.duration && !o.requests) o.duration = std::chrono::seconds(10);
  auto warmup = parse_duration(raw.warmup);
  if (!warmup) return std::unexpected("--warmup: " + warmup.error());
  o.warmup = *warmup;
  auto timeout = parse_duration(raw.timeout);
  if (!timeout) return std::unexpected("--timeout: " + timeout.error());
  if (timeout->count() == 0 || *timeout > Limits::max_timeout)
    return std::unexpected("--timeout must be over 0 and at most 10m");
  o.timeout = *timeout;

  if (!raw.body.empty() && !raw.body_file.empty())
    return std::unexpected("give --body or --body-file, not both");
  std::string body = raw.body;
  if (!raw.body_file.empty()) {
    auto b = read_body_file(raw.body_file, Limits::max_body_bytes);
    if (!b) return std::unexpected(b.error());
    body = std::move(*b);
  }
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& h : raw.headers) {
    auto parsed = parse_header(h);
    if (!parsed) return std::unexpected("-H: " + parsed.error());
    headers.push_back(std::move(*parsed));
  }

  if (o.protocol == Protocol::websocket) {
    if (!raw.requests.empty())
      return std::unexpected("--request is for http targets; a ws target sends --body");
    if (!raw.method.empty()) return std::unexpected("-m/--method is for http targets");
    if (!headers.empty()) return std::unexpected("-H is for http targets");
    o.ws_message = std::move(body);
    return {};
  }
  if (o.ws_binary || o.ws_messages_per_connection)
    return std::unexpected("--ws-* options need a ws:// target");

  if (raw.requests.empty()) {
    RequestKind kind;
    kind.method = raw.method.empty() ? (body.empty() ? "GET" : "POST") : raw.method;
    kind.target = o.ws_path;
    kind.body = std::move(body);
    kind.headers = headers;
    o.kinds.push_back(std::move(kind));
  } else {
    if (!raw.method.empty() || !raw.body.empty() || !raw.body_file.empty())
      return std::unexpected("with --request, give method and body inside each --request");
    if (raw.requests.size() > Limits::max_kinds)
      return std::unexpected(fmt::format("at most {} --request kinds", Limits::max_kinds));
    unsigned total = 0;
    for (const auto& spec : raw.requests) {
      auto kind = parse_request_spec(spec);
      if (!kind) return std::unexpected(kind.error());
      // Global -H headers come first so a kind can add to them.
      kind->headers.insert(kind->headers.begin(), headers.begin(), headers.end());
      total += kind->weight;
      o.kinds.push_back(std::move(*kind));
    }
    if (total > Limits::max_total_weight)
      return std::unexpected(fmt::format("--request weights sum over {}", Limits::max_total_weight));
  }
  return {};
}

}  // namespace

std::expected<Options, UsageError> parse_options(int argc, const char* const* argv) {
  Options o;
  Raw raw;
  CLI::App app{"hookd-load: HTTP/1.1 and WebSocket load generator (closed and open loop)", "hookd-load"};
  app.footer(std::string(kFooter));
  app.add_option("url", raw.url, "target URL, http:// or ws://")->required();
  app.add_option("-c,--connections", o.connections, "connections, spread over threads (default 10)");
  app.add_option("-t,--threads", o.threads, "I/O threads (default 1)");
  app.add_option("-d,--duration", raw.duration, "measured duration, e.g. 30s (default 10s unless -n)");
  app.add_option("-n,--requests", raw.requests_count, "measured requests to send, then stop");
  app.add_option("--warmup", raw.warmup, "run this long first, excluded from results");
  app.add_option("-r,--rate", o.rate, "open loop: requests/s across all connections");
  app.add_option("--pipeline", o.pipeline, "requests in flight per connection (default 1)");
  app.add_option("-m,--method", raw.method, "HTTP method (default GET, POST with a body)");
  app.add_option("-H,--header", raw.headers, "'Name: value', repeatable");
  app.add_option("--body", raw.body, "request body or WebSocket message");
  app.add_option("--body-file", raw.body_file, "read the body or message from a file");
  app.add_option("--request", raw.requests, "a weighted request kind, repeatable (see below)");
  app.add_option("--timeout", raw.timeout, "per-request timeout (default 10s)");
  app.add_flag("--ws-binary", o.ws_binary, "send binary WebSocket messages (default text)");
  app.add_option("--ws-messages", o.ws_messages_per_connection,
                 "messages per WebSocket connection, then reconnect (0: never)");
  app.add_option("--max-response", o.max_response_bytes, "largest response body accepted (bytes)");
  app.add_option("--digits", o.histogram_digits, "histogram significant digits 1..4 (default 3)");
  app.add_option("--json", o.json_path, "write all results as JSON to this file");
  app.add_option("--plot", o.plot_path,
                 "render latency and throughput over time to this PNG (needs gnuplot)");
  app.add_flag("--no-progress", raw.no_progress, "no live progress line even on a terminal");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return std::unexpected(UsageError{app.help(), 0});
  } catch (const CLI::ParseError& e) {
    return std::unexpected(UsageError{std::string(e.what()) + "\nRun with --help for more information."});
  }
  o.progress = !raw.no_progress;
  if (auto r = finish(raw, o); !r) return std::unexpected(UsageError{r.error()});
  return o;
}

}  // namespace hookd::load
