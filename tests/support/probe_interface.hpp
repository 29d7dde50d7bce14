// test:probe/host@0.1, the interface the runtime_probe component imports
// (tests/engine/component_wat/runtime_probe.wat): a resource `thing`, its
// constructor `make(label: string) -> own<thing>` and
// `[method]thing.label(self: borrow<thing>) -> string`. Declared once here;
// each user (the component runtime's tests, the engine benchmark) brings
// its own implementation of the three.
#pragma once

#include <string>
#include <utility>

#include "component/host_interface.hpp"

namespace hookd::test {

inline constexpr engine::canonical::ResourceTypeId kProbeThing = 0;

inline engine::component::HostInterface probe_interface(engine::component::HostFn make,
                                                        engine::component::HostFn label,
                                                        engine::component::HostDtor drop) {
  using engine::canonical::TypeId;
  engine::component::HostInterface i{.name = "test:probe/host", .version_prefix = "0.1"};
  auto& a = i.types;
  // own/borrow of a declared resource cannot fail in a fresh arena.
  const TypeId own = *a.own(kProbeThing);
  const TypeId borrow = *a.borrow(kProbeThing);
  i.resources.push_back(engine::component::HostResource{"thing", kProbeThing, std::move(drop)});
  i.functions.push_back({"make", {{a.string()}, {own}}, std::move(make)});
  i.functions.push_back({"[method]thing.label", {{borrow}, {a.string()}}, std::move(label)});
  return i;
}

}  // namespace hookd::test
