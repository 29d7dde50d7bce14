// Minimal MessagePack for plugins (msgpack-cxx needs exceptions, which the
// wasm32 libc++ lacks). Header-only, C++20, no exceptions, no allocation in
// the reader. The reader is bounds-checked everywhere and reports the first
// error with the offset and the field path instead of trapping.
//
// Structs are described with a static member, and travel as maps keyed by
// field name, which is what msgpack-cxx's MSGPACK_DEFINE_MAP produces/expects:
//
//   struct Greet {
//     std::string name;
//     static constexpr auto hookd_fields = hookd::pdk::fields(hookd::pdk::field("name", &Greet::name));
//   };
//
// Supported: bool, integers (range-checked on decode), float/double, std::string,
// std::vector<uint8_t> (bin, like msgpack-cxx), std::vector<T> (array),
// std::optional<T> (nil when empty), std::map<std::string, T>, described structs.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

namespace hookd::pdk {

// ---- struct descriptions ----

template <class C, class M>
struct Field {
  const char* name;
  M C::*member;
};

template <class C, class M>
constexpr Field<C, M> field(const char* name, M C::*member) {
  return {name, member};
}

template <class... F>
constexpr std::tuple<F...> fields(F... f) {
  return std::tuple<F...>{f...};
}

template <class T>
concept Described = requires {
  std::tuple_size<std::remove_cvref_t<decltype(T::hookd_fields)>>::value;
};

namespace msgpack {

// ---- writer ----

class Writer {
 public:
  explicit Writer(std::vector<uint8_t>& out) : out_(out) {}

  void nil() { put(0xc0); }
  void boolean(bool b) { put(b ? 0xc3 : 0xc2); }

  void uint(uint64_t v) {
    if (v < 0x80)
      put(uint8_t(v));
    else if (v <= 0xff)
      tagged(0xcc, v, 1);
    else if (v <= 0xffff)
      tagged(0xcd, v, 2);
    else if (v <= 0xffffffffu)
      tagged(0xce, v, 4);
    else
      tagged(0xcf, v, 8);
  }

  void sint(int64_t v) {
    if (v >= 0) return uint(uint64_t(v));
    if (v >= -32)
      put(uint8_t(v));  // negative fixint
    else if (v >= INT8_MIN)
      tagged(0xd0, uint64_t(v), 1);
    else if (v >= INT16_MIN)
      tagged(0xd1, uint64_t(v), 2);
    else if (v >= INT32_MIN)
      tagged(0xd2, uint64_t(v), 4);
    else
      tagged(0xd3, uint64_t(v), 8);
  }

  void f32(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    tagged(0xca, u, 4);
  }
  void f64(double d) {
    uint64_t u;
    std::memcpy(&u, &d, 8);
    tagged(0xcb, u, 8);
  }

  void str(std::string_view s) {
    size_t n = s.size();
    if (n < 32)
      put(uint8_t(0xa0 | n));
    else if (n <= 0xff)
      tagged(0xd9, n, 1);
    else if (n <= 0xffff)
      tagged(0xda, n, 2);
    else
      tagged(0xdb, n, 4);
    raw(s.data(), n);
  }

  void bin(std::span<const uint8_t> b) {
    size_t n = b.size();
    if (n <= 0xff)
      tagged(0xc4, n, 1);
    else if (n <= 0xffff)
      tagged(0xc5, n, 2);
    else
      tagged(0xc6, n, 4);
    raw(b.data(), n);
  }

  void array(uint32_t n) { header(0x90, 0xdc, 0xdd, n); }
  void map(uint32_t n) { header(0x80, 0xde, 0xdf, n); }

 private:
  void put(uint8_t b) { out_.push_back(b); }
  void raw(const void* p, size_t n) {
    auto* b = static_cast<const uint8_t*>(p);
    out_.insert(out_.end(), b, b + n);
  }
  void tagged(uint8_t tag, uint64_t v, int bytes) {  // tag + big-endian value
    put(tag);
    for (int i = bytes - 1; i >= 0; i--) put(uint8_t(v >> (8 * i)));
  }
  void header(uint8_t fix, uint8_t tag16, uint8_t tag32, uint32_t n) {
    if (n < 16)
      put(uint8_t(fix | n));
    else if (n <= 0xffff)
      tagged(tag16, n, 2);
    else
      tagged(tag32, n, 4);
  }
  std::vector<uint8_t>& out_;
};

// ---- reader ----

enum class Type { nil, boolean, integer, float32, float64, str, bin, array, map, ext, invalid, end };

class Reader {
 public:
  static constexpr int kMaxDepth = 64;  // bounds skip() recursion on hostile input

