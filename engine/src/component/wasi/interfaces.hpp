// The interfaces hookd's WASI 0.2 host implements, one builder each. Each
// declares its functions with the WIT's types (tests/components/wit, WASI
// 0.2.10, wasi:keyvalue and wasi:config 0.2.0-draft) and implements them
// over WasiState.
#pragma once

#include <string>
#include <vector>

#include "component/host_interface.hpp"
#include "component/wasi/decl.hpp"

namespace hookd::engine::component::wasi {

class WasiState;

// Adds each interface of its group to `out`; the first declaration error stops.
Result<void> add_http_interfaces(std::vector<HostInterface>& out);          // types, outgoing-handler
Result<void> add_io_interfaces(std::vector<HostInterface>& out);            // streams, poll, error
Result<void> add_clock_random_interfaces(std::vector<HostInterface>& out);  // clocks, random
Result<void> add_cli_interfaces(std::vector<HostInterface>& out);  // stdio, terminal, environment, exit
Result<void> add_filesystem_interfaces(std::vector<HostInterface>& out);  // types, preopens
Result<void> add_keyvalue_interfaces(std::vector<HostInterface>& out);    // store, atomics (0.2.0-draft)
Result<void> add_config_interfaces(std::vector<HostInterface>& out);      // store (0.2.0-draft)

// Shared pieces.
// wasi:io/streams stream-error.
TypeId stream_error_type(Decl& d);
// A stream-error value: last-operation-failed with a new error resource
// holding `message`, or closed when `message` is empty.
Result<Value> stream_error(WasiState& state, std::string message);
// A pollable that is ready at once (streams and futures: bodies are buffered).
Result<Value> ready_pollable(WasiState& state);
// wasi:http/types error-code.
TypeId http_error_code_type(Decl& d);
// The case name of an error-code value (for the log).
std::string describe_http_error_code(const Value& code);

}  // namespace hookd::engine::component::wasi
