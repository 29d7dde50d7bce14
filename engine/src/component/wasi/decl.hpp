// Declaring a host interface: its types in its own arena (with own/borrow
// of the host's global resource numbers), its resources and its functions,
// written once beside their implementations. The shapes are fixed by the
// WIT, so a builder failure is a bug in the declaration: the first one is
// kept and reported by status() when the host is made.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "component/host_interface.hpp"
#include "component/wasi/resources.hpp"

namespace hookd::engine::component::wasi {

using canonical::TypeId;
using canonical::Value;

class Decl {
 public:
  Decl(std::string name, std::string version_prefix);

  canonical::TypeArena& types() { return iface_.types; }
  TypeId own(Res r) { return check(iface_.types.own(id(r))); }
  TypeId borrow(Res r) { return check(iface_.types.borrow(id(r))); }
  TypeId list(TypeId elem) { return check(iface_.types.list(elem)); }
  TypeId option(TypeId some) { return check(iface_.types.option(some)); }
  TypeId result(std::optional<TypeId> ok, std::optional<TypeId> err) {
    return check(iface_.types.result(ok, err));
  }
  TypeId tuple(std::vector<TypeId> fields) { return check(iface_.types.tuple(std::move(fields))); }
  TypeId record(std::vector<std::string> names, std::vector<TypeId> fields) {
    return check(iface_.types.record(std::move(names), std::move(fields)));
  }
  TypeId variant(std::vector<std::string> names, std::vector<std::optional<TypeId>> cases) {
    return check(iface_.types.variant(std::move(names), std::move(cases)));
  }
  TypeId enumeration(std::vector<std::string> labels) {
    return check(iface_.types.enumeration(std::move(labels)));
  }
  TypeId flags(std::vector<std::string> labels) { return check(iface_.types.flags(std::move(labels))); }

  // A resource this interface defines; `drop` runs on the guest's drop.
  void resource(Res r);
  void resource(Res r, HostDtor drop);
  // A function; `result` none: a function without one.
  void fn(std::string name, std::vector<TypeId> params, std::optional<TypeId> result, HostFn impl);

  // The interface, or the first declaration error.
  Result<HostInterface> finish() &&;

 private:
  TypeId check(Result<TypeId> id);

  HostInterface iface_;
  std::optional<Error> error_;
};

// A message for the guest (an error-code's, a keyvalue or config error's):
// a string the canonical ABI can lower, so valid UTF-8 (else a note that it
// was not) and at most `max` bytes (cut between characters).
std::string guest_text(std::string_view message, size_t max = 1024);

// One result value, for implementations: results.push_back(...) in one place.
inline Result<void> give(std::vector<Value>& results, Value v) {
  results.push_back(std::move(v));
  return {};
}

}  // namespace hookd::engine::component::wasi