  explicit Reader(std::span<const uint8_t> in) : in_(in) {}

  bool ok() const { return !err_; }
  bool at_end() const { return pos_ >= in_.size(); }
  size_t offset() const { return pos_; }

  // "field.sub: expected str at offset 12"
  std::string error() const {
    if (!err_) return {};
    std::string s = path_.empty() ? std::string() : path_ + ": ";
    return s + err_ + " at offset " + std::to_string(err_pos_);
  }

  bool fail(const char* msg) {
    if (!err_) err_ = msg, err_pos_ = pos_;
    return false;
  }
  // Called while unwinding out of a struct field, so errors name the path.
  void add_path(const char* name) { path_ = path_.empty() ? name : std::string(name) + "." + path_; }

  Type peek() const {
    if (err_) return Type::invalid;
    if (at_end()) return Type::end;
    uint8_t b = in_[pos_];
    if (b <= 0x7f || b >= 0xe0) return Type::integer;
    if (b <= 0x8f) return Type::map;
    if (b <= 0x9f) return Type::array;
    if (b <= 0xbf) return Type::str;
    switch (b) {
      case 0xc0:
        return Type::nil;
      case 0xc2:
      case 0xc3:
        return Type::boolean;
      case 0xc4:
      case 0xc5:
      case 0xc6:
        return Type::bin;
      case 0xc7:
      case 0xc8:
      case 0xc9:
        return Type::ext;
      case 0xca:
        return Type::float32;
      case 0xcb:
        return Type::float64;
      case 0xcc:
      case 0xcd:
      case 0xce:
      case 0xcf:
      case 0xd0:
      case 0xd1:
      case 0xd2:
      case 0xd3:
        return Type::integer;
      case 0xd4:
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8:
        return Type::ext;
      case 0xd9:
      case 0xda:
      case 0xdb:
        return Type::str;
      case 0xdc:
      case 0xdd:
        return Type::array;
      case 0xde:
      case 0xdf:
        return Type::map;
      default:
        return Type::invalid;  // 0xc1 is never used
    }
  }

  bool read_nil() {
    if (peek() != Type::nil) return fail("expected nil");
    pos_++;
    return true;
  }

  bool read_bool(bool& v) {
    if (peek() != Type::boolean) return fail("expected bool");
    v = in_[pos_++] == 0xc3;
    return true;
  }

  // Any integer encoding; `negative` tells whether `bits` is a two's
  // complement negative value or an unsigned magnitude.
  bool read_integer(uint64_t& bits, bool& negative) {
    if (peek() != Type::integer) return fail("expected integer");
    uint8_t b = in_[pos_++];
    negative = false;
    if (b <= 0x7f) return bits = b, true;
    if (b >= 0xe0) return bits = uint64_t(int64_t(int8_t(b))), negative = true, true;
    static constexpr int widths[] = {1, 2, 4, 8};
    int w = widths[(b - 0xcc) & 3];
    if (!be(bits, w)) return false;
    if (b >= 0xd0) {  // signed: sign-extend from w bytes
      int shift = 64 - 8 * w;
      int64_t s = int64_t(bits << shift) >> shift;
      bits = uint64_t(s);
      negative = s < 0;
    }
    return true;
  }

  template <class T>
  requires std::is_integral_v<T>
  bool read_int(T& v) {
    uint64_t bits;
    bool negative;
    if (!read_integer(bits, negative)) return false;
    if (negative) {
      int64_t s = int64_t(bits);
      if constexpr (std::is_signed_v<T>) {
        if (s >= int64_t(std::numeric_limits<T>::min())) return v = T(s), true;
      }
    } else if (bits <= uint64_t(std::numeric_limits<T>::max())) {
      return v = T(bits), true;
    }
    return fail("integer out of range");
  }

  // Floats, and integers too (JSON transcoding may turn 2.0 into 2).
  bool read_double(double& v) {
    Type t = peek();
    if (t == Type::integer) {
      uint64_t bits;
      bool negative;
      read_integer(bits, negative);
      v = negative ? double(int64_t(bits)) : double(bits);
      return true;
    }
    uint64_t u;
    if (t == Type::float32) {
      pos_++;
      if (!be(u, 4)) return false;
      uint32_t u32 = uint32_t(u);
      float f;
      std::memcpy(&f, &u32, 4);
      return v = f, true;
    }
    if (t == Type::float64) {
      pos_++;
      if (!be(u, 8)) return false;
      std::memcpy(&v, &u, 8);
      return true;
    }
    return fail("expected number");
  }

