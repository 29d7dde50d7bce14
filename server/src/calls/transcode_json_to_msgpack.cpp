// JSON -> MessagePack (see hookd/server/transcode.hpp).
//
// Two paths share one msgpack writer:
//  - The fast path parses with simdjson's DOM API, which dispatches at run
//    time to the best SIMD kernel (AVX2 here). simdjson's On-Demand API is
//    compiled only for the build's baseline ISA, which for a generic x86-64
//    build is its scalar fallback and measured about 2x slower.
//  - The slow path runs only when the DOM parse fails. It re-reads the input
//    with On-Demand, which can say where it stopped (the DOM cannot), so the
//    client gets a byte offset; and it parses integers too big for 64 bits,
//    which simdjson 3.0 rejects, as float64. Its output is kept only when the
//    DOM's complaint was about a number; for any other DOM error we trust the
//    DOM's verdict and use On-Demand only to locate it.
#include <simdjson.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <type_traits>

#include "hookd/server/transcode.hpp"

namespace hookd::server {
namespace {

namespace dom = simdjson::dom;
namespace od = simdjson::ondemand;

// Per-thread state is kept between calls so the steady state allocates
// nothing; inputs above this size release it afterwards, so one huge body
// does not pin its buffers (parsers hold several bytes per input byte) for
// the thread's lifetime.
constexpr size_t kRetainInputBytes = 1u << 20;

template <class T>
void store_be(uint8_t* dst, T v) {
  if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) v = std::byteswap(v);
  std::memcpy(dst, &v, sizeof v);
}

// Why a walk stopped. Kept as a small enum on the hot path; turned into a
// client-facing message once, at the top.
enum class Stop { kNone, kDepth, kOutput, kJson, kNumberRange, kInvalidNumber };

// Appends msgpack to `out`, never letting this call's output pass `limit`.
// Each method returns false when the limit would be exceeded.
class MsgpackWriter {
 public:
  MsgpackWriter(std::vector<uint8_t>& out, size_t limit) : out_(out), start_(out.size()), limit_(limit) {}

  bool nil() { return byte(0xc0); }
  bool boolean(bool b) { return byte(b ? 0xc3 : 0xc2); }

  bool uint64(uint64_t v) {
    if (v <= 0x7f) return byte(static_cast<uint8_t>(v));
    if (v <= 0xff) return tagged<uint8_t>(0xcc, static_cast<uint8_t>(v));
    if (v <= 0xffff) return tagged<uint16_t>(0xcd, static_cast<uint16_t>(v));
    if (v <= 0xffffffff) return tagged<uint32_t>(0xce, static_cast<uint32_t>(v));
    return tagged<uint64_t>(0xcf, v);
  }

  bool int64(int64_t v) {
    if (v >= 0) return uint64(static_cast<uint64_t>(v));
    if (v >= -32) return byte(static_cast<uint8_t>(v));  // negative fixint: the byte is v itself
    if (v >= std::numeric_limits<int8_t>::min()) return tagged<uint8_t>(0xd0, static_cast<uint8_t>(v));
    if (v >= std::numeric_limits<int16_t>::min()) return tagged<uint16_t>(0xd1, static_cast<uint16_t>(v));
    if (v >= std::numeric_limits<int32_t>::min()) return tagged<uint32_t>(0xd2, static_cast<uint32_t>(v));
    return tagged<uint64_t>(0xd3, static_cast<uint64_t>(v));
  }

  bool float64(double d) { return tagged<uint64_t>(0xcb, std::bit_cast<uint64_t>(d)); }

  bool str(std::string_view s) {
    // simdjson caps documents at 4 GiB, so a string always fits str32.
    const size_t n = s.size();
    bool ok = n <= 31       ? byte(static_cast<uint8_t>(0xa0 | n))
              : n <= 0xff   ? tagged<uint8_t>(0xd9, static_cast<uint8_t>(n))
              : n <= 0xffff ? tagged<uint16_t>(0xda, static_cast<uint16_t>(n))
                            : tagged<uint32_t>(0xdb, static_cast<uint32_t>(n));
    if (!ok || !fits(n)) return false;
    out_.insert(out_.end(), s.begin(), s.end());
    return true;
  }

  bool array_header(size_t n) { return container_header(n, 0x90, 0xdc); }
  bool map_header(size_t n) { return container_header(n, 0x80, 0xde); }

