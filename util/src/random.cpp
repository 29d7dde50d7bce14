#include "hookd/util/random.hpp"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>

namespace hookd::util {
namespace {

class SystemRandom final : public RandomSource {
 public:
  bool fill(std::span<uint8_t> out) override {
    size_t done = 0;
    while (done < out.size()) {
      const ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
      if (n > 0) {
        done += static_cast<size_t>(n);
      } else if (n < 0 && errno != EINTR) {
        return false;  // ENOSYS, EFAULT...: asking again would spin forever
      }
    }
    return true;
  }
};

class Xoshiro final : public RandomSource {
 public:
  explicit Xoshiro(uint64_t seed) {
    for (auto& s : state_) {
      seed += 0x9e3779b97f4a7c15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      s = z ^ (z >> 31);
    }
  }
  bool fill(std::span<uint8_t> out) override {
    std::lock_guard lock(mu_);
    size_t i = 0;
    while (i < out.size()) {
      uint64_t v = next();
      size_t n = std::min(sizeof v, out.size() - i);
      std::memcpy(out.data() + i, &v, n);
      i += n;
    }
    return true;
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t next() {
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }
  std::mutex mu_;
  uint64_t state_[4]{};
};

class FixedRandom final : public RandomSource {
 public:
  explicit FixedRandom(std::vector<uint8_t> pattern) : pattern_(std::move(pattern)) {}
  bool fill(std::span<uint8_t> out) override {
    if (pattern_.empty()) return false;
    for (size_t i = 0; i < out.size(); ++i) out[i] = pattern_[i % pattern_.size()];
    return true;
  }

 private:
  const std::vector<uint8_t> pattern_;
};

}  // namespace

std::shared_ptr<RandomSource> system_random() {
  static const auto source = std::make_shared<SystemRandom>();
  return source;
}

std::shared_ptr<RandomSource> deterministic_random(uint64_t seed) { return std::make_shared<Xoshiro>(seed); }

std::shared_ptr<RandomSource> fixed_random(std::vector<uint8_t> pattern) {
  return std::make_shared<FixedRandom>(std::move(pattern));
}

}  // namespace hookd::util