  // str or bin (msgpack-cxx accepts both for strings and byte vectors).
  bool read_bytes(std::span<const uint8_t>& v) {
    Type t = peek();
    if (t != Type::str && t != Type::bin) return fail("expected str or bin");
    uint8_t b = in_[pos_++];
    uint64_t n;
    if (b >= 0xa0 && b <= 0xbf)
      n = b & 0x1f;
    else if (!be(n, b == 0xd9 || b == 0xc4 ? 1 : b == 0xda || b == 0xc5 ? 2 : 4))
      return false;
    if (n > in_.size() - pos_) return fail("truncated input");
    v = in_.subspan(pos_, size_t(n));
    pos_ += size_t(n);
    return true;
  }

  bool read_str(std::string_view& v) {
    std::span<const uint8_t> b;
    if (!read_bytes(b)) return false;
    v = std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
    return true;
  }

  bool read_array(uint32_t& n) { return container(Type::array, 0x90, 0xdc, n, "expected array"); }
  bool read_map(uint32_t& n) { return container(Type::map, 0x80, 0xde, n, "expected map"); }

  // Skips one complete value of any type.
  bool skip(int depth = 0) {
    if (depth > kMaxDepth) return fail("nesting too deep");
    uint32_t n;
    uint64_t u;
    bool neg;
    double d;
    bool bo;
    std::span<const uint8_t> b;
    switch (peek()) {
      case Type::nil:
        return read_nil();
      case Type::boolean:
        return read_bool(bo);
      case Type::integer:
        return read_integer(u, neg);
      case Type::float32:
      case Type::float64:
        return read_double(d);
      case Type::str:
      case Type::bin:
        return read_bytes(b);
      case Type::array:
        if (!read_array(n)) return false;
        for (uint32_t i = 0; i < n; i++)
          if (!skip(depth + 1)) return false;
        return true;
      case Type::map:
        if (!read_map(n)) return false;
        for (uint32_t i = 0; i < n; i++)
          if (!skip(depth + 1) || !skip(depth + 1)) return false;
        return true;
      case Type::ext:
        return skip_ext();
      case Type::end:
        return fail("truncated input");
      default:
        return fail(err_ ? err_ : "invalid type byte");
    }
  }

 private:
  bool be(uint64_t& v, int bytes) {
    if (size_t(bytes) > in_.size() - pos_) return fail("truncated input");
    v = 0;
    for (int i = 0; i < bytes; i++) v = (v << 8) | in_[pos_++];
    return true;
  }

  bool container(Type t, uint8_t fix, uint8_t tag16, uint32_t& n, const char* what) {
    if (peek() != t) return fail(what);
    uint8_t b = in_[pos_++];
    uint64_t v;
    if (b < fix + 16)
      v = b & 0x0f;
    else if (!be(v, b == tag16 ? 2 : 4))
      return false;
    n = uint32_t(v);
    // Every element takes at least one byte: reject absurd counts early so
    // callers can reserve() safely.
    if (n > in_.size() - pos_) return fail("truncated input");
    return true;
  }

  bool skip_ext() {
    uint8_t b = in_[pos_++];
    uint64_t n;
    if (b >= 0xd4 && b <= 0xd8)
      n = uint64_t(1) << (b - 0xd4);
    else if (!be(n, b == 0xc7 ? 1 : b == 0xc8 ? 2 : 4))
      return false;
    if (n + 1 > in_.size() - pos_) return fail("truncated input");  // +1: type byte
    pos_ += size_t(n) + 1;
    return true;
  }

  std::span<const uint8_t> in_;
  size_t pos_ = 0;
  const char* err_ = nullptr;
  size_t err_pos_ = 0;
  std::string path_;
};

// ---- typed encode/decode ----

namespace detail {
template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};
template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
template <class T>
struct is_str_map : std::false_type {};
template <class V, class C, class A>
struct is_str_map<std::map<std::string, V, C, A>> : std::true_type {};
template <class>
inline constexpr bool unsupported = false;
template <class T>
inline constexpr bool is_byte_vector =
    std::is_same_v<T, std::vector<uint8_t>> || std::is_same_v<T, std::vector<char>>;
}  // namespace detail

template <class T>
void encode(Writer& w, const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    w.boolean(v);
  } else if constexpr (std::is_integral_v<T>) {
    if constexpr (std::is_signed_v<T>)
      w.sint(v);
    else
      w.uint(v);
  } else if constexpr (std::is_same_v<T, float>) {
    w.f32(v);
  } else if constexpr (std::is_floating_point_v<T>) {
    w.f64(double(v));
  } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view>) {
    w.str(v);
  } else if constexpr (detail::is_byte_vector<T>) {
    w.bin({reinterpret_cast<const uint8_t*>(v.data()), v.size()});
  } else if constexpr (detail::is_vector<T>::value) {
    w.array(uint32_t(v.size()));
    for (const auto& e : v) encode(w, e);
  } else if constexpr (detail::is_optional<T>::value) {
    if (v)
      encode(w, *v);
    else
      w.nil();
  } else if constexpr (detail::is_str_map<T>::value) {
    w.map(uint32_t(v.size()));
    for (const auto& [k, e] : v) w.str(k), encode(w, e);
  } else if constexpr (Described<T>) {
    std::apply(
        [&](const auto&... f) {
          w.map(uint32_t(sizeof...(f)));
          ((w.str(f.name), encode(w, v.*(f.member))), ...);
        },
        T::hookd_fields);
  } else {
    static_assert(detail::unsupported<T>,
                  "hookd::pdk::msgpack: unsupported type (describe structs with hookd_fields)");
  }
}

