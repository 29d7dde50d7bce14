#include "component/canonical/type_match.hpp"

#include <set>
#include <string_view>
#include <utility>

namespace hookd::engine::canonical {
namespace {

class Matcher {
 public:
  Matcher(const TypeArena& a, const TypeArena& b, const SameResource& same_resource)
      : a_(a), b_(b), same_resource_(same_resource) {}

  bool same(TypeId x, TypeId y) {
    if (!a_.contains(x) || !b_.contains(y)) return false;
    // Types share parts (a DAG), so a pair once found equal is not compared
    // again: comparing stays linear in the arenas instead of exponential.
    if (equal_.contains({x, y})) return true;
    const ValueType& s = a_[x];
    const ValueType& t = b_[y];
    if (s.kind != t.kind || s.labels != t.labels || s.length != t.length ||
        s.fields.size() != t.fields.size() || s.cases.size() != t.cases.size()) {
      return false;
    }
    switch (s.kind) {
      case TypeKind::kList:
      case TypeKind::kFixedList:
        if (!same(s.elem, t.elem)) return false;
        break;
      case TypeKind::kOwn:
      case TypeKind::kBorrow:
        if (same_resource_ ? !same_resource_(s.resource, t.resource) : s.resource != t.resource) return false;
        break;
      default:
        break;
    }
    for (size_t i = 0; i < s.fields.size(); ++i) {
      if (!same(s.fields[i], t.fields[i])) return false;
    }
    for (size_t i = 0; i < s.cases.size(); ++i) {
      if (s.cases[i].has_value() != t.cases[i].has_value()) return false;
      if (s.cases[i] && !same(*s.cases[i], *t.cases[i])) return false;
    }
    equal_.insert({x, y});
    return true;
  }

 private:
  const TypeArena& a_;
  const TypeArena& b_;
  const SameResource& same_resource_;
  std::set<std::pair<TypeId, TypeId>> equal_;
};

class Describer {
 public:
  Describer(const TypeArena& arena, size_t max_chars) : arena_(arena), max_(max_chars) {}

  // Every call appends something, and calls stop once the text is full, so
  // a type whose text would be exponential in its size costs max_chars.
  void type(TypeId id) {
    if (full()) return;
    if (!arena_.contains(id)) {
      out_ += "?";
      return;
    }
    const ValueType& t = arena_[id];
    switch (t.kind) {
      case TypeKind::kList:
        out_ += "list<";
        type(t.elem);
        out_ += ">";
        return;
      case TypeKind::kFixedList:
        out_ += "list<";
        type(t.elem);
        out_ += ", " + std::to_string(t.length) + ">";
        return;
      case TypeKind::kRecord:
        out_ += "record { ";
        for (size_t i = 0; i < t.fields.size() && !full(); ++i) {
          out_ += (i ? ", " : "") + t.labels[i] + ": ";
          type(t.fields[i]);
        }
        out_ += " }";
        return;
      case TypeKind::kTuple:
        out_ += "tuple<";
        list(t.fields);
        out_ += ">";
        return;
      case TypeKind::kVariant:
        out_ += "variant { ";
        for (size_t i = 0; i < t.cases.size() && !full(); ++i) {
          out_ += (i ? ", " : "") + t.labels[i];
          if (t.cases[i]) {
            out_ += "(";
            type(*t.cases[i]);
            out_ += ")";
          }
        }
        out_ += " }";
        return;
      case TypeKind::kEnum:
      case TypeKind::kFlags:
        out_ += t.kind == TypeKind::kEnum ? "enum { " : "flags { ";
        for (size_t i = 0; i < t.labels.size() && !full(); ++i) out_ += (i ? ", " : "") + t.labels[i];
        out_ += " }";
        return;
      case TypeKind::kOption:
        out_ += "option<";
        type(*t.cases[1]);
        out_ += ">";
        return;
      case TypeKind::kResult:
        if (!t.cases[0] && !t.cases[1]) {
          out_ += "result";
          return;
        }
        out_ += "result<";
        if (t.cases[0]) {
          type(*t.cases[0]);
        } else {
          out_ += "_";
        }
        if (t.cases[1]) {
          out_ += ", ";
          type(*t.cases[1]);
        }
        out_ += ">";
        return;
      case TypeKind::kOwn:
      case TypeKind::kBorrow:
        out_ += std::string(to_string(t.kind)) + "<#" + std::to_string(t.resource) + ">";
        return;
      default:
        out_ += to_string(t.kind);
        return;
    }
  }

  void list(const std::vector<TypeId>& types) {
    for (size_t i = 0; i < types.size() && !full(); ++i) {
      if (i) out_ += ", ";
      type(types[i]);
    }
  }

  void text(std::string_view s) { out_ += s; }

  std::string take() {
    if (out_.size() > max_) {
      out_.resize(max_);
      out_ += "...";
    }
    return std::move(out_);
  }

 private:
  [[nodiscard]] bool full() const { return out_.size() > max_; }

  const TypeArena& arena_;
  size_t max_;
  std::string out_;
};

}  // namespace

bool same_type(const TypeArena& a, TypeId x, const TypeArena& b, TypeId y,
               const SameResource& same_resource) {
  return Matcher(a, b, same_resource).same(x, y);
}

bool same_function(const TypeArena& a, const FunctionType& x, const TypeArena& b, const FunctionType& y,
                   const SameResource& same_resource) {
  if (x.params.size() != y.params.size() || x.results.size() != y.results.size()) return false;
  Matcher m(a, b, same_resource);
  for (size_t i = 0; i < x.params.size(); ++i) {
    if (!m.same(x.params[i], y.params[i])) return false;
  }
  for (size_t i = 0; i < x.results.size(); ++i) {
    if (!m.same(x.results[i], y.results[i])) return false;
  }
  return true;
}

std::string describe(const TypeArena& arena, TypeId type, size_t max_chars) {
  Describer d(arena, max_chars);
  d.type(type);
  return d.take();
}

std::string describe(const TypeArena& arena, const FunctionType& fn, size_t max_chars) {
  Describer d(arena, max_chars);
  d.text("func(");
  d.list(fn.params);
  d.text(")");
  if (!fn.results.empty()) {
    d.text(" -> ");
    d.list(fn.results);
  }
  return d.take();
}

}  // namespace hookd::engine::canonical
