// The waPC guest ABI (__guest_call): to be filled in on branch abi-wapc.
#pragma once

#include "abi/guest_abi.hpp"
