#include "observability/log_escape.hpp"

#include <array>
#include <cstdint>

#include "hookd/util/hex.hpp"

namespace hookd::server {
namespace {

// Length of the well-formed UTF-8 sequence at the start of `s` and its code
// point, or 0 if it is not one (overlong forms, surrogates and values beyond
// U+10FFFF are not).
size_t utf8_sequence(std::string_view s, uint32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[0]);
  size_t len = 0;
  uint32_t min = 0;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    len = 2, cp = b0 & 0x1fu, min = 0x80;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    len = 3, cp = b0 & 0x0fu, min = 0x800;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    len = 4, cp = b0 & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() < len) return 0;
  for (size_t i = 1; i < len; ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if ((b & 0xc0u) != 0x80u) return 0;
    cp = (cp << 6) | (b & 0x3fu);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

// Code points a terminal or log viewer may act on rather than show.
bool invisible_control(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

void append_hex_byte(unsigned char b, std::string& out) {
  out += "\\x";
  out += util::kHexDigits[b >> 4];
  out += util::kHexDigits[b & 15];
}

void append_u_escape(uint32_t cp, std::string& out) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += util::kHexDigits[(cp >> shift) & 15];
}

constexpr bool plain_ascii(unsigned char c) { return c >= 0x20 && c < 0x7f && c != '\\' && c != '"'; }

// The bytes each form keeps as they are, as a table: one load per byte in
// the loop over a field (every access log line runs it over ~50 bytes).
// '"' is escaped in both: the text access log quotes the request line, and a
// client's quote inside it would end the field and let it forge the rest.
template <bool kJson>
constexpr std::array<bool, 256> kept_bytes() {
  std::array<bool, 256> kept{};
  for (unsigned c = 0; c < 256; ++c) kept[c] = plain_ascii(static_cast<unsigned char>(c));
  return kept;
}
template <bool kJson>
constexpr std::array<bool, 256> kKept = kept_bytes<kJson>();

}  // namespace

// One walk for both forms. They differ only in two places: JSON writes other
// ASCII controls as \u00XX rather than \xNN, and puts a JSON backslash
// before the \xNN of a byte that is not UTF-8.
namespace {

template <bool kJson>
void append_escaped(std::string_view in, std::string& out) {
  out.reserve(out.size() + in.size());
  size_t i = 0;
  while (i < in.size()) {
    // A run of bytes kept as they are goes in with one append (most of a
    // log line: ids, addresses, paths).
    size_t run = i;
    while (run < in.size() && kKept<kJson>[static_cast<unsigned char>(in[run])]) ++run;
    if (run > i) {
      out.append(in.data() + i, run - i);
      i = run;
      continue;
    }
    const auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if constexpr (kJson) {
            append_u_escape(c, out);
          } else {
            append_hex_byte(c, out);
          }
      }
      ++i;
      continue;
    }
    uint32_t cp = 0;
    const size_t len = utf8_sequence(in.substr(i), cp);
    if (len == 0) {
      if constexpr (kJson) out += '\\';  // a JSON backslash, then \xNN as text
      append_hex_byte(c, out);
      ++i;
    } else {
      if (invisible_control(cp)) {
        append_u_escape(cp, out);
      } else {
        out.append(in.data() + i, len);
      }
      i += len;
    }
  }
}

}  // namespace

void append_log_text(std::string_view in, std::string& out) { append_escaped<false>(in, out); }

std::string escape_log_text(std::string_view in) {
  std::string out;
  append_log_text(in, out);
  return out;
}

void append_json_string(std::string_view in, std::string& out) { append_escaped<true>(in, out); }

std::string_view without_query(std::string_view url) {
  // A plain loop: find_first_of("?#") calls memchr once per byte of `url`
  // (on every access log line).
  size_t end = 0;
  while (end < url.size() && url[end] != '?' && url[end] != '#') ++end;
  return url.substr(0, end);
}

}  // namespace hookd::server
