#include "abi/msgpack_lite.hpp"

#include <cstdint>

namespace hookd::engine::abi {

std::optional<uint64_t> MsgpackReader::be(size_t width) {
  if (in_.size() - pos_ < width) return std::nullopt;
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) v = (v << 8) | in_[pos_ + i];
  pos_ += width;
  return v;
}

std::optional<std::string_view> MsgpackReader::take(uint64_t n) {
  if (in_.size() - pos_ < n) return std::nullopt;
  std::string_view s(reinterpret_cast<const char*>(in_.data() + pos_), static_cast<size_t>(n));
  pos_ += static_cast<size_t>(n);
  return s;
}

std::optional<uint32_t> MsgpackReader::map_header() {
  if (pos_ >= in_.size()) return std::nullopt;
  const uint8_t t = in_[pos_];
  if ((t & 0xf0) == 0x80) {
    ++pos_;
    return t & 0x0f;
  }
  if (t != 0xde && t != 0xdf) return std::nullopt;
  ++pos_;
  auto n = be(t == 0xde ? 2 : 4);
  if (!n) return std::nullopt;
  return static_cast<uint32_t>(*n);
}

std::optional<std::string_view> MsgpackReader::bytes() {
  if (pos_ >= in_.size()) return std::nullopt;
  const uint8_t t = in_[pos_];
  if ((t & 0xe0) == 0xa0) {
    ++pos_;
    return take(t & 0x1f);
  }
  size_t width = 0;
  switch (t) {
    case 0xd9:
    case 0xc4:
      width = 1;
      break;  // str8, bin8
    case 0xda:
    case 0xc5:
      width = 2;
      break;  // str16, bin16
    case 0xdb:
    case 0xc6:
      width = 4;
      break;  // str32, bin32
    default:
      return std::nullopt;
  }
  ++pos_;
  auto n = be(width);
  if (!n) return std::nullopt;
  return take(*n);
}

std::optional<int64_t> MsgpackReader::integer() {
  if (pos_ >= in_.size()) return std::nullopt;
  const uint8_t t = in_[pos_];
  if (t <= 0x7f) {
    ++pos_;
    return t;
  }
  if (t >= 0xe0) {
    ++pos_;
    return static_cast<int8_t>(t);
  }
  size_t width = 0;
  bool is_signed = false;
  switch (t) {
    case 0xcc:
      width = 1;
      break;
    case 0xcd:
      width = 2;
      break;
    case 0xce:
      width = 4;
      break;
    case 0xcf:
      width = 8;
      break;
    case 0xd0:
      width = 1;
      is_signed = true;
      break;
    case 0xd1:
      width = 2;
      is_signed = true;
      break;
    case 0xd2:
      width = 4;
      is_signed = true;
      break;
    case 0xd3:
      width = 8;
      is_signed = true;
      break;
    default:
      return std::nullopt;
  }
  const size_t start = pos_++;
  auto v = be(width);
  if (!v) {
    pos_ = start;
    return std::nullopt;
  }
  if (!is_signed) {
    if (*v > static_cast<uint64_t>(INT64_MAX)) {
      pos_ = start;
      return std::nullopt;
    }
    return static_cast<int64_t>(*v);
  }
  const unsigned shift = static_cast<unsigned>(64 - width * 8);
  return static_cast<int64_t>(*v << shift) >> shift;  // sign-extend
}

bool MsgpackReader::nil() {
  if (pos_ < in_.size() && in_[pos_] == 0xc0) {
    ++pos_;
    return true;
  }
  return false;
}

