// The formats an embedder declares for the functions of an ABI that has no
// notion of them (Extism, waPC): PluginOptions::function_formats, a plugin's
// `formats` setting. Applied to every instance's function list right after
// the adapter made it, so the probe at load and every replacement agree.
#include "abi/guest_abi.hpp"

namespace hookd::engine::abi {

Result<void> apply_function_formats(Abi abi, const std::vector<FunctionInfo>& formats,
                                    std::vector<FunctionInfo>& functions) {
  if (formats.empty()) return {};
  if (abi == Abi::kNative) {
    return fail(ErrorKind::kInvalidArgument,
                "formats: a hookd plugin's functions declare their own formats when they register; "
                "the setting is for Extism and waPC plugins");
  }
  for (const FunctionInfo& declared : formats) {
    FunctionInfo* fn = nullptr;
    for (FunctionInfo& f : functions) {
      if (f.name == declared.name) fn = &f;
    }
    if (fn == nullptr) {
      std::string names;
      for (const FunctionInfo& f : functions) {
        if (names.size() > 512) {
          names += ", ...";
          break;
        }
        names += names.empty() ? "" : ", ";
        names += f.name;
      }
      return fail(ErrorKind::kInvalidArgument, "formats: the plugin has no function \"" +
                                                   declared.name.substr(0, 128) +
                                                   "\" (its functions: " + names + ")");
    }
    fn->input = declared.input;
    fn->output = declared.output;
  }
  return {};
}

}  // namespace hookd::engine::abi
