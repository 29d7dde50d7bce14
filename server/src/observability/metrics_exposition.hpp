// The Prometheus text exposition format 0.0.4, written family by family:
// shared by Metrics::render() and the series rendered from the plugin
// registry at scrape time (metrics_page.cpp).
#pragma once

#include <charconv>
#include <initializer_list>
#include <string>
#include <string_view>

namespace hookd::server::prom {

struct Label {
  std::string_view name;
  std::string_view value;
};

// Writes families and samples; one per metric family, in order, as the
// format requires all samples of a family to form one group.
class Exposition {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    // Help texts are our own constants, free of '\\' and '\n', so they need no escaping.
    out_.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  }

  // A label with an empty name is left out (an optional label, such as a
  // plugin series' version).
  template <class T>
  void sample(std::string_view name, std::initializer_list<Label> labels, T value) {
    out_.append(name);
    if (labels.size() != 0) {
      out_.push_back('{');
      bool first = true;
      for (const Label& l : labels) {
        if (l.name.empty()) continue;
        if (!first) out_.push_back(',');
        first = false;
        out_.append(l.name).append("=\"");
        append_escaped(l.value);
        out_.push_back('"');
      }
      out_.push_back('}');
    }
    out_.push_back(' ');
    append_number(value);
    out_.push_back('\n');
  }

  std::string take() { return std::move(out_); }

 private:
  // The format escapes exactly these three in label values.
  void append_escaped(std::string_view v) {
    for (char c : v) {
      switch (c) {
        case '\\':
          out_.append("\\\\");
          break;
        case '"':
          out_.append("\\\"");
          break;
        case '\n':
          out_.append("\\n");
          break;
        default:
          out_.push_back(c);
      }
    }
  }

  template <class T>
  void append_number(T v) {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, ec == std::errc() ? end : buf);
  }

  std::string out_;
};

}  // namespace hookd::server::prom
