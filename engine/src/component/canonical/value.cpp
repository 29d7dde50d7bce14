#include "component/canonical/value.hpp"

#include <algorithm>
#include <utility>

namespace hookd::engine::canonical {

Value Value::string(std::string text) {
  Value v(Form::kText, 0);
  v.owned_ = std::move(text);
  return v;
}

Value Value::string_view(std::string_view text) {
  Value v(Form::kText, 0);
  v.view_ = text;
  return v;
}

Value Value::bytes(std::span<const uint8_t> data) {
  return bytes_owned(std::string(reinterpret_cast<const char*>(data.data()), data.size()));
}

Value Value::bytes_owned(std::string data) {
  Value v(Form::kBytes, 0);
  v.owned_ = std::move(data);
  return v;
}

Value Value::bytes_view(std::span<const uint8_t> data) {
  Value v(Form::kBytes, 0);
  v.view_ = std::string_view(reinterpret_cast<const char*>(data.data()), data.size());
  return v;
}

Value Value::list(std::vector<Value> items) {
  Value v(Form::kItems, 0);
  v.items_ = std::move(items);
  return v;
}

Value Value::variant(uint32_t index, std::optional<Value> payload) {
  Value v(Form::kCase, index);
  if (payload) v.items_.push_back(std::move(*payload));
  return v;
}

bool Value::holds_views() const {
  if (view_) return true;
  return std::ranges::any_of(items_, [](const Value& item) { return item.holds_views(); });
}

void Value::detach() {
  if (view_) {
    owned_.assign(view_->data(), view_->size());
    view_.reset();
  }
  for (auto& item : items_) item.detach();
}

bool operator==(const Value& a, const Value& b) {
  if (a.form_ != b.form_) return false;
  switch (a.form_) {
    case Value::Form::kScalar:
      return a.bits_ == b.bits_;
    case Value::Form::kText:
    case Value::Form::kBytes:
      return a.text() == b.text();
    case Value::Form::kItems:
    case Value::Form::kCase:
      return a.bits_ == b.bits_ && a.items_ == b.items_;
  }
  return false;
}

}  // namespace hookd::engine::canonical
