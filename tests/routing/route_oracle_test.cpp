// Random route tables and requests against the brute-force oracle of the
// fuzz target (tests/fuzz/routes_fuzz.cpp, linked in): every lookup must
// give the route that trying every route in the header's precedence
// gives, with the same captures, Allow set and status. The tables are made
// of a few short and long segments, so that chains of single literal
// children (compared as one edge), shared prefixes, parameters and
// wildcards at the same node, hosts and method sets meet; the requests are
// the routes' own paths with parameters filled, cut, extended or changed.
// A broken property aborts (the fuzz target's check) after printing the
// input that broke it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

// The fuzz target's entry point, by libFuzzer's name.
// NOLINTNEXTLINE(readability-identifier-naming)
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::string current;  // the input being checked, printed if a check aborts

extern "C" void print_current(int /*signal*/) {
  constexpr std::string_view kHeader = "\nroute oracle: the input that broke a property:\n";
  (void)!::write(2, kHeader.data(), kHeader.size());
  (void)!::write(2, current.data(), current.size());
}

class Generator {
 public:
  explicit Generator(std::uint32_t seed) : random_(seed) {}

  std::string input() {
    std::string text;
    std::vector<std::string> paths;
    const int routes = pick(1, 24);
    for (int i = 0; i < routes; ++i) {
      std::string path = pattern();
      text += "R " + methods() + ' ' + host() + ' ' + path + ' ' + "fgh"[pick(0, 2)] + '\n';
      paths.push_back(std::move(path));
    }
    for (int i = 0; i < 40; ++i) {
      text += "Q " + method() + ' ' + host() + ' ' + request(paths[pick(0, routes - 1)]) + '\n';
    }
    return text;
  }

 private:
  int pick(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }
  bool chance(int percent) { return pick(1, 100) <= percent; }

  std::string literal() {
    static const char* const kWords[] = {"a",
                                         "b",
                                         "api",
                                         "v1",
                                         "echo",
                                         "r1",
                                         "lit",
                                         "abcdefgh",
                                         "abcdefghi",
                                         "abcdefghijklmnop",
                                         "abcdefghijklmnoq",
                                         "x.y",
                                         "users-by-name",
                                         "7"};
    return kWords[pick(0, std::size(kWords) - 1)];
  }

  std::string pattern() {
    if (chance(5)) return "/";
    std::string path;
    const int segments = pick(1, 5);
    for (int i = 0; i < segments; ++i) {
      if (i == segments - 1 && chance(15)) return path + "/*";
      path += '/';
      path += chance(25) ? (chance(50) ? "{id}" : "{name}") : literal();
    }
    return path;
  }

  std::string methods() {
    static const char* const kSets[] = {"-",    "GET",        "POST", "GET,POST",
                                        "HEAD", "PUT,DELETE", "*",    "GET,HEAD"};
    return kSets[pick(0, std::size(kSets) - 1)];
  }

  std::string method() {
    static const char* const kMethods[] = {"GET",    "HEAD",  "POST",    "PUT",
                                           "DELETE", "PATCH", "OPTIONS", "PROPFIND"};
    return kMethods[pick(0, std::size(kMethods) - 1)];
  }

  std::string host() {
    static const char* const kHosts[] = {"-", "-", "-", "h.example", "H.Example:8080", "other.example"};
    return kHosts[pick(0, std::size(kHosts) - 1)];
  }

  // A request near `pattern`: its parameters and wildcard filled, then
  // perhaps cut, extended, or with a segment or a byte changed.
  std::string request(const std::string& pattern) {
    std::string path;
    std::size_t at = 0;
    while (at < pattern.size()) {
      const auto close = pattern.find('}', at);
      if (pattern[at] == '{' && close != std::string::npos) {
        path += chance(50) ? literal() : std::to_string(pick(0, 99999));
        at = close + 1;
      } else if (pattern[at] == '*') {
        path += chance(20) ? "" : literal() + (chance(50) ? "/" + literal() : "");
        ++at;
      } else {
        path += pattern[at++];
      }
    }
    switch (pick(0, 9)) {
      case 0:
        path.resize(pick(0, static_cast<int>(path.size())));
        break;
      case 1:
        path += '/' + literal();
        break;
      case 2:
        path += '/';
        break;
      case 3:
        path += "?q=/a/b";
        break;
      case 4:
        if (!path.empty()) path[pick(0, static_cast<int>(path.size()) - 1)] = "/xa9"[pick(0, 3)];
        break;
      case 5:
        path.insert(0, "/");
        break;
      default:
        break;
    }
    return path;
  }

  std::mt19937 random_;
};

TEST(RouteOracle, RandomTablesAgreeWithTryingEveryRoute) {
  std::signal(SIGABRT, print_current);
  for (std::uint32_t seed = 1; seed <= 3000; ++seed) {
    Generator generator(seed);
    current = generator.input();
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(current.data()), current.size());
  }
  std::signal(SIGABRT, SIG_DFL);
}

}  // namespace
