#include "hookd/engine/http_exchange.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <ranges>
#include <string>

namespace hookd::engine {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Eight bytes with each of A-Z turned into a-z and every other byte (non-
// ASCII ones too) left alone. A byte's low seven bits plus 0x80 - 'A' carry
// into its top bit exactly when it is >= 'A', plus 0x80 - 'Z' - 1 when it
// is > 'Z'; no carry crosses into the next byte, since 0x7f + 0x3f < 0x100.
uint64_t ascii_lower_word(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  const uint64_t low7 = w & ~kHigh;
  const uint64_t at_least_a = low7 + kOnes * (0x80 - 'A');
  const uint64_t above_z = low7 + kOnes * (0x80 - 'Z' - 1);
  const uint64_t upper = at_least_a & ~above_z & ~w & kHigh;
  return w | (upper >> 2);  // 0x80 >> 2 is 0x20, the case bit
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The ones a plugin could use to split or desynchronise the response, or
// that describe the connection rather than the message.
constexpr std::array<std::string_view, 9> kServerOwned = {
    "connection", "content-length", "transfer-encoding", "upgrade",       "keep-alive",
    "te",         "trailer",        "proxy-connection",  "http2-settings"};

// Control characters but HTAB, and DEL: RFC 9110 (5.5) allows none in a
// field value, and an HTTP/1.1 parser (Beast's, a browser's) refuses the
// response that carries one.
bool is_value_control(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && u != '\t') || u == 0x7f;
}

// A field value has no white space at either end (RFC 9110 5.5): a parser
// drops it, so the sink keeps what the client will read.
std::string_view trim_blanks(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

// Entry keeps offsets and sizes in 32 bits.
static_assert(ResponseSink::kMaxHeaderBytes <= UINT32_MAX);
// An embedder may walk headers() with the ranges algorithms.
static_assert(std::ranges::sized_range<ResponseSink::Headers> &&
              std::ranges::forward_range<ResponseSink::Headers>);

}  // namespace

bool header_name_equal(std::string_view a, std::string_view b) {
  // Length first: most names that differ differ there. Then eight bytes at
  // a time, each folded to lower case without a branch per byte.
  if (a.size() != b.size()) return false;
  const char* pa = a.data();
  const char* pb = b.data();
  std::size_t n = a.size();
  for (; n >= 8; n -= 8, pa += 8, pb += 8) {
    uint64_t wa = 0;
    uint64_t wb = 0;
    std::memcpy(&wa, pa, 8);
    std::memcpy(&wb, pb, 8);
    if (wa != wb && ascii_lower_word(wa) != ascii_lower_word(wb)) return false;
  }
  for (; n > 0; --n, ++pa, ++pb) {
    if (*pa != *pb && lower(*pa) != lower(*pb)) return false;
  }
  return true;
}

namespace {

// A name's key: its first and last eight bytes (overlapping when shorter
// than 16; the bytes of a shorter name) lower-cased, mixed with its length.
// Names that differ only in case share a key; most that differ otherwise
// do not, and the full compare settles the rest.
uint64_t folded_name_key(std::string_view name) {
  const std::size_t n = name.size();
  uint64_t head = 0;
  uint64_t tail = 0;
  if (n >= 8) {
    std::memcpy(&head, name.data(), 8);
    std::memcpy(&tail, name.data() + n - 8, 8);
  } else {
    for (std::size_t i = 0; i < n; ++i) head |= uint64_t{static_cast<unsigned char>(name[i])} << (8 * i);
  }
  const uint64_t h =
      ascii_lower_word(head) * 0x9E3779B97F4A7C15ull ^ (ascii_lower_word(tail) + n) * 0xFF51AFD7ED558CCDull;
  return h ^ (h >> 29);
}

// Fields an idle index keeps room for; a call on a request with more gives
// the memory back when the next call begins.
constexpr std::size_t kKeepIndexFields = 256;

}  // namespace

bool percent_decode(std::string_view in, bool plus_is_space, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (in.size() - i < 3) return false;
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(plus_is_space && c == '+' ? ' ' : c);
    }
  }
  return true;
}

