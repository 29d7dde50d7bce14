// How the component runtime reaches the host's implementations of the
// interfaces a component imports (wasi:http/types, wasi:io/streams,
// wasi:clocks/monotonic-clock ...), and what those implementations see.
//
// The runtime (the linker) owns the canonical ABI: it lifts a guest's
// arguments with the component's own declared types, calls the host
// function with values, and lowers the results. A host function never
// touches guest memory or the handle table: a handle arrives as the
// representation (a u32) of the host object behind it, and a new host
// object goes back as its representation, which the runtime turns into a
// handle of the guest (canonical::Value::handle(rep)).
//
// At load, the linker checks every imported function against the type the
// host declared for it (canonical::same_function, the component's resource
// types paired with the host's by the interface and name they are imported
// as) and refuses the component, naming the import, when a function or a whole
// interface is missing or has another type.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "component/canonical/value.hpp"
#include "component/canonical/value_type.hpp"
#include "hookd/engine/result.hpp"

namespace hookd::engine {
struct CallContext;
}

namespace hookd::engine::component {

// The host's side of one component instance: its host objects (fields,
// requests, responses, streams, pollables ...), made with the instance and
// destroyed with it. One thread at a time, like the instance.
class HostState {
 public:
  virtual ~HostState() = default;
  // A call of the component's export begins on this instance: the plugin
  // call it answers (request, response sink, deadline, grants).
  virtual void begin_call(CallContext& call) = 0;
  // That call ended (returned or failed): per-call objects go.
  virtual void end_call() = 0;
};

// What a host function receives besides its arguments.
struct HostCall {
  HostState& state;
  // The plugin call running; null outside one (a component's start).
  CallContext* call = nullptr;
};

// A function of an imported interface. `args` are lifted with the declared
// parameter types (strings and byte lists may be views into guest memory,
// valid until the function returns: copy what is kept); `results` receives
// one value per declared result. An error traps the guest: kTrap for a
// guest's misuse (a dropped or foreign resource, a response set twice),
// kInternal for a host fault.
using HostFn = std::function<Result<void>(HostCall& call, std::span<const canonical::Value> args,
                                          std::vector<canonical::Value>& results)>;

// Runs when the guest drops the last own handle of a host resource (or the
// instance goes with handles still held).
using HostDtor = std::function<Result<void>(HostState& state, uint32_t rep)>;

struct HostFunction {
  // The name as the component model spells it in an instance type:
  // "get-stdout", "[constructor]fields", "[method]fields.get",
  // "[static]fields.from-list", "[resource-drop]fields" is not one (drops
  // are HostResource::drop).
  std::string name;
  canonical::FunctionType type;  // in HostInterface::types
  HostFn fn;
};

struct HostResource {
  std::string name;  // "fields"
  // The resource's number among all the host's resources (HostInterfaces):
  // the ResourceTypeId that own<>/borrow<> of it carry in every
  // HostInterface::types, so "wasi:http/types" can name "wasi:io/streams"'s
  // input-stream.
  canonical::ResourceTypeId id = 0;
  HostDtor drop;
};

// One interface the host implements.
struct HostInterface {
  // "wasi:http/types": the package and interface, no version.
  std::string name;
  // The versions served: a component importing "<name>@<v>" is linked when
  // <v> starts with this prefix followed by '.' or nothing ("0.2" serves
  // 0.2.0 ... 0.2.12; toolchains mix patch versions in one component).
  std::string version_prefix;
  // The types the functions' signatures use; own/borrow carry the host's
  // resource numbers (HostResource::id), whichever interface defines them.
  canonical::TypeArena types;
  std::vector<HostResource> resources;
  std::vector<HostFunction> functions;
};

// Every interface a host offers components, and the state per instance.
class HostInterfaces {
 public:
  virtual ~HostInterfaces() = default;
  // The interface an import names ("wasi:http/types@0.2.10"), or null.
  [[nodiscard]] virtual const HostInterface* find(std::string_view import_name) const = 0;
  // The state of a new component instance.
  [[nodiscard]] virtual std::unique_ptr<HostState> make_state() const = 0;
};

}  // namespace hookd::engine::component
