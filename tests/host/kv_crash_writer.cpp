// Helper for lmdb_crash_test: opens the LMDB store in argv[1] and writes keys
// "<argv[2]>-k0", "-k1", ... forever, printing each key on stdout only after
// set() has returned success. The test kills it with SIGKILL at random.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "crash_values.hpp"
#include "hookd/host/lmdb_kv_store.hpp"

int main(int argc, char** argv) {
  using namespace hookd::host;
  if (argc != 3) {
    std::fprintf(stderr, "usage: kv_crash_writer DIR TAG\n");
    return 2;
  }
  LmdbKvOptions options;
  options.dir = argv[1];
  options.map_size_bytes = std::size_t{256} << 20;
  auto kv = LmdbKvStore::open(options);
  if (!kv) {
    std::fprintf(stderr, "open: %s\n", kv.error().message.c_str());
    return 1;
  }
  for (long i = 0; i < 1'000'000; ++i) {
    const std::string key = std::string(argv[2]) + "-k" + std::to_string(i);
    if (auto ok = (*kv)->set(test::kCrashNamespace, key, test::crash_value(key)); !ok) {
      std::fprintf(stderr, "set: %s\n", ok.error().message.c_str());
      return 1;
    }
    const std::string line = key + "\n";
    if (::write(STDOUT_FILENO, line.data(), line.size()) != static_cast<ssize_t>(line.size())) return 1;
  }
  return 0;
}
