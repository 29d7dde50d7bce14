// Calling hookd's WASI host functions directly, as a component's lowered
// import would, for the WASI host tests (wasi_http_host_fixture.hpp,
// wasi_services_test.cpp).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "component/wasi/wasi_host.hpp"

namespace hookd::engine::component::wasi::test {

// Calls `fn` of the interface `import` ("http/types", or with a version:
// "keyvalue/store@0.2.0-draft"; 0.2.10 when it names none) with `args`,
// inside `call` when it is not null. Checks the argument and result counts.
inline Result<std::vector<canonical::Value>> call_host(const WasiHost& host, HostState& state,
                                                       CallContext* call, std::string import,
                                                       std::string_view fn,
                                                       std::vector<canonical::Value> args) {
  if (import.find('@') == std::string::npos) import += "@0.2.10";
  const HostInterface* i = host.find("wasi:" + import);
  if (i == nullptr) return fail(ErrorKind::kNotFound, import);
  for (const HostFunction& f : i->functions) {
    if (f.name != fn) continue;
    EXPECT_EQ(args.size(), f.type.params.size()) << fn;
    HostCall hc{state, call};
    std::vector<canonical::Value> results;
    auto ok = f.fn(hc, args, results);
    if (!ok) return std::unexpected(ok.error());
    EXPECT_EQ(results.size(), f.type.results.size()) << fn;
    return results;
  }
  return fail(ErrorKind::kNotFound, std::string(fn));
}

// The single result of a call that must succeed.
inline canonical::Value call_host_one(const WasiHost& host, HostState& state, CallContext* call,
                                      std::string import, std::string_view fn,
                                      std::vector<canonical::Value> args) {
  auto r = call_host(host, state, call, std::move(import), fn, std::move(args));
  EXPECT_TRUE(r.has_value()) << fn << ": " << (r ? "" : r.error().message);
  if (!r || r->empty()) return {};
  return (*r)[0];
}

// Drops the handle `rep` of `resource` of interface `import` (e.g. "io/poll",
// version 0.2.10 unless it names one), as a component's resource.drop does.
inline Result<void> drop_resource(const WasiHost& host, HostState& state, std::string import,
                                  std::string_view resource, uint32_t rep) {
  if (import.find('@') == std::string::npos) import += "@0.2.10";
  const HostInterface* i = host.find("wasi:" + import);
  if (i == nullptr) return fail(ErrorKind::kNotFound, import);
  for (const HostResource& r : i->resources) {
    if (r.name == resource) return r.drop(state, rep);
  }
  return fail(ErrorKind::kNotFound, std::string(resource));
}

}  // namespace hookd::engine::component::wasi::test
