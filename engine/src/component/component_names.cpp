#include "component_names.hpp"

#include <vector>

namespace hookd::engine::component {
namespace {

bool lower_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool upper_or_digit(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    const size_t at = s.find(sep, start);
    if (at == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, at - start));
    start = at + 1;
  }
}

bool valid_fragment(std::string_view f, bool first) {
  if (f.empty()) return false;
  if (first && !((f[0] >= 'a' && f[0] <= 'z') || (f[0] >= 'A' && f[0] <= 'Z'))) return false;
  bool all_lower = true;
  bool all_upper = true;
  for (const char c : f) {
    all_lower = all_lower && lower_or_digit(c);
    all_upper = all_upper && upper_or_digit(c);
  }
  return all_lower || all_upper;
}

// words ::= first-word ('-' word)*: lower-case only.
bool valid_words(std::string_view s) {
  const auto parts = split(s, '-');
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string_view w = parts[i];
    if (w.empty()) return false;
    if (i == 0 && !(w[0] >= 'a' && w[0] <= 'z')) return false;
    for (const char c : w) {
      if (!lower_or_digit(c)) return false;
    }
  }
  return true;
}

bool valid_version(std::string_view v) {
  if (v.empty()) return false;
  for (const char c : v) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
                    c == '+' || c == '-';
    if (!ok) return false;
  }
  return v[0] >= '0' && v[0] <= '9';
}

// resource '.' label, as after [method] and [static].
bool split_member(std::string_view s, ExternName& out) {
  const size_t dot = s.find('.');
  if (dot == std::string_view::npos) return false;
  out.resource = s.substr(0, dot);
  out.label = s.substr(dot + 1);
  return valid_label(out.resource) && valid_label(out.label);
}

bool parse_interface_name(std::string_view s, ExternName& out, std::string& why) {
  out.form = NameForm::kInterface;
  std::string_view body = s;
  if (const size_t at = s.find('@'); at != std::string_view::npos) {
    out.version = s.substr(at + 1);
    body = s.substr(0, at);
    if (!valid_version(out.version)) {
      why = "bad version '" + out.version + "'";
      return false;
    }
  }
  const size_t colon = body.rfind(':');
  const size_t slash = body.find('/', colon);
  if (slash == std::string_view::npos) {
    why = "an interface name needs namespace:package/interface";
    return false;
  }
  out.ns = body.substr(0, colon);
  out.package = body.substr(colon + 1, slash - colon - 1);
  out.interface = body.substr(slash + 1);
  for (const std::string_view n : split(out.ns, ':')) {
    if (!valid_words(n)) {
      why = "bad namespace '" + out.ns + "'";
      return false;
    }
  }
  if (!valid_words(out.package)) {
    why = "bad package name '" + out.package + "'";
    return false;
  }
  for (const std::string_view p : split(out.interface, '/')) {
    if (!valid_label(p)) {
      why = "bad interface name '" + out.interface + "'";
      return false;
    }
  }
  return true;
}

}  // namespace

bool valid_label(std::string_view s) {
  const auto parts = split(s, '-');
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!valid_fragment(parts[i], i == 0)) return false;
  }
  return true;
}

bool parse_extern_name(std::string text, ExternName& out, std::string& why) {
  out.text = std::move(text);
  const std::string_view s = out.text;
  constexpr std::string_view kConstructor = "[constructor]";
  constexpr std::string_view kMethod = "[method]";
  constexpr std::string_view kStatic = "[static]";
  bool ok = false;
  if (s.starts_with(kConstructor)) {
    out.form = NameForm::kConstructor;
    out.resource = s.substr(kConstructor.size());
    out.label = out.resource;
    ok = valid_label(out.label);
  } else if (s.starts_with(kMethod)) {
    out.form = NameForm::kMethod;
    ok = split_member(s.substr(kMethod.size()), out);
  } else if (s.starts_with(kStatic)) {
    out.form = NameForm::kStatic;
    ok = split_member(s.substr(kStatic.size()), out);
  } else if (s.find(':') != std::string_view::npos) {
    return parse_interface_name(s, out, why);
  } else {
    out.form = NameForm::kPlain;
    out.label = s;
    ok = valid_label(s);
  }
  if (!ok) why = "'" + out.text + "' is not a kebab-case name";
  return ok;
}

}  // namespace hookd::engine::component
