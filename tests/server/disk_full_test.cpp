// A full disk (ENOSPC) while replacing a plugin through the admin API: the
// upload fails with a clear error, nothing half-written is left, the old
// version keeps serving, and it is what a restart on the same data directory
// loads. The data directory is a tiny tmpfs, which needs root (or
// CAP_SYS_ADMIN); without it the test is skipped.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>
#include <tuple>

#include "admin_client.hpp"
#include "eventually.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "test_timeouts.hpp"

namespace hookd::test {
namespace {

namespace fs = std::filesystem;

// `wasm` with a custom section of `pad` bytes appended: still a valid module.
std::string padded(std::string wasm, size_t pad) {
  std::string section;
  section += '\x03';  // name length
  section += "pad";
  section.append(pad, '\0');
  std::string size;  // LEB128
  for (size_t n = section.size();;) {
    const auto byte = static_cast<char>(n & 0x7f);
    n >>= 7;
    size += n != 0 ? static_cast<char>(byte | 0x80) : byte;
    if (n == 0) break;
  }
  wasm += '\0';  // custom section id
  wasm += size;
  wasm += section;
  return wasm;
}

std::vector<std::string> all_files(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& f : fs::recursive_directory_iterator(dir)) {
    if (f.is_regular_file()) out.push_back(fs::relative(f.path(), dir).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class TinyDisk {
 public:
  TinyDisk() : dir_(fresh_dir("enospc")) {
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=512k,mode=0700") == 0) {
      mounted_ = true;
    } else {
      why_ = std::strerror(errno);
    }
  }
  ~TinyDisk() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  [[nodiscard]] bool mounted() const { return mounted_; }
  [[nodiscard]] const std::string& why() const { return why_; }
  [[nodiscard]] const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
  bool mounted_ = false;
  std::string why_;
};

config::Config tiny_config(const fs::path& data) {
  auto c = test_config(data);
  c.server.load_example_plugins = false;
  c.kv.backend = config::KvBackend::memory;
  return c;
}

std::string sha_of(AdminClient& admin, const std::string& name) {
  auto e = admin.listed(name);
  return e.is_object() ? std::string(e.at("sha256").as_string()) : std::string();
}

TEST(DiskFull, AnUploadThatDoesNotFitFailsCleanlyAndTheOldVersionSurvivesARestart) {
  TinyDisk disk;
  if (!disk.mounted())
    GTEST_SKIP() << "cannot mount a tmpfs for the data directory (" << disk.why() << "); needs root";

  auto g = start_gateway(tiny_config(disk.dir()));
  ASSERT_NE(g, nullptr);
  std::string old_sha;
  {
    AdminClient admin(g->admin_port(), "test-token");
    auto up = admin.put("echo", plugin_bytes("echo"), {{"X-Hookd-Settings", R"({"config":{"v":"old"}})"}});
    ASSERT_EQ(up.result_int(), 201) << up.body();
    old_sha = sha_of(admin, "echo");

    auto big = admin.put("echo", padded(plugin_bytes("echo"), 1u << 20),
                         {{"X-Hookd-Settings", R"({"config":{"v":"new"}})"}});
    EXPECT_TRUE(big.result_int() == 507 || big.result_int() == 500) << big.result_int();
    EXPECT_NE(big.body().find("the disk is full"), std::string::npos) << big.body();
    EXPECT_EQ(big[http::field::content_type], "application/json");

    // The serving copy and the first upload's version; nothing of the second.
    EXPECT_EQ(all_files(disk.dir()),
              (std::vector<std::string>{"plugins/echo.plugin", "plugins/versions/echo/1.plugin",
                                        "plugins/versions/echo/index.json"}));
    EXPECT_EQ(sha_of(admin, "echo"), old_sha);
    HttpClient client(g->port());
    EXPECT_EQ(client.post("/plugins/echo/echo", "still here").body(), "still here");
  }
  g.reset();

  g = start_gateway(tiny_config(disk.dir()));
  ASSERT_NE(g, nullptr);
  AdminClient admin(g->admin_port(), "test-token");
  EXPECT_EQ(sha_of(admin, "echo"), old_sha);
  auto entry = admin.listed("echo");
  ASSERT_TRUE(entry.is_object());
  EXPECT_EQ(entry.at("settings").at("config").at("v").as_string(), "old");
  HttpClient client(g->port());
  EXPECT_EQ(client.post("/plugins/echo/echo", "after restart").body(), "after restart");
}

// The access log on a disk that is already full: every line the writer
// could not write is counted in hookd_access_log_dropped_total, so the lines
// in the file and the count add up to the requests served.
TEST(DiskFull, AccessLogLinesLostToAFullDiskAreCountedInMetrics) {
  TinyDisk disk;
  if (!disk.mounted())
    GTEST_SKIP() << "cannot mount a tmpfs for the access log (" << disk.why() << "); needs root";
  const fs::path log_file = disk.dir() / "access.log";
  {
    std::ofstream fill(disk.dir() / "fill", std::ios::binary);
    const std::string block(4096, 'f');
    while (fill.write(block.data(), block.size())) {
    }
  }
  auto c = tiny_config(fresh_dir("enospc-data"));
  c.log.access_log = true;
  c.log.access_log_file = log_file.string();
  c.plugins.push_back(plugin_entry("echo", "echo"));
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);
  constexpr int kRequests = 50;
  {
    HttpClient client(g->port());
    for (int i = 0; i < kRequests; ++i) ASSERT_EQ(client.post("/plugins/echo/echo", "x").result_int(), 200);
  }
  // The writer thread writes within its flush interval: wait for every line
  // to be either in the file or counted.
  auto count = [&] {
    auto metrics = AdminClient(g->admin_port(), "test-token").send(http::verb::get, "/metrics");
    // The sample's line, not the HELP and TYPE lines that name the family.
    const std::string series = "\nhookd_access_log_dropped_total ";
    const auto at = metrics.body().find(series);
    const uint64_t lost =
        at == std::string::npos ? 0 : std::stoull(metrics.body().substr(at + series.size()));
    size_t lines = 0;
    std::ifstream in(log_file);
    for (std::string line; std::getline(in, line);)
      lines += line.find("/plugins/echo/echo") != std::string::npos;
    return std::pair<uint64_t, uint64_t>{lines, lost};
  };
  uint64_t written = 0, dropped = 0;
  eventually([&] {
    std::tie(written, dropped) = count();
    return written + dropped >= kRequests;
  });
  EXPECT_GT(dropped, 0u);
  // The metrics request itself is on the admin listener, not in the access log.
  EXPECT_EQ(written + dropped, static_cast<uint64_t>(kRequests)) << "written " << written;
}

}  // namespace
}  // namespace hookd::test
