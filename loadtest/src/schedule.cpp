#include "hookd/load/schedule.hpp"

#include <cmath>

namespace hookd::load {

std::chrono::nanoseconds RateSchedule::offset(std::uint64_t index) const {
  // long double keeps index * 1e9 exact well past any run we allow
  // (24h at 10M/s is under 2^50 requests).
  const long double ns = static_cast<long double>(index) * 1e9L / static_cast<long double>(rate_);
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(ns)));
}

std::uint64_t RateSchedule::first_index_at(std::chrono::nanoseconds since_start) const {
  if (since_start.count() <= 0) return 0;
  const long double guess = static_cast<long double>(since_start.count()) * rate_ / 1e9L;
  auto i = static_cast<std::uint64_t>(std::floor(guess));
  i = i > 1 ? i - 1 : 0;  // rounding in offset() may place the boundary one off
  while (offset(i) < since_start) ++i;
  return i;
}

std::uint64_t count_residue(std::uint64_t lo, std::uint64_t hi, std::uint64_t residue, std::uint64_t stride) {
  auto below = [&](std::uint64_t n) {  // count in [0, n)
    return n / stride + (n % stride > residue ? 1 : 0);
  };
  return hi <= lo ? 0 : below(hi) - below(lo);
}

}  // namespace hookd::load
