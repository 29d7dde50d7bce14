// V8's "fast API call" declarations (CTypeInfo, CFunctionInfo, CFunction).
//
// They let guest code call a C++ function directly instead of through the
// JavaScript callback machinery (about 6 ns instead of 50-150 ns per call
// here). Debian's libnode-dev ships every V8 header except
// v8-fast-api-calls.h, so for that exact V8 (10.2) this file declares the
// three classes with the layout libnode.so was built with; the constructor
// of CFunctionInfo is libnode's own. Any other V8 without the header gets
// HOOKD_V8_FAST_CALLS 0 and every import takes the regular callback path.
#pragma once

#include <v8.h>

#if __has_include(<v8-fast-api-calls.h>)
#include <v8-fast-api-calls.h>
#define HOOKD_V8_FAST_CALLS 1
#elif V8_MAJOR_VERSION == 10 && V8_MINOR_VERSION == 2
#define HOOKD_V8_FAST_CALLS 1
#include <cstdint>

namespace v8 {

class CTypeInfo {
 public:
  // Order as in V8 10.2's include/v8-fast-api-calls.h.
  enum class Type : uint8_t { kVoid, kBool, kInt32, kUint32, kInt64, kUint64, kFloat32, kFloat64, kV8Value };
  constexpr explicit CTypeInfo(Type type) : type_(type) {}

 private:
  Type type_;
  uint8_t sequence_type_ = 0;  // scalar
  uint8_t flags_ = 0;          // none
};

class V8_EXPORT CFunctionInfo {
 public:
  // Defined in libnode.so.
  CFunctionInfo(const CTypeInfo& return_info, unsigned int arg_count, const CTypeInfo* arg_info);

 private:
  const CTypeInfo return_info_;
  const unsigned int arg_count_;
  const CTypeInfo* arg_info_;
};

class CFunction {
 public:
  constexpr CFunction(const void* address, const CFunctionInfo* type_info)
      : address_(address), type_info_(type_info) {}

 private:
  const void* address_;
  const CFunctionInfo* type_info_;
};

}  // namespace v8
#else
#define HOOKD_V8_FAST_CALLS 0
#endif