bool find_query_param(std::string_view query, std::string_view name, std::string& out) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    // The decoded key is compared; `out` is the scratch for it, then the value.
    if (!percent_decode(key, true, out) || out != name) continue;
    const std::string_view value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    return percent_decode(value, true, out);
  }
  out.clear();
  return false;
}

namespace {

// tchar (RFC 9110 5.6.2), one lookup a byte.
constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

}  // namespace

bool is_http_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!kTokenChars[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

bool is_server_owned_header(std::string_view name) {
  for (std::string_view owned : kServerOwned) {
    if (header_name_equal(name, owned)) return true;
  }
  return false;
}

Result<void> ResponseSink::set_status(int64_t status) {
  if (status < 100 || status > 599) {
    return fail(ErrorKind::kHostError, "response status " + std::to_string(status) + " is outside 100-599");
  }
  status_ = static_cast<int>(status);
  return {};
}

Result<void> ResponseSink::add_header(std::string_view name, std::string_view value) {
  if (!is_http_token(name)) {
    return fail(ErrorKind::kHostError, "response header name is not a token (RFC 9110)");
  }
  // One pass for the usual clean value; only a refused one is looked at
  // again, for the message (CR, LF and NUL named first, wherever they are).
  if (std::ranges::any_of(value, is_value_control)) {
    if (std::ranges::any_of(value, [](char c) { return c == '\r' || c == '\n' || c == '\0'; })) {
      return fail(ErrorKind::kHostError, "response header " + std::string(name.substr(0, 64)) +
                                             ": CR, LF and NUL are not allowed in a value");
    }
    return fail(ErrorKind::kHostError, "response header " + std::string(name.substr(0, 64)) +
                                           ": control characters other than tab are not allowed in a value");
  }
  value = trim_blanks(value);
  if (is_server_owned_header(name)) {
    return fail(ErrorKind::kHostError,
                "response header " + std::string(name) + " is set by the server, not by plugins");
  }
  if (entries_.size() >= kMaxHeaders) {
    return fail(ErrorKind::kHostError,
                "a response may carry at most " + std::to_string(kMaxHeaders) + " headers");
  }
  if (name.size() + value.size() > kMaxHeaderBytes - arena_.size()) {
    return fail(ErrorKind::kHostError,
                "response headers would pass " + std::to_string(kMaxHeaderBytes) + " bytes");
  }
  // Both sizes fit in 32 bits: together they are at most kMaxHeaderBytes.
  entries_.push_back(Entry{static_cast<uint32_t>(arena_.size()), static_cast<uint32_t>(name.size()),
                           static_cast<uint32_t>(value.size())});
  arena_.append(name);
  arena_.append(value);
  return {};
}

std::optional<std::string_view> HeaderIndex::find(const HeaderSource& source, std::string_view name,
                                                  uint32_t index) {
  if (source_ != &source) {
    // Records every field with its key, in the order received.
    class Builder final : public HeaderVisitor {
     public:
      explicit Builder(std::vector<Field>& out) : out_(out) {}
      bool field(std::string_view n, std::string_view v) override {
        out_.push_back(Field{folded_name_key(n), HeaderField{n, v}});
        return true;
      }

     private:
      std::vector<Field>& out_;
    };
    fields_.clear();
    Builder builder(fields_);
    source.visit(builder);
    source_ = &source;
  }
  const uint64_t key = folded_name_key(name);
  for (const Field& f : fields_) {
    if (f.key != key || !header_name_equal(f.field.name, name)) continue;
    if (index-- == 0) return f.field.value;
  }
  return std::nullopt;
}

void HeaderIndex::clear() {
  source_ = nullptr;
  if (fields_.capacity() > kKeepIndexFields) {
    std::vector<Field>().swap(fields_);
  } else {
    fields_.clear();
  }
}

void ResponseSink::reset() {
  status_ = 0;
  arena_.clear();
  entries_.clear();
}

}  // namespace hookd::engine
