#include "component_reader.hpp"

#include "hookd/util/utf8.hpp"

namespace hookd::engine::component {

bool ParseError::fail(size_t offset, std::string_view what) {
  if (!failed_) {
    failed_ = true;
    offset_ = offset;
    what_ = what;
  }
  return false;
}

Error ParseError::error() const {
  return Error{ErrorKind::kInvalidModule,
               "malformed component: " + what_ + " (at byte offset " + std::to_string(offset_) + ")"};
}

bool ComponentReader::u8(uint8_t& out, std::string_view what) {
  if (pos_ >= end_) return fail(std::string(what) + ": unexpected end");
  out = data_[pos_++];
  return true;
}

bool ComponentReader::leb(uint64_t& out, int bits, std::string_view what) {
  const size_t start = pos_;
  out = 0;
  const int max_bytes = (bits + 6) / 7;
  for (int i = 0; i < max_bytes; ++i) {
    if (pos_ >= end_) return fail(std::string(what) + ": unexpected end");
    const uint8_t b = data_[pos_++];
    out |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) {
      if (bits < 64 && (out >> bits) != 0) return fail_at(start, std::string(what) + ": integer too large");
      // The last byte of a 64-bit LEB carries one bit.
      if (bits == 64 && i == 9 && (b & 0x7e) != 0) {
        return fail_at(start, std::string(what) + ": integer too large");
      }
      return true;
    }
  }
  return fail_at(start, std::string(what) + ": integer representation too long");
}

bool ComponentReader::u32(uint32_t& out, std::string_view what) {
  uint64_t v = 0;
  if (!leb(v, 32, what)) return false;
  out = static_cast<uint32_t>(v);
  return true;
}

bool ComponentReader::u64(uint64_t& out, std::string_view what) { return leb(out, 64, what); }

bool ComponentReader::skip_sleb(int bits, std::string_view what) {
  const size_t start = pos_;
  const int max_bytes = (bits + 6) / 7;
  for (int i = 0; i < max_bytes; ++i) {
    uint8_t b = 0;
    if (!u8(b, what)) return false;
    if ((b & 0x80) == 0) return true;
  }
  return fail_at(start, std::string(what) + ": integer representation too long");
}

bool ComponentReader::s33(int64_t& out, std::string_view what) {
  const size_t start = pos_;
  uint64_t v = 0;
  int shift = 0;
  for (int i = 0; i < 5; ++i) {
    uint8_t b = 0;
    if (!u8(b, what)) return false;
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    shift += 7;
    if ((b & 0x80) == 0) {
      if (shift < 64 && (b & 0x40) != 0) v |= ~uint64_t{0} << shift;
      out = static_cast<int64_t>(v);
      if (out < -(int64_t{1} << 32) || out >= (int64_t{1} << 32)) {
        return fail_at(start, std::string(what) + ": integer too large");
      }
      return true;
    }
  }
  return fail_at(start, std::string(what) + ": integer representation too long");
}

bool ComponentReader::name(std::string& out, std::string_view what) {
  const size_t start = pos_;
  uint32_t len = 0;
  if (!u32(len, what)) return false;
  if (len > max_name_bytes_) {
    return fail_at(start, std::string(what) + ": name of " + std::to_string(len) +
                              " bytes is over the limit of " + std::to_string(max_name_bytes_));
  }
  if (len > remaining()) return fail_at(start, std::string(what) + ": name extends past the end");
  const std::string_view text(reinterpret_cast<const char*>(data_.data() + pos_), len);
  if (!util::valid_utf8(text)) return fail_at(start, std::string(what) + ": name is not valid UTF-8");
  out.assign(text);
  pos_ += len;
  return true;
}

bool ComponentReader::count(uint32_t& out, uint32_t max_items, std::string_view what, size_t min_item_bytes) {
  const size_t start = pos_;
  if (!u32(out, what)) return false;
  if (out > max_items) {
    return fail_at(start, std::string(what) + ": " + std::to_string(out) + " items are over the limit of " +
                              std::to_string(max_items));
  }
  if (static_cast<uint64_t>(out) * min_item_bytes > remaining()) {
    return fail_at(start, std::string(what) + ": " + std::to_string(out) + " items cannot fit in the " +
                              std::to_string(remaining()) + " bytes left");
  }
  if (!errors_->take_items(out)) {
    return fail_at(start, std::string(what) + ": the component has more items in all than the limit");
  }
  return true;
}

bool ComponentReader::skip(size_t n, std::string_view what) {
  if (n > remaining()) return fail(std::string(what) + ": extends past the end");
  pos_ += n;
  return true;
}

bool ComponentReader::expect_end(std::string_view what) {
  if (pos_ != end_) {
    return fail(std::string(what) + ": " + std::to_string(end_ - pos_) + " bytes left over after its items");
  }
  return true;
}

}  // namespace hookd::engine::component
