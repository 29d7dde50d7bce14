// The waPC guest ABI. A stub: it recognises waPC modules (export
// __guest_call) so the detection error and GET /plugins can name them, and
// refuses to load them until the adapter is written (branch abi-wapc).
#include "abi/wapc.hpp"

namespace hookd::engine::abi {
namespace {

class WapcAbi final : public GuestAbi {
 public:
  [[nodiscard]] Abi id() const override { return Abi::kWapc; }
  [[nodiscard]] bool recognises(const ModuleInfo& info, std::string& missing) const override {
    if (info.find_export("__guest_call") != nullptr) return true;
    missing = "missing export __guest_call";
    return false;
  }
  [[nodiscard]] Result<void> check(const ModuleInfo&) const override {
    return fail(ErrorKind::kInvalidModule, "waPC plugins are not supported yet (not implemented)");
  }
  std::unique_ptr<AbiInstance> create(PluginInstance::State&) const override { return nullptr; }
};

}  // namespace

const GuestAbi& wapc_abi() {
  static const WapcAbi abi;
  return abi;
}

}  // namespace hookd::engine::abi
