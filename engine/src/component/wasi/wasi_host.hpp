// hookd's WASI 0.2 host for components: the interfaces a wasi:http/proxy
// component imports (wasi:http/types and outgoing-handler, wasi:io,
// wasi:clocks, wasi:random, wasi:cli, wasi:filesystem as stubs), served for
// every 0.2.x version, wasi:keyvalue and wasi:config at 0.2.0-draft, and a
// WasiState per instance. Outgoing HTTP, key-value and config go through
// the embedder's host functions (WasiOptions::host_function).
//
// How the runtime serves a request with it (see state.hpp):
//   auto& st = static_cast<wasi::WasiState&>(*state);   // from make_state()
//   st.begin_call(ctx);
//   auto args = st.begin_request(input);   // reps of own<incoming-request>, own<response-outparam>
//   ... call the export wasi:http/incoming-handler.handle(request, response_out) ...
//   auto body = st.take_response(ctx.response);  // status and headers to the sink; the body
//   ... copy body into the call's output ...
//   st.end_call();
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "component/host_interface.hpp"
#include "component/wasi/options.hpp"
#include "component/wasi/state.hpp"

namespace hookd::engine::component::wasi {

class WasiHost final : public HostInterfaces {
 public:
  // Fails only on a declaration error (a bug; tests make one).
  static Result<std::unique_ptr<WasiHost>> create(WasiOptions options = {});

  // "wasi:http/types@0.2.10" -> the interface when "0.2.10" is 0.2.x.
  [[nodiscard]] const HostInterface* find(std::string_view import_name) const override;
  [[nodiscard]] std::unique_ptr<HostState> make_state() const override;

  [[nodiscard]] const std::vector<HostInterface>& interfaces() const { return interfaces_; }
  [[nodiscard]] const WasiOptions& options() const { return options_; }

 private:
  explicit WasiHost(WasiOptions options) : options_(std::move(options)) {}

  WasiOptions options_;
  std::vector<HostInterface> interfaces_;
};

// Whether `version` is served by `prefix` ("0.2" serves "0.2", "0.2.0",
// "0.2.12"; not "0.20", "0.3.0" nor a pre-release "0.2.0-rc-2023-11-10").
bool version_matches(std::string_view version, std::string_view prefix);

}  // namespace hookd::engine::component::wasi
