// Throughput of JSON <-> msgpack transcoding for a typical ~4 KB API body,
// with the reused output buffers the gateway uses.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "hookd/server/transcode.hpp"

namespace hookd::server {
namespace {

// ~4 KB: an array of small records mixing ints, floats, strings, bools, nulls.
std::string typical_body() {
  std::string s = R"({"request_id":"3f9c2a7e-5b1d-4e8a-9c0f-1a2b3c4d5e6f","items":[)";
  for (int i = 0; s.size() < 3900; ++i) {
    if (i) s += ',';
    s += R"({"id":)" + std::to_string(i * 7919) + R"(,"name":"user name )" + std::to_string(i) +
         R"(","score":)" + std::to_string(i * 1.37) + R"(,"active":)" + (i % 2 ? "true" : "false") +
         R"(,"tags":["a","bb","ccc"],"note":null})";
  }
  return s + "]}";
}

void BM_JsonToMsgpack(benchmark::State& state) {
  const std::string json = typical_body();
  std::vector<uint8_t> out;
  for (auto _ : state) {
    out.clear();
    auto r = json_to_msgpack(json, out);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * json.size()));
  state.counters["json_bytes"] = static_cast<double>(json.size());
}
BENCHMARK(BM_JsonToMsgpack);

void BM_MsgpackToJson(benchmark::State& state) {
  std::vector<uint8_t> mp;
  if (!json_to_msgpack(typical_body(), mp)) {
    state.SkipWithError("could not build the input");
    return;
  }
  std::string out;
  for (auto _ : state) {
    out.clear();
    auto r = msgpack_to_json(mp, out);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * mp.size()));
  state.counters["msgpack_bytes"] = static_cast<double>(mp.size());
}
BENCHMARK(BM_MsgpackToJson);

}  // namespace
}  // namespace hookd::server

BENCHMARK_MAIN();
