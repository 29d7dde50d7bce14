#include "fetch/fetch_url.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <cctype>
#include <charconv>

#include "hookd/util/ascii.hpp"

namespace hookd::host::fetch {
namespace {

namespace urls = boost::urls;

FetchError bad_url(std::string_view url, std::string_view why) {
  return FetchError{FetchError::Code::kBadUrl, fmt::format("bad URL \"{}\": {}", url, why)};
}

// Quotes only the URL's start: the message goes to the plugin and its log.
FetchError too_long(std::string_view url) {
  return FetchError{FetchError::Code::kBadUrl,
                    fmt::format("bad URL \"{}...\": {} bytes, over the limit of {}", url.substr(0, 64),
                                url.size(), kMaxFetchUrlBytes)};
}

std::expected<FetchTarget, FetchError> from_view(const urls::url_view_base& u, std::string_view original) {
  FetchTarget t;
  if (u.scheme_id() == urls::scheme::http) {
    t.scheme = "http";
  } else if (u.scheme_id() == urls::scheme::https) {
    t.scheme = "https";
  } else {
    return std::unexpected(bad_url(original, "only http and https are supported"));
  }
  if (!u.has_authority() || u.encoded_host().empty()) return std::unexpected(bad_url(original, "no host"));
  if (u.has_userinfo()) return std::unexpected(bad_url(original, "credentials in the URL are not allowed"));

  switch (u.host_type()) {
    case urls::host_type::ipv4:
    case urls::host_type::ipv6: {
      const auto address = config::IpAddress::parse(std::string(u.host_address()));
      if (!address) return std::unexpected(bad_url(original, "bad IP address"));
      t.host = address->to_string();
      t.host_is_ip = true;
      break;
    }
    case urls::host_type::name: {
      // Percent-decoded; a name that is not plain DNS syntax would resolve in
      // surprising ways (or not at all), so it is refused here.
      std::string name = util::to_lower(u.host());
      if (name.ends_with('.')) name.pop_back();
      if (!config::is_domain_name(name)) return std::unexpected(bad_url(original, "bad host name"));
      t.host = std::move(name);
      break;
    }
    default:
      return std::unexpected(bad_url(original, "unsupported host"));
  }

  const std::uint16_t default_port = t.scheme == "https" ? 443 : 80;
  t.port = default_port;
  if (u.has_port()) {
    // Parsed here: port_number() wraps values over 65535 silently.
    const std::string_view text = u.port();
    if (!text.empty()) {
      std::uint32_t value = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec != std::errc{} || end != text.data() + text.size() || value == 0 || value > 65535) {
        return std::unexpected(bad_url(original, "bad port"));
      }
      t.port = static_cast<std::uint16_t>(value);
    }
  }

  const bool bracket = t.host.find(':') != std::string::npos;
  const std::string host_part = bracket ? fmt::format("[{}]", t.host) : t.host;
  t.host_header = t.port == default_port ? host_part : fmt::format("{}:{}", host_part, t.port);

  std::string path(std::string_view(u.encoded_path()));
  if (path.empty()) path = "/";
  // Boost.URL 1.81 reads "http://h:80abc/" as port 80 and path "abc/"; a
  // path after an authority starts with '/' (RFC 3986, path-abempty).
  if (path.front() != '/') return std::unexpected(bad_url(original, "bad port or path"));
  t.target = u.has_query() ? fmt::format("{}?{}", path, std::string_view(u.encoded_query())) : path;
  t.url = fmt::format("{}://{}{}", t.scheme, t.host_header, t.target);
  return t;
}

}  // namespace

std::expected<FetchTarget, FetchError> parse_fetch_url(std::string_view url) {
  if (url.size() > kMaxFetchUrlBytes) return std::unexpected(too_long(url));
  auto parsed = urls::parse_uri(url);  // absolute; a fragment is accepted and dropped
  if (!parsed) return std::unexpected(bad_url(url, "not an absolute URL"));
  return from_view(*parsed, url);
}

std::expected<FetchTarget, FetchError> resolve_location(const FetchTarget& base, std::string_view location) {
  if (location.size() > kMaxFetchUrlBytes) return std::unexpected(too_long(location));
  auto ref = urls::parse_uri_reference(location);
  if (!ref) return std::unexpected(bad_url(location, "bad redirect location"));
  auto base_url = urls::parse_uri(base.url);
  if (!base_url) return std::unexpected(bad_url(base.url, "bad base URL"));
  urls::url resolved;
  if (auto r = urls::resolve(*base_url, *ref, resolved); !r) {
    return std::unexpected(bad_url(location, "cannot resolve redirect location"));
  }
  if (resolved.buffer().size() > kMaxFetchUrlBytes) return std::unexpected(too_long(resolved.buffer()));
  return from_view(resolved, location);
}

std::expected<void, FetchError> check_allowlist(const FetchTarget& target, const FetchPolicy& policy) {
  const bool allowed = std::ranges::any_of(policy.allow, [&](const config::FetchPattern& p) {
    return p.allows(target.scheme, target.host, target.port);
  });
  if (allowed) return {};
  return std::unexpected(FetchError{FetchError::Code::kNotAllowed,
                                    fmt::format("fetch of {} is not allowed for this plugin", target.url)});
}

}  // namespace hookd::host::fetch
