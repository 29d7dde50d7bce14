#include "fetch_test_ca.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace hookd::host::test {
// Named, not anonymous: TestCa::Impl holds them, and in a unity batch this
// file reads to the compiler as an included header would.
namespace ca_detail {

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
  void operator()(X509* c) const { X509_free(c); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

}  // namespace ca_detail
using ca_detail::Cert;
using ca_detail::Key;

namespace {

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test CA: ") + what);
}

Key new_key() {
  Key key(EVP_EC_gen("P-256"));
  check(key != nullptr, "EVP_EC_gen");
  return key;
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  check(ext != nullptr, "X509V3_EXT_conf_nid");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

Cert new_cert(EVP_PKEY* key, const std::string& common_name, long serial) {
  Cert cert(X509_new());
  check(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  return cert;
}

template <class Write>
std::string to_pem(Write write) {
  BIO* bio = BIO_new(BIO_s_mem());
  check(write(bio) == 1, "PEM write");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return out;
}

}  // namespace

struct TestCa::Impl {
  Key key;
  Cert cert;
  long next_serial = 2;
};

TestCa::TestCa() : impl_(std::make_unique<Impl>()) {
  impl_->key = new_key();
  impl_->cert = new_cert(impl_->key.get(), "hookd test CA", 1);
  X509* cert = impl_->cert.get();
  X509_set_issuer_name(cert, X509_get_subject_name(cert));
  add_extension(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
  add_extension(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(cert, cert, NID_subject_key_identifier, "hash");
  check(X509_sign(cert, impl_->key.get(), EVP_sha256()) > 0, "X509_sign CA");
}

TestCa::~TestCa() = default;

TlsIdentity TestCa::issue(const std::vector<std::string>& subject_alt_names) {
  Key key = new_key();
  Cert cert = new_cert(key.get(), "hookd test server", impl_->next_serial++);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(impl_->cert.get()));
  std::string sans;
  for (const auto& san : subject_alt_names) sans += (sans.empty() ? "" : ",") + san;
  add_extension(cert.get(), impl_->cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert.get(), impl_->cert.get(), NID_ext_key_usage, "serverAuth");
  add_extension(cert.get(), impl_->cert.get(), NID_subject_alt_name, sans);
  add_extension(cert.get(), impl_->cert.get(), NID_authority_key_identifier, "keyid");
  check(X509_sign(cert.get(), impl_->key.get(), EVP_sha256()) > 0, "X509_sign server");
  return TlsIdentity{
      to_pem([&](BIO* bio) { return PEM_write_bio_X509(bio, cert.get()); }),
      to_pem([&](BIO* bio) {
        return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
      }),
  };
}

std::string TestCa::cert_pem() const {
  return to_pem([&](BIO* bio) { return PEM_write_bio_X509(bio, impl_->cert.get()); });
}

}  // namespace hookd::host::test