  // For when the element count is only known afterwards (the On-Demand
  // path): reserve a one-byte header, which is right for the common case of
  // up to 15 elements, and widen it in place at the end if needed.
  size_t begin_container() {
    out_.push_back(0);  // may pass the limit by one byte; end_container checks
    return out_.size() - 1;
  }
  bool end_container(size_t at, size_t n, bool is_map) {
    const uint8_t fix = is_map ? 0x80 : 0x90;
    if (n <= 15) {
      out_[at] = static_cast<uint8_t>(fix | n);
      return within_limit();
    }
    uint8_t head[5];
    size_t len;
    if (n <= 0xffff) {
      head[0] = is_map ? 0xde : 0xdc;
      store_be(head + 1, static_cast<uint16_t>(n));
      len = 3;
    } else {
      head[0] = is_map ? 0xdf : 0xdd;
      store_be(head + 1, static_cast<uint32_t>(n));
      len = 5;
    }
    if (!fits(len - 1)) return false;
    out_[at] = head[0];
    out_.insert(out_.begin() + static_cast<ptrdiff_t>(at) + 1, head + 1, head + len);
    return within_limit();
  }

 private:
  bool fits(size_t n) const { return out_.size() - start_ <= limit_ && n <= limit_ - (out_.size() - start_); }
  bool within_limit() const { return out_.size() - start_ <= limit_; }

  bool byte(uint8_t b) {
    if (!fits(1)) return false;
    out_.push_back(b);
    return true;
  }

  template <class T>
  bool tagged(uint8_t tag, T v) {
    uint8_t buf[1 + sizeof(T)];
    buf[0] = tag;
    store_be(buf + 1, v);
    if (!fits(sizeof buf)) return false;
    out_.insert(out_.end(), buf, buf + sizeof buf);
    return true;
  }

  bool container_header(size_t n, uint8_t fix, uint8_t tag16) {
    if (n <= 15) return byte(static_cast<uint8_t>(fix | n));
    if (n <= 0xffff) return tagged<uint16_t>(tag16, static_cast<uint16_t>(n));
    // Element counts are bounded by the 4 GiB document size.
    return tagged<uint32_t>(static_cast<uint8_t>(tag16 + 1), static_cast<uint32_t>(n));
  }

  std::vector<uint8_t>& out_;
  size_t start_;
  size_t limit_;
};

// ---- fast path: DOM -------------------------------------------------------

class DomWalker {
 public:
  DomWalker(MsgpackWriter& w, size_t max_depth) : w_(w), max_depth_(max_depth) {}

  Stop walk(dom::element e, size_t depth) {
    switch (e.type()) {
      case dom::element_type::ARRAY: {
        if (depth >= max_depth_) return Stop::kDepth;
        const dom::array a = e.get_array().value_unsafe();
        if (!w_.array_header(count(a))) return Stop::kOutput;
        for (dom::element child : a) {
          if (Stop s = walk(child, depth + 1); s != Stop::kNone) return s;
        }
        return Stop::kNone;
      }
      case dom::element_type::OBJECT: {
        if (depth >= max_depth_) return Stop::kDepth;
        const dom::object o = e.get_object().value_unsafe();
        if (!w_.map_header(count(o))) return Stop::kOutput;
        for (dom::key_value_pair field : o) {
          if (!w_.str(field.key)) return Stop::kOutput;
          if (Stop s = walk(field.value, depth + 1); s != Stop::kNone) return s;
        }
        return Stop::kNone;
      }
      case dom::element_type::INT64:
        return ok(w_.int64(e.get_int64().value_unsafe()));
      case dom::element_type::UINT64:
        return ok(w_.uint64(e.get_uint64().value_unsafe()));
      case dom::element_type::DOUBLE:
        return ok(w_.float64(e.get_double().value_unsafe()));
      case dom::element_type::STRING:
        return ok(w_.str(e.get_string().value_unsafe()));
      case dom::element_type::BOOL:
        return ok(w_.boolean(e.get_bool().value_unsafe()));
      case dom::element_type::NULL_VALUE:
        return ok(w_.nil());
    }
    return Stop::kJson;  // unreachable: the switch covers every element type
  }

 private:
  static Stop ok(bool written) { return written ? Stop::kNone : Stop::kOutput; }

  // size() is O(1) but saturates at 0xFFFFFF; only then count by hand.
  template <class Container>
  static size_t count(const Container& c) {
    size_t n = c.size();
    if (n < 0xFFFFFF) return n;
    n = 0;
    for ([[maybe_unused]] auto&& child : c) ++n;
    return n;
  }

