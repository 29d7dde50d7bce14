#include "fetch/wire_request.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "hookd/util/ascii.hpp"

namespace hookd::host::fetch {
namespace {

bool is_token(std::string_view text) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::ranges::all_of(text, [](unsigned char c) {
    return std::isalnum(c) || kSpecials.find(static_cast<char>(c)) != std::string_view::npos;
  });
}

bool is_field_value(std::string_view text) {
  return std::ranges::none_of(text, [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

// Set by the fetcher, or meaningful only for one hop (RFC 9110 7.6.1).
constexpr std::array<std::string_view, 10> kDropped{
    "host",    "content-length",    "connection", "keep-alive", "proxy-connection",
    "upgrade", "transfer-encoding", "te",         "trailer",    "proxy-authorization",
};

bool is_dropped(std::string_view name) {
  return std::ranges::any_of(kDropped, [&](std::string_view d) { return util::iequals(d, name); });
}

bool has_header(const std::vector<std::pair<std::string, std::string>>& headers, std::string_view name) {
  return std::ranges::any_of(headers, [&](const auto& h) { return util::iequals(h.first, name); });
}

bool same_origin(const FetchTarget& a, const FetchTarget& b) {
  return a.scheme == b.scheme && a.host == b.host && a.port == b.port;
}

}  // namespace

std::expected<WireRequest, FetchError> make_wire_request(const FetchRequest& request,
                                                         const FetchTarget& target) {
  if (!is_token(request.method)) {
    return std::unexpected(
        FetchError{FetchError::Code::kProtocol, fmt::format("bad HTTP method \"{}\"", request.method)});
  }
  WireRequest wire;
  wire.method = request.method;
  wire.target = target.target;
  wire.body = request.body;
  wire.headers.emplace_back("Host", target.host_header);
  for (const auto& [name, value] : request.headers) {
    if (!is_token(name) || !is_field_value(value)) {
      return std::unexpected(FetchError{FetchError::Code::kProtocol, fmt::format("bad header \"{}\"", name)});
    }
    if (!is_dropped(name)) wire.headers.emplace_back(name, value);
  }
  if (!has_header(wire.headers, "user-agent")) wire.headers.emplace_back("User-Agent", "hookd");
  // Servers may wait for a body forever on POST/PUT/PATCH without a length.
  wire.send_content_length = !request.body.empty() || request.method == "POST" || request.method == "PUT" ||
                             request.method == "PATCH";
  return wire;
}

FetchRequest redirected_request(const FetchRequest& request, int status, const FetchTarget& from,
                                const FetchTarget& to) {
  FetchRequest next = request;
  next.url = to.url;
  const bool to_get = (status == 303 && request.method != "HEAD") ||
                      ((status == 301 || status == 302) && request.method == "POST");
  if (to_get) {
    next.method = "GET";
    next.body.clear();
    std::erase_if(next.headers, [](const auto& h) {
      return h.first.size() >= 8 && util::iequals(std::string_view(h.first).substr(0, 8), "content-");
    });
  }
  if (!same_origin(from, to)) {
    std::erase_if(next.headers, [](const auto& h) {
      return util::iequals(h.first, "authorization") || util::iequals(h.first, "cookie");
    });
  }
  return next;
}

bool is_idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE" || method == "PUT" ||
         method == "DELETE";
}

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace hookd::host::fetch
