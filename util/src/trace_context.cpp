#include "hookd/util/trace_context.hpp"

#include <algorithm>

#include "hookd/util/hex.hpp"

namespace hookd::util {
namespace {

template <std::size_t N>
bool all_zero(const std::array<uint8_t, N>& id) {
  return std::all_of(id.begin(), id.end(), [](uint8_t b) { return b == 0; });
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool lcalpha(char c) { return c >= 'a' && c <= 'z'; }
bool digit(char c) { return c >= '0' && c <= '9'; }
bool key_char(char c) { return lcalpha(c) || digit(c) || c == '_' || c == '-' || c == '*' || c == '/'; }

// key = simple-key / tenant-id "@" system-id (the recommendation's grammar).
bool tracestate_key(std::string_view key) {
  const auto at = key.find('@');
  if (at == std::string_view::npos) {
    return !key.empty() && key.size() <= 256 && lcalpha(key.front()) &&
           std::all_of(key.begin(), key.end(), key_char);
  }
  const std::string_view tenant = key.substr(0, at);
  const std::string_view system = key.substr(at + 1);
  return !tenant.empty() && tenant.size() <= 241 && (lcalpha(tenant.front()) || digit(tenant.front())) &&
         std::all_of(tenant.begin(), tenant.end(), key_char) && !system.empty() && system.size() <= 14 &&
         lcalpha(system.front()) && std::all_of(system.begin(), system.end(), key_char);
}

// value = 0*255(chr) nblk-chr; chr = SP / nblk-chr; nblk-chr is printable
// ASCII but ',' and '='.
bool tracestate_value(std::string_view value) {
  if (value.empty() || value.size() > 256 || value.back() == ' ') return false;
  return std::all_of(value.begin(), value.end(),
                     [](char c) { return c >= 0x20 && c <= 0x7e && c != ',' && c != '='; });
}

}  // namespace

std::optional<TraceContext> parse_traceparent(std::string_view value) {
  value = trim_ows(value);
  if (value.size() < kTraceparentSize || value.size() > kMaxTraceparentBytes) return std::nullopt;
  std::array<uint8_t, 1> version{};
  if (!read_lower_hex(value.substr(0, 2), version) || version[0] == 0xff) return std::nullopt;
  if (version[0] == 0 && value.size() != kTraceparentSize) return std::nullopt;
  // A later version keeps version 00's fields first; what follows starts with '-'.
  if (value.size() > kTraceparentSize && value[kTraceparentSize] != '-') return std::nullopt;
  if (value[2] != '-' || value[35] != '-' || value[52] != '-') return std::nullopt;
  TraceContext ctx;
  std::array<uint8_t, 1> flags{};
  if (!read_lower_hex(value.substr(3, 32), ctx.trace_id) ||
      !read_lower_hex(value.substr(36, 16), ctx.span_id) || !read_lower_hex(value.substr(53, 2), flags)) {
    return std::nullopt;
  }
  if (all_zero(ctx.trace_id) || all_zero(ctx.span_id)) return std::nullopt;
  // Only the sampled bit is defined; the others are not passed on.
  ctx.flags = static_cast<uint8_t>(flags[0] & TraceContext::kSampled);
  return ctx;
}

bool acceptable_tracestate(std::string_view value) {
  if (value.size() > kMaxTracestateBytes) return false;
  std::array<std::string_view, kMaxTracestateMembers> keys{};
  std::size_t members = 0;
  std::size_t start = 0;
  while (start <= value.size()) {
    auto end = value.find(',', start);
    if (end == std::string_view::npos) end = value.size();
    const std::string_view member = trim_ows(value.substr(start, end - start));
    start = end + 1;
    if (member.empty()) continue;
    const auto eq = member.find('=');
    if (eq == std::string_view::npos) return false;
    const std::string_view key = member.substr(0, eq);
    if (!tracestate_key(key) || !tracestate_value(member.substr(eq + 1))) return false;
    if (members == kMaxTracestateMembers) return false;
    if (std::find(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(members), key) !=
        keys.begin() + static_cast<std::ptrdiff_t>(members)) {
      return false;
    }
    keys[members++] = key;
  }
  return true;
}

void format_traceparent(const TraceContext& ctx, std::span<char, kTraceparentSize> out) {
  char* p = out.data();
  p[0] = '0';
  p[1] = '0';
  p[2] = '-';
  write_hex(ctx.trace_id, p + 3);
  p[35] = '-';
  write_hex(ctx.span_id, p + 36);
  p[52] = '-';
  p[53] = kHexDigits[ctx.flags >> 4];
  p[54] = kHexDigits[ctx.flags & 0x0f];
}

void format_trace_id(const TraceId& id, std::span<char, 32> out) { write_hex(id, out.data()); }
void format_span_id(const SpanId& id, std::span<char, 16> out) { write_hex(id, out.data()); }

}  // namespace hookd::util
