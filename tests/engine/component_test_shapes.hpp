// Components shared by the component parser's tests: an HTTP-handler
// shaped one and a base for canon tests, and the parse helpers.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "component_builder.hpp"
#include "component_parse.hpp"

namespace hookd::engine::component::test {

namespace b = hookd::test::component;
using b::Bytes;

inline Result<Component> parse(const Bytes& bytes, const ComponentLimits& limits = {}) {
  return parse_component(bytes, limits);
}

inline std::string error_of(const Bytes& bytes, const ComponentLimits& limits = {}) {
  auto c = parse(bytes, limits);
  if (c) return "(parsed)";
  EXPECT_EQ(c.error().kind, ErrorKind::kInvalidModule);
  return c.error().message;
}

// A component shaped like what wit-component emits for an HTTP handler: an
// imported interface instance with a resource and a constructor, a lowered
// import, two core modules wired through core instances, a lifted export.
inline Bytes http_component() {
  b::Builder c;
  // type 0: the interface's instance type.
  c.items(b::kType, {b::instance_type({
                        b::decl_export("fields", b::kEtSubResource),                      // type 0
                        b::decl_type(b::own(0)),                                          // type 1
                        b::decl_type(b::borrow(0)),                                       // type 2
                        b::decl_type(b::func({{"name", b::prim::kString}}, b::tidx(1))),  // type 3
                        b::decl_export("[constructor]fields", b::et_func(3)),
                        b::decl_type(b::func({{"self", b::tidx(2)}}, b::prim::kU32)),  // type 4
                        b::decl_export("[method]fields.size", b::et_func(4)),
                    })});
  c.items(b::kImport, {b::import_("wasi:http/types@0.2.0", b::et_instance(0))});  // instance 0
  c.items(b::kAlias, {b::alias_export(b::kSortFunc, 0, "[constructor]fields"),    // func 0
                      b::alias_export(b::kSortType, 0, "fields")});               // type 1
  c.core_module();                                                                // core module 0: main
  c.core_module();                                                                // core module 1: shim
  c.items(b::kCoreInstance, {b::core_instantiate(1)});                            // core instance 0
  c.items(b::kAlias, {b::alias_core_export(0x02, 0, "memory"),                    // core memory 0
                      b::alias_core_export(0x00, 0, "cabi_realloc")});            // core func 0
  c.items(b::kCanon, {b::lower(0, b::opts({b::kUtf8, b::opt_memory(0), b::opt_realloc(0)})),  // core func 1
                      b::resource_op(0x03, 1)});                                              // core func 2
  c.items(b::kCoreInstance,
          {b::core_exports({{"[constructor]fields", 0x00, 1}, {"[resource-drop]fields", 0x00, 2}}),
           b::core_instantiate(0, {{"wasi:http/types@0.2.0", 1}})});        // core instances 1, 2
  c.items(b::kAlias, {b::alias_core_export(0x00, 2, "handle"),              // core func 3
                      b::alias_core_export(0x00, 2, "cabi_post_handle")});  // core func 4
  c.items(b::kType, {b::func({{"a", b::prim::kU32}}, b::prim::kString)});   // type 2
  c.items(b::kCanon,
          {b::lift(3, b::opts({b::opt_memory(0), b::opt_realloc(0), b::opt_post_return(4)}), 2)});  // func 1
  c.items(b::kExport, {b::export_("handle", b::kSortFunc, 1, b::et_func(2))});                      // func 2
  return c.bytes;
}

// A component with a memory, a realloc and a func to lower/lift, for the
// canon tests: core func 0 (realloc), core memory 0, func 0 (imported).
inline b::Builder canon_base() {
  b::Builder c;
  c.items(b::kType, {b::func({}, {})});
  c.items(b::kImport, {b::import_("f", b::et_func(0))});
  c.core_module();
  c.items(b::kCoreInstance, {b::core_instantiate(0)});
  c.items(b::kAlias, {b::alias_core_export(0x00, 0, "realloc"), b::alias_core_export(0x02, 0, "memory")});
  return c;
}

}  // namespace hookd::engine::component::test