  MsgpackWriter& w_;
  size_t max_depth_;
};

// ---- slow path: On-Demand -------------------------------------------------

// Strict JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
// simdjson has already checked the rest of the document; this only decides
// whether a number it refused (too many digits for 64 bits) is well-formed.
bool is_json_number(std::string_view s) {
  size_t i = 0;
  const auto digits = [&] {
    const size_t from = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > from;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

class OnDemandWalker {
 public:
  // `end` is the end of the input, for the root-scalar trailing check.
  OnDemandWalker(MsgpackWriter& w, size_t max_depth, const char* end)
      : w_(w), max_depth_(max_depth), end_(end) {}

  // Node is od::document (the root) or od::value: they share these methods.
  template <class Node>
  Stop walk(Node& node, size_t depth) {
    od::json_type type;
    if (fail(node.type().get(type))) return Stop::kJson;
    switch (type) {
      case od::json_type::array: {
        if (depth >= max_depth_) return Stop::kDepth;
        od::array a;
        if (fail(node.get_array().get(a))) return Stop::kJson;
        const size_t at = w_.begin_container();
        size_t n = 0;
        for (auto element : a) {
          od::value v;
          if (fail(element.get(v))) return Stop::kJson;
          if (Stop s = walk(v, depth + 1); s != Stop::kNone) return s;
          ++n;
        }
        return w_.end_container(at, n, false) ? Stop::kNone : Stop::kOutput;
      }
      case od::json_type::object: {
        if (depth >= max_depth_) return Stop::kDepth;
        od::object o;
        if (fail(node.get_object().get(o))) return Stop::kJson;
        const size_t at = w_.begin_container();
        size_t n = 0;
        for (auto entry : o) {
          od::field f;
          std::string_view key;
          if (fail(std::move(entry).get(f)) || fail(f.unescaped_key().get(key))) return Stop::kJson;
          if (!w_.str(key)) return Stop::kOutput;
          od::value v = f.value();
          if (Stop s = walk(v, depth + 1); s != Stop::kNone) return s;
          ++n;
        }
        return w_.end_container(at, n, true) ? Stop::kNone : Stop::kOutput;
      }
      case od::json_type::number:
        return number(node);
      case od::json_type::string: {
        std::string_view s;
        if (fail(node.get_string().get(s))) return Stop::kJson;
        return w_.str(s) ? Stop::kNone : Stop::kOutput;
      }
      case od::json_type::boolean: {
        bool b;
        if (fail(node.get_bool().get(b))) return Stop::kJson;
        return w_.boolean(b) ? Stop::kNone : Stop::kOutput;
      }
      case od::json_type::null: {
        bool is_null = false;
        if (fail(node.is_null().get(is_null))) return Stop::kJson;
        if (!is_null) return fail(simdjson::N_ATOM_ERROR), Stop::kJson;
        return w_.nil() ? Stop::kNone : Stop::kOutput;
      }
    }
    return fail(simdjson::TAPE_ERROR), Stop::kJson;
  }

  simdjson::error_code error() const { return error_; }

 private:
  template <class Node>
  Stop number(Node& node) {
    od::number num;
    if (node.get_number().get(num) == simdjson::SUCCESS) {
      switch (num.get_number_type()) {
        case od::number_type::signed_integer:
          return w_.int64(num.get_int64()) ? Stop::kNone : Stop::kOutput;
        case od::number_type::unsigned_integer:
          return w_.uint64(num.get_uint64()) ? Stop::kNone : Stop::kOutput;
        case od::number_type::floating_point_number:
          return w_.float64(num.get_double()) ? Stop::kNone : Stop::kOutput;
      }
    }
    // simdjson 3.0 refuses integers beyond 64 bits and numbers beyond double
    // range alike; tell them apart ourselves, and parse the former as float64.
    // document::raw_json_token() returns a result, value's a plain view.
    std::string_view token;
    if constexpr (std::is_same_v<decltype(node.raw_json_token()), std::string_view>) {
      token = node.raw_json_token();
    } else if (node.raw_json_token().get(token) != simdjson::SUCCESS) {
      return Stop::kInvalidNumber;
    } else if (token.data() + token.size() != end_) {
      // A root scalar's token runs to the next structural character or the
      // end; simdjson's own getters refuse anything after it, and so must we.
      return fail(simdjson::TRAILING_CONTENT), Stop::kJson;
    }
    const size_t last = token.find_last_not_of(" \t\r\n");
    token = token.substr(0, last == std::string_view::npos ? 0 : last + 1);
    if (!is_json_number(token)) return Stop::kInvalidNumber;
    double d;
    auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), d);
    if (ec == std::errc::result_out_of_range) return Stop::kNumberRange;
    if (ec != std::errc{} || end != token.data() + token.size()) return Stop::kInvalidNumber;
    return w_.float64(d) ? Stop::kNone : Stop::kOutput;
  }

  bool fail(simdjson::error_code e) {
    if (e != simdjson::SUCCESS && error_ == simdjson::SUCCESS) error_ = e;
    return e != simdjson::SUCCESS;
  }

  MsgpackWriter& w_;
  size_t max_depth_;
  const char* end_;
  simdjson::error_code error_ = simdjson::SUCCESS;
};

// simdjson's messages are written for programmers using simdjson; these are
// for the author of the request body.
std::string_view describe(simdjson::error_code e) {
  switch (e) {
    case simdjson::EMPTY:
      return "no JSON value found";
    case simdjson::TAPE_ERROR:
    case simdjson::INCORRECT_TYPE:
      return "unexpected character: check for a missing or extra comma, colon, bracket or brace, or an "
             "unquoted key";
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
      return "unclosed array or object";
    case simdjson::TRAILING_CONTENT:
      return "unexpected content after the JSON value";
    case simdjson::STRING_ERROR:
      return "invalid string escape sequence";
    case simdjson::UNCLOSED_STRING:
      return "unterminated string";
    case simdjson::UNESCAPED_CHARS:
      return "control character in string must be escaped";
    case simdjson::UTF8_ERROR:
      return "input is not valid UTF-8";
    case simdjson::T_ATOM_ERROR:
      return "invalid literal (expected true)";
    case simdjson::F_ATOM_ERROR:
      return "invalid literal (expected false)";
    case simdjson::N_ATOM_ERROR:
      return "invalid literal (expected null)";
    case simdjson::NUMBER_ERROR:
      return "invalid number";
    case simdjson::NUMBER_OUT_OF_RANGE:
      return "number out of range";
    case simdjson::DEPTH_ERROR:
      return "nesting too deep";
    case simdjson::CAPACITY:
      return "document too large (the limit is 4 GiB)";
    case simdjson::MEMALLOC:
      return "out of memory";
    default:
      return simdjson::error_message(e);
  }
}

struct ThreadState {
  dom::parser dom_parser;
  od::parser od_parser;
  std::string padded;  // input copy with SIMDJSON_PADDING readable bytes after it
};

// Both parsers keep a stack per nesting level. Sized so our own depth check
// (at most kMaxTranscodeDepth containers) always fires first: On-Demand
// counts the root as level 1 and asserts rather than fails past its size.
constexpr size_t kParserDepth = kMaxTranscodeDepth + 2;

// Grows a parser for `len` bytes at our depth; allocate() would also shrink it.
template <class Parser>
simdjson::error_code prepare(Parser& parser, size_t len) {
  if (parser.max_depth() == kParserDepth && parser.capacity() >= len) return simdjson::SUCCESS;
  return parser.allocate(std::max(len, parser.capacity()), kParserDepth);
}

ThreadState& thread_state() {
  thread_local ThreadState state;
  return state;
}

std::expected<void, TranscodeError> transcode(std::string_view json, std::vector<uint8_t>& out,
                                              const TranscodeLimits& limits) {
  const size_t start = out.size();
  const size_t max_depth = std::min(limits.max_depth, kMaxTranscodeDepth);
  ThreadState& ts = thread_state();

  // A string_view says nothing about the bytes after it, and simdjson reads
  // up to SIMDJSON_PADDING past the end; a copy is ~1% of the parse cost.
  ts.padded.resize(json.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(ts.padded.data(), json.data(), json.size());
  std::memset(ts.padded.data() + json.size(), 0, simdjson::SIMDJSON_PADDING);

  struct Release {
    ThreadState& ts;
    size_t size;
    ~Release() {
      if (size > kRetainInputBytes) {
        ts.dom_parser = dom::parser();
        ts.od_parser = od::parser();
        std::string().swap(ts.padded);
      }
    }
  } release{ts, json.size()};

  const auto error = [&](std::string message) {
    out.resize(start);
    return std::unexpected(TranscodeError{std::move(message)});
  };
  const auto stop_error = [&](Stop s, std::string where) -> std::expected<void, TranscodeError> {
    switch (s) {
      case Stop::kDepth:
        return error("JSON nesting deeper than " + std::to_string(max_depth) + where);
      case Stop::kOutput:
        return error("msgpack output exceeds the limit of " + std::to_string(limits.max_output_bytes) +
                     " bytes");
      case Stop::kNumberRange:
        return error("invalid JSON" + where + ": number out of float64 range");
      case Stop::kInvalidNumber:
        return error("invalid JSON" + where + ": invalid number");
      default:
        return error("invalid JSON" + where);
    }
  };

  MsgpackWriter writer(out, limits.max_output_bytes);
  dom::element root;
  simdjson::error_code dom_error = prepare(ts.dom_parser, json.size());
  if (dom_error == simdjson::SUCCESS) {
    dom_error = ts.dom_parser.parse(ts.padded.data(), json.size(), /*realloc_if_needed=*/false).get(root);
  }
  if (dom_error == simdjson::SUCCESS) {
    DomWalker walker(writer, max_depth);
    if (Stop s = walker.walk(root, 0); s != Stop::kNone) return stop_error(s, "");
    return {};
  }

  // Slow path: see the file comment.
  out.resize(start);
  od::document doc;
  simdjson::error_code od_error = prepare(ts.od_parser, json.size());
  if (od_error == simdjson::SUCCESS) {
    od_error = ts.od_parser.iterate(ts.padded.data(), json.size(), ts.padded.size()).get(doc);
  }
  Stop stop = Stop::kJson;
  const bool iterated = od_error == simdjson::SUCCESS;  // else `doc` is empty and must not be queried
  if (iterated) {
    OnDemandWalker walker(writer, max_depth, ts.padded.data() + json.size());
    stop = walker.walk(doc, 0);
    od_error = walker.error();
    // 3.0 has no document::at_end(); after a root array or object,
    // current_location() reports OUT_OF_BOUNDS exactly when every token was
    // consumed. (Root scalars are checked as they are read.)
    const size_t first = json.find_first_not_of(" \t\r\n");
    const bool root_container = first != std::string_view::npos && (json[first] == '[' || json[first] == '{');
    const char* rest = nullptr;
    if (stop == Stop::kNone && root_container &&
        doc.current_location().get(rest) != simdjson::OUT_OF_BOUNDS) {
      stop = Stop::kJson;
      od_error = simdjson::TRAILING_CONTENT;
    }
  }
  if (stop == Stop::kNone) {
    if (dom_error == simdjson::NUMBER_ERROR) return {};
    // On-Demand accepted what the DOM refused: believe the DOM, no location.
    return error("invalid JSON: " + std::string(describe(dom_error)));
  }
  if (stop == Stop::kOutput) return stop_error(stop, "");

  std::string where;
  const char* location = nullptr;
  if (iterated && doc.current_location().get(location) == simdjson::SUCCESS && location >= ts.padded.data() &&
      location <= ts.padded.data() + json.size()) {
    const auto at = std::to_string(location - ts.padded.data());
    // For an unclosed container simdjson points at where it opened (byte 0
    // for `{"name":`); the input is what is short, so say where it ends.
    where = od_error == simdjson::INCOMPLETE_ARRAY_OR_OBJECT
                ? " at end of input (byte " + std::to_string(json.size()) +
                      "; the array or object opened at byte " + at + " is not closed)"
                : " at byte " + at;
  } else if (od_error == simdjson::OUT_OF_BOUNDS || od_error == simdjson::INCOMPLETE_ARRAY_OR_OBJECT) {
    where = " at end of input";
  }
  if (stop != Stop::kJson) return stop_error(stop, where);
  // Prefer On-Demand's diagnosis (it matches the location); fall back to the DOM's.
  const simdjson::error_code shown = od_error != simdjson::SUCCESS ? od_error : dom_error;
  return error("invalid JSON" + where + ": " + std::string(describe(shown)));
}

}  // namespace

std::expected<void, TranscodeError> json_to_msgpack(std::string_view json, std::vector<uint8_t>& out,
                                                    const TranscodeLimits& limits) {
  // The only exception that can arise is running out of memory while
  // growing a buffer; it must not take the worker down.
  const size_t start = out.size();
  try {
    return transcode(json, out, limits);
  } catch (const std::bad_alloc&) {
    out.resize(start);
    return std::unexpected(TranscodeError{"out of memory while converting JSON to msgpack"});
  }
}

}  // namespace hookd::server
