// The host resources of hookd's WASI 0.2 host, numbered once for every
// interface (HostResource::id): wasi:http/types names wasi:io/streams'
// input-stream by the same number wasi:io/streams declares it with.
#pragma once

#include <cstdint>
#include <string_view>

#include "component/canonical/value_type.hpp"

namespace hookd::engine::component::wasi {

enum class Res : canonical::ResourceTypeId {
  kFields,
  kIncomingRequest,
  kOutgoingRequest,
  kRequestOptions,
  kResponseOutparam,
  kIncomingResponse,
  kIncomingBody,
  kFutureTrailers,
  kOutgoingResponse,
  kOutgoingBody,
  kFutureIncomingResponse,
  kInputStream,
  kOutputStream,
  kPollable,
  kError,
  kTerminalInput,
  kTerminalOutput,
  kDescriptor,
  kBucket,
  kCount,
};

inline constexpr canonical::ResourceTypeId id(Res r) { return static_cast<canonical::ResourceTypeId>(r); }

// The resource's name in its interface ("fields", "input-stream").
std::string_view resource_name(Res r);

}  // namespace hookd::engine::component::wasi
