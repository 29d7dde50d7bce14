// The Extism guest ABI: placeholder until the kernel lands (next commit).
#include "abi/guest_abi.hpp"

namespace hookd::engine::abi {
namespace {

class ExtismAbi final : public GuestAbi {
 public:
  [[nodiscard]] Abi id() const override { return Abi::kExtism; }
  [[nodiscard]] bool recognises(const ModuleInfo& info, std::string& missing) const override {
    for (const ImportInfo& imp : info.imports) {
      if (imp.module == "extism:host/env" || imp.module == "extism:host/user") return true;
    }
    missing = "no import from extism:host/env";
    return false;
  }
  [[nodiscard]] Result<void> check(const ModuleInfo&) const override {
    return fail(ErrorKind::kInvalidModule, "Extism plugins are not supported yet (not implemented)");
  }
  std::unique_ptr<AbiInstance> create(PluginInstance::State&) const override { return nullptr; }
};

}  // namespace

const GuestAbi& extism_abi() {
  static const ExtismAbi abi;
  return abi;
}

}  // namespace hookd::engine::abi
