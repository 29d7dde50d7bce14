// A strict parser of the Prometheus text exposition format (0.0.4), for
// tests that check what Metrics::render() emits: names, labels and their
// escapes, values, one TYPE and HELP per family before its samples. Any
// departure is an entry in Parsed::errors.
#pragma once

#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace hookd::test::prometheus {

using Labels = std::map<std::string, std::string>;

struct Sample {
  std::string name;
  Labels labels;
  double value = 0;
};

struct Parsed {
  std::map<std::string, std::string> types;  // family -> type
  std::set<std::string> helps;
  std::vector<Sample> samples;
  std::vector<std::string> errors;  // empty when the text is valid
};

inline bool is_name_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
inline bool is_name_char(char c) { return is_name_start(c) || std::isdigit(static_cast<unsigned char>(c)); }

inline bool valid_metric_name(std::string_view n) {
  if (n.empty() || !is_name_start(n[0])) return false;
  for (char c : n) {
    if (!is_name_char(c)) return false;
  }
  return true;
}

inline bool valid_label_name(std::string_view n) {
  return valid_metric_name(n) && n.find(':') == std::string_view::npos && !n.starts_with("__");
}

inline std::optional<double> parse_value(std::string_view v) {
  if (v == "+Inf") return INFINITY;
  if (v == "-Inf") return -INFINITY;
  if (v == "NaN") return NAN;
  double d = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
  return d;
}

// Parses `{a="x",b="y"}` at the start of `s`; advances past it.
inline std::optional<Labels> parse_labels(std::string_view& s, std::string& error) {
  Labels labels;
  s.remove_prefix(1);  // '{'
  while (!s.empty() && s[0] != '}') {
    const size_t eq = s.find('=');
    if (eq == std::string_view::npos) return error = "label without '='", std::nullopt;
    const std::string name(s.substr(0, eq));
    if (!valid_label_name(name)) return error = "bad label name '" + name + "'", std::nullopt;
    s.remove_prefix(eq + 1);
    if (s.empty() || s[0] != '"') return error = "label value not quoted", std::nullopt;
    s.remove_prefix(1);
    std::string value;
    for (;;) {
      if (s.empty()) return error = "unterminated label value", std::nullopt;
      const char c = s[0];
      s.remove_prefix(1);
      if (c == '"') break;
      if (c == '\n') return error = "raw newline in label value", std::nullopt;
      if (c != '\\') {
        value.push_back(c);
        continue;
      }
      if (s.empty()) return error = "dangling backslash", std::nullopt;
      const char esc = s[0];
      s.remove_prefix(1);
      if (esc == '\\')
        value.push_back('\\');
      else if (esc == '"')
        value.push_back('"');
      else if (esc == 'n')
        value.push_back('\n');
      else
        return error = std::string("bad escape \\") + esc, std::nullopt;
    }
    if (!labels.emplace(name, value).second) return error = "duplicate label " + name, std::nullopt;
    if (!s.empty() && s[0] == ',')
      s.remove_prefix(1);
    else if (s.empty() || s[0] != '}')
      return error = "expected ',' or '}'", std::nullopt;
  }
  if (s.empty()) return error = "unterminated label set", std::nullopt;
  s.remove_prefix(1);  // '}'
  return labels;
}

// The family a sample belongs to: histogram series carry a suffix.
inline std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (!name.ends_with(suffix)) continue;
    const std::string base = name.substr(0, name.size() - suffix.size());
    if (auto it = types.find(base); it != types.end() && it->second == "histogram") return base;
  }
  return name;
}

inline Parsed parse(std::string_view text) {
  Parsed p;
  std::set<std::string> closed;  // families whose group of lines has ended
  std::string current;
  auto enter = [&](const std::string& family, size_t line_no) {
    if (family == current) return;
    if (closed.contains(family)) {
      p.errors.push_back("line " + std::to_string(line_no) + ": " + family + " split in two groups");
    }
    if (!current.empty()) closed.insert(current);
    current = family;
  };
  if (!text.empty() && !text.ends_with('\n')) p.errors.push_back("text does not end with a newline");
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    auto fail = [&](const std::string& why) {
      p.errors.push_back("line " + std::to_string(line_no) + ": " + why + ": " + std::string(line));
    };
    if (line.empty()) {
      fail("empty line");
      continue;
    }
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      const bool help = line.starts_with("# HELP ");
      std::string_view rest = line.substr(7);
      const size_t sp = rest.find(' ');
      const std::string name(rest.substr(0, sp));
      const std::string_view arg = sp == std::string_view::npos ? "" : rest.substr(sp + 1);
      if (!valid_metric_name(name)) fail("bad metric name");
      enter(name, line_no);
      if (help) {
        if (!p.helps.insert(name).second) fail("second HELP");
        if (arg.empty()) fail("empty HELP");
      } else {
        static const std::set<std::string_view> kTypes = {"counter", "gauge", "histogram", "summary",
                                                          "untyped"};
        if (!kTypes.contains(arg)) fail("bad TYPE");
        if (!p.types.emplace(name, std::string(arg)).second) fail("second TYPE");
        for (const Sample& s : p.samples) {
          if (family_of(s.name, p.types) == name) fail("TYPE after samples");
        }
      }
      continue;
    }
    if (line.starts_with('#')) {
      fail("unexpected comment");
      continue;
    }
    Sample s;
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = std::string(line.substr(0, i));
    if (!valid_metric_name(s.name)) fail("bad sample name");
    std::string_view rest = line.substr(i);
    if (rest.starts_with('{')) {
      std::string error;
      auto labels = parse_labels(rest, error);
      if (!labels) {
        fail(error);
        continue;
      }
      s.labels = std::move(*labels);
    }
    if (!rest.starts_with(' ')) {
      fail("no space before value");
      continue;
    }
    rest.remove_prefix(1);
    auto value = parse_value(rest);  // render() emits no timestamps
    if (!value) {
      fail("bad value");
      continue;
    }
    s.value = *value;
    const std::string family = family_of(s.name, p.types);
    if (!p.types.contains(family)) fail("sample without TYPE");
    if (!p.helps.contains(family)) fail("sample without HELP");
    enter(family, line_no);
    p.samples.push_back(std::move(s));
  }
  return p;
}

// The value of the one sample named `name` whose labels include `want`.
inline std::optional<double> value(const Parsed& p, std::string_view name, const Labels& want = {}) {
  std::optional<double> found;
  for (const Sample& s : p.samples) {
    if (s.name != name) continue;
    bool match = true;
    for (const auto& [k, v] : want) {
      auto it = s.labels.find(k);
      if (it == s.labels.end() || it->second != v) match = false;
    }
    if (!match) continue;
    EXPECT_FALSE(found) << "more than one " << name << " sample matches";
    found = s.value;
  }
  return found;
}

}  // namespace hookd::test::prometheus
