#include "component/wasi/decl.hpp"

#include "component/wasi/state.hpp"
#include "hookd/util/utf8.hpp"

namespace hookd::engine::component::wasi {

std::string guest_text(std::string_view message, size_t max) {
  if (!util::valid_utf8(message))
    return "(a message that is not UTF-8, " + std::to_string(message.size()) + " bytes)";
  return std::string(util::utf8_prefix(message, max));
}

Decl::Decl(std::string name, std::string version_prefix) {
  iface_.name = std::move(name);
  iface_.version_prefix = std::move(version_prefix);
}

TypeId Decl::check(Result<TypeId> id) {
  if (id) return *id;
  if (!error_) error_ = Error{ErrorKind::kInternal, iface_.name + ": " + id.error().message};
  return 0;
}

void Decl::resource(Res r) {
  resource(r, [r](HostState& state, uint32_t rep) { return static_cast<WasiState&>(state).drop(r, rep); });
}

void Decl::resource(Res r, HostDtor drop) {
  iface_.resources.push_back(
      HostResource{.name = std::string(resource_name(r)), .id = id(r), .drop = std::move(drop)});
}

void Decl::fn(std::string name, std::vector<TypeId> params, std::optional<TypeId> result, HostFn impl) {
  canonical::FunctionType type{.params = std::move(params), .results = {}};
  if (result) type.results.push_back(*result);
  iface_.functions.push_back(
      HostFunction{.name = std::move(name), .type = std::move(type), .fn = std::move(impl)});
}

Result<HostInterface> Decl::finish() && {
  if (error_) return std::unexpected(*error_);
  return std::move(iface_);
}

}  // namespace hookd::engine::component::wasi
