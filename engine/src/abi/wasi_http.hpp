// Recognising a wasi:http component: the guest ABI Abi::kWasiHttp. Unlike
// the core-module ABIs (guest_abi.hpp), it is decided on the binary itself,
// before any core module is parsed: a WebAssembly component (is_component)
// exporting wasi:http/incoming-handler at a 0.2 version. The component runtime
// (src/component: load_component, ComponentInstance) runs it.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "hookd/engine/result.hpp"

namespace hookd::engine::abi {

struct WasiHttpComponent {
  // The handler function the host calls for each request, as
  // ComponentPlan::find_export spells it: "wasi:http/incoming-handler@0.2.10#handle".
  std::string handler;
  // The toolchain that built it serves one request per instance: a
  // componentize-js (StarlingMonkey) component answers its first request
  // and never a second one on the same instance (its FetchEvent cannot
  // respond twice), which its `producers` section ("processed-by":
  // ComponentizeJS) tells.
  bool one_request_per_instance = false;
};

// Fails with kInvalidModule (saying why) when `wasm` is not a component or
// does not export the handler.
Result<WasiHttpComponent> recognise_wasi_http(std::span<const uint8_t> wasm);

}  // namespace hookd::engine::abi
