// Parsing of --request, -H, --body-file and durations: the small text formats
// a user types. Each returns a message naming what was wrong.
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "hookd/load/options.hpp"

namespace hookd::load {
namespace {

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").contains(c);
}

std::vector<std::string_view> split_spaces(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    std::size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

std::expected<std::pair<std::string, std::string>, std::string> parse_header(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0)
    return std::unexpected("header '" + std::string(text) + "' is not 'Name: value'");
  const auto name = text.substr(0, colon);
  for (char c : name)
    if (!is_token_char(c))
      return std::unexpected("header name '" + std::string(name) + "' has invalid characters");
  auto value = text.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  if (value.find_first_of("\r\n") != std::string_view::npos)
    return std::unexpected("header '" + std::string(name) + "' value contains a line break");
  if (text.size() > Limits::max_header_line)
    return std::unexpected("header '" + std::string(name) + "' is too long");
  return std::pair{std::string(name), std::string(value)};
}

std::expected<std::string, std::string> read_body_file(const std::string& path, std::size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected("cannot read body file '" + path + "'");
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  if (size < 0) return std::unexpected("cannot size body file '" + path + "'");
  if (static_cast<std::size_t>(size) > limit)
    return std::unexpected("body file '" + path + "' is over the " + std::to_string(limit) + " byte limit");
  in.seekg(0);
  std::string body(static_cast<std::size_t>(size), '\0');
  in.read(body.data(), size);
  if (!in) return std::unexpected("cannot read body file '" + path + "'");
  return body;
}

std::expected<RequestKind, std::string> parse_request_spec(std::string_view spec) {
  const auto words = split_spaces(spec);
  const std::string quoted = "--request '" + std::string(spec) + "': ";
  if (words.size() < 2) return std::unexpected(quoted + "expected 'METHOD /path [key=value]...'");
  RequestKind kind;
  kind.method = std::string(words[0]);
  for (char c : kind.method)
    if (!is_token_char(c)) return std::unexpected(quoted + "bad method");
  kind.target = std::string(words[1]);
  if (!kind.target.starts_with('/')) return std::unexpected(quoted + "path must start with '/'");
  bool have_body = false;
  for (std::size_t i = 2; i < words.size(); ++i) {
    const auto eq = words[i].find('=');
    if (eq == std::string_view::npos)
      return std::unexpected(quoted + "'" + std::string(words[i]) + "' is not key=value");
    const auto key = words[i].substr(0, eq);
    const auto value = words[i].substr(eq + 1);
    if (key == "weight") {
      unsigned w = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), w);
      if (ec != std::errc{} || p != value.data() + value.size() || w == 0 || w > Limits::max_total_weight)
        return std::unexpected(quoted + "weight must be 1.." + std::to_string(Limits::max_total_weight));
      kind.weight = w;
    } else if (key == "header") {
      auto header = parse_header(value);
      if (!header) return std::unexpected(quoted + header.error());
      kind.headers.push_back(std::move(*header));
    } else if (key == "body") {
      if (have_body) return std::unexpected(quoted + "body given twice");
      have_body = true;
      if (value.starts_with('@')) {
        auto body = read_body_file(std::string(value.substr(1)), Limits::max_body_bytes);
        if (!body) return std::unexpected(quoted + body.error());
        kind.body = std::move(*body);
      } else {
        kind.body = std::string(value);
      }
    } else {
      return std::unexpected(quoted + "unknown key '" + std::string(key) + "' (want weight, header or body)");
    }
  }
  return kind;
}

std::expected<Nanos, std::string> parse_duration(std::string_view text) {
  double number = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc{} || number < 0 || !std::isfinite(number))
    return std::unexpected("'" + std::string(text) + "' is not a duration like 500ms, 10s, 2m");
  const std::string_view unit(p, text.data() + text.size());
  double scale = 0;
  if (unit.empty() || unit == "s")
    scale = 1e9;
  else if (unit == "ms")
    scale = 1e6;
  else if (unit == "us")
    scale = 1e3;
  else if (unit == "m")
    scale = 60e9;
  else if (unit == "h")
    scale = 3600e9;
  else
    return std::unexpected("'" + std::string(text) + "' has an unknown unit (want ms, s, m or h)");
  const double ns = number * scale;
  if (ns > static_cast<double>(Limits::max_duration.count()))
    return std::unexpected("'" + std::string(text) + "' is longer than 24h");
  return Nanos(static_cast<std::int64_t>(ns));
}

}  // namespace hookd::load
