// ABI detection and what every adapter shares.
#include <algorithm>

#include "abi/guest_abi.hpp"

namespace hookd::engine {

std::string_view abi_name(Abi abi) {
  switch (abi) {
    case Abi::kNative:
      return "hookd";
    case Abi::kExtism:
      return "extism";
    case Abi::kWapc:
      return "wapc";
    case Abi::kWasiHttp:
      return "wasi-http";
  }
  return "hookd";
}

namespace abi {

InitBudget::InitBudget(std::chrono::milliseconds deadline)
    : total_(deadline), end_(std::chrono::steady_clock::now() + deadline) {}

std::chrono::nanoseconds InitBudget::left() const {
  if (total_.count() <= 0) return std::chrono::nanoseconds(0);
  const auto rest = end_ - std::chrono::steady_clock::now();
  return std::max<std::chrono::nanoseconds>(rest, std::chrono::microseconds(100));
}

Error InitBudget::timed_out(Error e) const {
  if (e.kind == ErrorKind::kTimeout) {
    e.message = "instantiation exceeded the plugin's deadline of " + std::to_string(total_.count()) +
                " ms (" + e.message + ")";
  }
  return e;
}

Result<void> InitBudget::run(Instance& vm, int index, Val* result) const {
  if (index < 0) return {};
  if (auto r = vm.call(index, {}, result, left()); !r)
    return std::unexpected(timed_out(std::move(r.error())));
  return {};
}

Result<const GuestAbi*> detect(const ModuleInfo& info) {
  // The native ABI first: its marker is an export only hookd plugins have,
  // and its error message is the one hookd has always given.
  const GuestAbi* const all[] = {&native_abi(), &extism_abi(), &wapc_abi()};
  std::string why;
  for (const GuestAbi* a : all) {
    std::string missing;
    if (a->recognises(info, missing)) return a;
    why += why.empty() ? "" : "; ";
    why += std::string(abi_name(a->id())) + ": " + missing;
  }
  return fail(
      ErrorKind::kInvalidModule,
      "not a hookd plugin (missing export hookd_abi_version), nor an Extism or waPC plugin: no guest ABI "
      "matched (" +
          why + ")");
}

}  // namespace abi
}  // namespace hookd::engine
