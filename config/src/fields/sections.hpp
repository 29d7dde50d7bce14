// The settings of each section of the config file, in the order the file
// is written (config_fields() joins them). One file each under fields/.
#pragma once

#include <vector>

#include "schema.hpp"

namespace hookd::config::detail {

std::vector<FieldSpec<Config>> server_fields();          // [server]
std::vector<FieldSpec<Config>> limits_fields();          // [limits]
std::vector<FieldSpec<Config>> plugin_runtime_fields();  // [engine], [plugin_defaults]
std::vector<FieldSpec<Config>> log_fields();             // [log]
std::vector<FieldSpec<Config>> kv_fields();              // [kv], [kv.redis]
std::vector<FieldSpec<Config>> fetch_fields();           // [fetch]
std::vector<FieldSpec<Config>> cluster_fields();         // [cluster]
std::vector<FieldSpec<Config>> signing_fields();         // [signing]
std::vector<FieldSpec<Config>> tracing_fields();         // [tracing]

}  // namespace hookd::config::detail
