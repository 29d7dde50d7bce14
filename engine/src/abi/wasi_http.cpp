#include "abi/wasi_http.hpp"

#include "component/component_parse.hpp"
#include "hookd/engine/wasm_binary.hpp"

namespace hookd::engine::abi {

Result<std::string> recognise_wasi_http(std::span<const uint8_t> wasm) {
  if (!is_component(wasm)) return fail(ErrorKind::kInvalidModule, "not a WebAssembly component");
  auto comp = component::parse_component(wasm);
  if (!comp) return std::unexpected(comp.error());
  for (const auto& e : component::summarize(*comp).exports) {
    if (e.interface_id == "wasi:http/incoming-handler" && e.kind == component::ExternKind::kInstance &&
        (e.version == "0.2" || e.version.starts_with("0.2."))) {
      return e.name + "#handle";
    }
  }
  return fail(ErrorKind::kInvalidModule,
              "a WebAssembly component that does not export wasi:http/incoming-handler@0.2 (hookd runs "
              "components of the wasi:http proxy world)");
}

}  // namespace hookd::engine::abi
