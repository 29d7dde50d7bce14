#include "observability/call_trace.hpp"

namespace hookd::server {

thread_local const CallTrace* CallTraceScope::current_call = nullptr;

}  // namespace hookd::server
