// A component value on the host side: what lifting produces from a guest and
// lowering consumes. Host functions read and build these.
//
// A Value does not carry its type: it is read with the ValueType it was
// lifted as (the host function knows its signature), which keeps it small
// and lets one representation serve many types:
//   bool, integers, char, flags, enum: a scalar (bits(); as_*() read it)
//   f32, f64: their bit patterns in the scalar (lifting makes NaNs canonical)
//   string: text(), UTF-8
//   list<u8>: bytes(), one buffer, never a Value per byte
//   other lists, record, tuple, fixed-length list: items()
//   variant, option, result: case_index() and payload() (nullptr without one);
//   an enum is its case index as well (no payload)
//   own<R>, borrow<R>: the resource's representation (handle_rep()), a u32
//     the host chose when it lowered the handle (the guest sees a handle
//     table index instead)
//
// Ownership: a string or byte list is owned (a std::string inside the Value)
// or a view. Views come from lifting with LiftOptions::views: they point
// into the guest's linear memory and stay valid only until the guest runs
// again (any call into it, realloc included, may grow and move the memory or
// overwrite the bytes) and while the instance lives. Host code that keeps a
// value longer calls detach() (copies every view). Lowering refuses views
// (lowering calls realloc, which could move what they point at): detach first.
#pragma once

#include <bit>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hookd::engine::canonical {

class Value {
 public:
  enum class Form : uint8_t { kScalar, kText, kBytes, kItems, kCase };

  Value() = default;

  // Scalars.
  static Value scalar(uint64_t bits) { return Value(Form::kScalar, bits); }
  static Value boolean(bool b) { return scalar(b ? 1 : 0); }
  static Value u32(uint32_t v) { return scalar(v); }
  static Value s32(int32_t v) { return scalar(static_cast<uint64_t>(static_cast<int64_t>(v))); }
  static Value u64(uint64_t v) { return scalar(v); }
  static Value s64(int64_t v) { return scalar(static_cast<uint64_t>(v)); }
  static Value f32(float v) { return scalar(std::bit_cast<uint32_t>(v)); }
  static Value f64(double v) { return scalar(std::bit_cast<uint64_t>(v)); }
  static Value character(char32_t c) { return scalar(c); }
  static Value flags(uint32_t bits) { return scalar(bits); }
  static Value enumeration(uint32_t index) { return Value(Form::kCase, index); }
  static Value handle(uint32_t rep) { return scalar(rep); }

  // Strings and byte lists: owned, or views (see above).
  static Value string(std::string text);
  static Value string_view(std::string_view text);
  static Value bytes(std::span<const uint8_t> data);  // copies
  static Value bytes_owned(std::string data);
  static Value bytes_view(std::span<const uint8_t> data);

  // Lists, records, tuples, fixed-length lists.
  static Value list(std::vector<Value> items);
  static Value record(std::vector<Value> fields) { return list(std::move(fields)); }
  static Value tuple(std::vector<Value> fields) { return list(std::move(fields)); }

  // Variant-like values: case index, then the payload when the case has one.
  static Value variant(uint32_t index, std::optional<Value> payload = std::nullopt);
  static Value none() { return variant(0); }
  static Value some(Value v) { return variant(1, std::move(v)); }
  static Value ok(std::optional<Value> v = std::nullopt) { return variant(0, std::move(v)); }
  static Value err(std::optional<Value> v = std::nullopt) { return variant(1, std::move(v)); }

  [[nodiscard]] Form form() const { return form_; }

  [[nodiscard]] uint64_t bits() const { return bits_; }
  [[nodiscard]] bool as_bool() const { return bits_ != 0; }
  [[nodiscard]] uint32_t as_u32() const { return static_cast<uint32_t>(bits_); }
  [[nodiscard]] int32_t as_s32() const { return static_cast<int32_t>(bits_); }
  [[nodiscard]] uint64_t as_u64() const { return bits_; }
  [[nodiscard]] int64_t as_s64() const { return static_cast<int64_t>(bits_); }
  [[nodiscard]] float as_f32() const { return std::bit_cast<float>(static_cast<uint32_t>(bits_)); }
  [[nodiscard]] double as_f64() const { return std::bit_cast<double>(bits_); }
  [[nodiscard]] char32_t as_char() const { return static_cast<char32_t>(bits_); }
  [[nodiscard]] uint32_t handle_rep() const { return static_cast<uint32_t>(bits_); }

  // kText and kBytes: the content, owned or viewed.
  [[nodiscard]] std::string_view text() const { return view_ ? *view_ : std::string_view(owned_); }
  [[nodiscard]] std::span<const uint8_t> bytes() const {
    auto t = text();
    return {reinterpret_cast<const uint8_t*>(t.data()), t.size()};
  }
  [[nodiscard]] bool is_view() const { return view_.has_value(); }

  [[nodiscard]] std::span<const Value> items() const { return items_; }
  [[nodiscard]] std::vector<Value>& mutable_items() { return items_; }

  [[nodiscard]] uint32_t case_index() const { return static_cast<uint32_t>(bits_); }
  [[nodiscard]] const Value* payload() const { return items_.empty() ? nullptr : items_.data(); }

  // Whether this value or anything inside it is a view into guest memory.
  [[nodiscard]] bool holds_views() const;
  // Copies every view inside this value into owned storage.
  void detach();

  // Structural equality: same form and content (owned and viewed text with
  // the same bytes are equal).
  friend bool operator==(const Value& a, const Value& b);

 private:
  Value(Form form, uint64_t bits) : form_(form), bits_(bits) {}

  Form form_ = Form::kScalar;
  uint64_t bits_ = 0;
  std::optional<std::string_view> view_;
  std::string owned_;
  std::vector<Value> items_;
};

}  // namespace hookd::engine::canonical
