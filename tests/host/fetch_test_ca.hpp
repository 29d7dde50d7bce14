// A throwaway certificate authority for HTTPS fetch tests, made at run time
// with the OpenSSL C API: EC P-256 keys, certificates valid for one day.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "fetch_test_server.hpp"
#include "temp_dir.hpp"

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

using TempDir = hookd::test::TempDir;

}  // namespace hookd::host::test