template <class T>
bool decode(Reader& r, T& v);

namespace detail {
template <class M>
bool decode_field(Reader& r, M& m, const char* name) {
  if (decode(r, m)) return true;
  r.add_path(name);
  return false;
}
}  // namespace detail

template <class T>
bool decode(Reader& r, T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    return r.read_bool(v);
  } else if constexpr (std::is_integral_v<T>) {
    return r.read_int(v);
  } else if constexpr (std::is_floating_point_v<T>) {
    double d;
    if (!r.read_double(d)) return false;
    v = T(d);
    return true;
  } else if constexpr (std::is_same_v<T, std::string>) {
    std::string_view s;
    if (!r.read_str(s)) return false;
    v.assign(s);
    return true;
  } else if constexpr (detail::is_byte_vector<T>) {
    std::span<const uint8_t> b;
    if (!r.read_bytes(b)) return false;
    v.assign(b.begin(), b.end());
    return true;
  } else if constexpr (detail::is_vector<T>::value) {
    uint32_t n;
    if (!r.read_array(n)) return false;
    v.clear();
    v.reserve(n < 1024 ? n : 1024);  // n is untrusted; grow past this as elements arrive
    for (uint32_t i = 0; i < n; i++) {
      typename T::value_type e{};  // not emplace_back(): vector<bool> has no element refs
      if (!decode(r, e)) return false;
      v.push_back(std::move(e));
    }
    return true;
  } else if constexpr (detail::is_optional<T>::value) {
    if (r.peek() == Type::nil) return v.reset(), r.read_nil();
    return decode(r, v.emplace());
  } else if constexpr (detail::is_str_map<T>::value) {
    uint32_t n;
    if (!r.read_map(n)) return false;
    v.clear();
    for (uint32_t i = 0; i < n; i++) {
      std::string_view k;
      if (!r.read_str(k) || !decode(r, v[std::string(k)])) return false;
    }
    return true;
  } else if constexpr (Described<T>) {
    // Unknown keys are skipped and missing ones keep their defaults, like
    // msgpack-cxx's MSGPACK_DEFINE_MAP.
    uint32_t n;
    if (!r.read_map(n)) return false;
    for (uint32_t i = 0; i < n; i++) {
      if (r.peek() != Type::str) {
        if (!r.skip() || !r.skip()) return false;
        continue;
      }
      std::string_view key;
      r.read_str(key);
      bool good = true;
      // || stops at the first field whose name matches.
      bool matched = std::apply(
          [&](const auto&... f) {
            return ((key == f.name && (good = detail::decode_field(r, v.*(f.member), f.name), true)) || ...);
          },
          T::hookd_fields);
      if (!matched) good = r.skip();
      if (!good) return false;
    }
    return true;
  } else {
    static_assert(detail::unsupported<T>,
                  "hookd::pdk::msgpack: unsupported type (describe structs with hookd_fields)");
  }
}

// Appends the encoding of v to out.
template <class T>
void pack(std::vector<uint8_t>& out, const T& v) {
  Writer w(out);
  encode(w, v);
}

template <class T>
std::vector<uint8_t> pack(const T& v) {
  std::vector<uint8_t> out;
  pack(out, v);
  return out;
}

// Decodes exactly one value filling all of `in`; on failure returns false
// and, if `error` is given, describes the problem there.
template <class T>
bool unpack(std::span<const uint8_t> in, T& v, std::string* error = nullptr) {
  Reader r(in);
  if (decode(r, v) && !r.at_end()) r.fail("trailing bytes after value");
  if (r.ok()) return true;
  if (error) *error = r.error();
  return false;
}

}  // namespace msgpack
}  // namespace hookd::pdk