bool MsgpackReader::skip(int max_depth) {
  if (pos_ >= in_.size() || max_depth < 0) return false;
  const uint8_t t = in_[pos_];
  auto fixed = [this](size_t n) {
    if (in_.size() - pos_ < n) return false;
    pos_ += n;
    return true;
  };
  auto items = [this, max_depth](uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) {
      if (!skip(max_depth - 1)) return false;
    }
    return true;
  };
  if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3) return fixed(1);
  if ((t & 0xe0) == 0xa0 || (t >= 0xc4 && t <= 0xc6) || (t >= 0xd9 && t <= 0xdb)) return bytes().has_value();
  if ((t >= 0xcc && t <= 0xcf) || (t >= 0xd0 && t <= 0xd3)) return fixed(1 + (size_t{1} << (t & 0x03)));
  if (t == 0xca) return fixed(5);
  if (t == 0xcb) return fixed(9);
  if (t >= 0xd4 && t <= 0xd8) return fixed(2 + (size_t{1} << (t - 0xd4)));  // fixext
  if (t >= 0xc7 && t <= 0xc9) {                                             // ext8/16/32: length, type, data
    ++pos_;
    auto n = be(size_t{1} << (t - 0xc7));
    return n && fixed(1) && take(*n).has_value();
  }
  if ((t & 0xf0) == 0x90) {  // fixarray
    ++pos_;
    return items(t & 0x0f);
  }
  if (t == 0xdc || t == 0xdd) {  // array16, array32
    ++pos_;
    auto n = be(t == 0xdc ? 2 : 4);
    return n && items(*n);
  }
  if ((t & 0xf0) == 0x80 || t == 0xde || t == 0xdf) {
    auto n = map_header();
    return n && items(uint64_t{*n} * 2);
  }
  return false;  // 0xc1 (never used)
}

MsgpackWriter& MsgpackWriter::map_header(uint32_t n) {
  if (n < 16) {
    out_.push_back(static_cast<uint8_t>(0x80 | n));
  } else {
    out_.push_back(0xdf);
    be(n, 4);
  }
  return *this;
}

MsgpackWriter& MsgpackWriter::array_header(uint32_t n) {
  if (n < 16) {
    out_.push_back(static_cast<uint8_t>(0x90 | n));
  } else {
    out_.push_back(0xdd);
    be(n, 4);
  }
  return *this;
}

// Every writer picks the shortest encoding, as msgpack libraries do.
MsgpackWriter& MsgpackWriter::str(std::string_view s) {
  if (s.size() < 32) {
    out_.push_back(static_cast<uint8_t>(0xa0 | s.size()));
  } else {
    sized(0xd9, s.size());
  }
  raw(s);
  return *this;
}

MsgpackWriter& MsgpackWriter::bin(std::string_view b) {
  sized(0xc4, b.size());
  raw(b);
  return *this;
}

MsgpackWriter& MsgpackWriter::integer(int64_t v) {
  if (v >= -32 && v <= 0x7f) {
    out_.push_back(static_cast<uint8_t>(v));  // positive or negative fixint
  } else if (v > 0) {
    const auto u = static_cast<uint64_t>(v);
    const size_t width = u <= 0xff ? 1 : u <= 0xffff ? 2 : u <= 0xffffffff ? 4 : 8;
    out_.push_back(static_cast<uint8_t>(width == 1 ? 0xcc : width == 2 ? 0xcd : width == 4 ? 0xce : 0xcf));
    be(u, width);
  } else {
    const size_t width = v >= INT8_MIN ? 1 : v >= INT16_MIN ? 2 : v >= INT32_MIN ? 4 : 8;
    out_.push_back(static_cast<uint8_t>(width == 1 ? 0xd0 : width == 2 ? 0xd1 : width == 4 ? 0xd2 : 0xd3));
    be(static_cast<uint64_t>(v), width);
  }
  return *this;
}

MsgpackWriter& MsgpackWriter::boolean(bool b) {
  out_.push_back(b ? 0xc3 : 0xc2);
  return *this;
}

void MsgpackWriter::be(uint64_t v, size_t width) {
  for (size_t i = width; i-- > 0;) out_.push_back(static_cast<uint8_t>(v >> (i * 8)));
}

// A str8/bin8 style header: `first` is the 8-bit form's tag, the 16- and
// 32-bit forms follow it.
void MsgpackWriter::sized(uint8_t first, size_t n) {
  const size_t width = n <= 0xff ? 1 : n <= 0xffff ? 2 : 4;
  out_.push_back(static_cast<uint8_t>(first + (width == 1 ? 0 : width == 2 ? 1 : 2)));
  be(n, width);
}

void MsgpackWriter::raw(std::string_view b) { out_.insert(out_.end(), b.begin(), b.end()); }

}  // namespace hookd::engine::abi
