// A throwaway certificate authority for HTTPS fetch tests, made at run time
// with the OpenSSL C API: EC P-256 keys, certificates valid for one day.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "fetch_test_server.hpp"

namespace hookd::host::test {

class TestCa {
 public:
  TestCa();  // generates the CA key and self-signed certificate
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  /// A server certificate and key signed by this CA, with the given
  /// subjectAltName entries ("DNS:localhost", "IP:127.0.0.1").
  TlsIdentity issue(const std::vector<std::string>& subject_alt_names);

  std::string cert_pem() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// A directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  /// Writes `content` to `name` inside the directory and returns its path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

}  // namespace hookd::host::test
