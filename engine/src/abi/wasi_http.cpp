#include "abi/wasi_http.hpp"

#include <algorithm>
#include <string_view>

#include "component/component_parse.hpp"
#include "hookd/engine/wasm_binary.hpp"

namespace hookd::engine::abi {
namespace {

// Whether a top-level `producers` custom section names `tool` (its fields
// hold the names as plain UTF-8, so a search of its bytes is enough).
bool produced_by(std::span<const uint8_t> wasm, const component::Component& comp, std::string_view tool) {
  for (const component::CustomSection& c : comp.custom_sections) {
    if (c.name != "producers" || c.offset > wasm.size() || c.size > wasm.size() - c.offset) continue;
    const auto contents = wasm.subspan(c.offset, c.size);
    if (std::search(contents.begin(), contents.end(), tool.begin(), tool.end()) != contents.end())
      return true;
  }
  return false;
}

}  // namespace

Result<WasiHttpComponent> recognise_wasi_http(std::span<const uint8_t> wasm) {
  if (!is_component(wasm)) return fail(ErrorKind::kInvalidModule, "not a WebAssembly component");
  auto comp = component::parse_component(wasm);
  if (!comp) return std::unexpected(comp.error());
  for (const auto& e : component::summarize(*comp).exports) {
    if (e.interface_id == "wasi:http/incoming-handler" && e.kind == component::ExternKind::kInstance &&
        (e.version == "0.2" || e.version.starts_with("0.2."))) {
      return WasiHttpComponent{.handler = e.name + "#handle",
                               .one_request_per_instance = produced_by(wasm, *comp, "ComponentizeJS")};
    }
  }
  return fail(ErrorKind::kInvalidModule,
              "a WebAssembly component that does not export wasi:http/incoming-handler@0.2 (hookd runs "
              "components of the wasi:http proxy world)");
}

}  // namespace hookd::engine::abi
