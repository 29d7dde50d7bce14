// hookd_signing on its own: keys, the signed message, base64, and every way
// verify() refuses a module. Keys are generated in the test.
#include "hookd/signing/signing.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <string>

namespace hookd::signing {
namespace {

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

const std::string kModuleSha = sha256_hex(bytes_of("module one"));
const std::string kOtherSha = sha256_hex(bytes_of("module two"));

KeyPair new_key() {
  auto key = generate_key_pair();
  EXPECT_TRUE(key) << key.error();
  return key.value_or(KeyPair{});
}

TEST(Signing, Sha256HexIsTheKnownDigest) {
  EXPECT_EQ(sha256_hex(bytes_of("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Signing, SignedMessageIsThePrefixAndTheHexDigest) {
  EXPECT_EQ(signed_message(kModuleSha), "hookd-plugin-v1:" + kModuleSha);
}

TEST(Signing, Base64MatchesTheStandardVectors) {
  // RFC 4648, section 10.
  const std::pair<std::string_view, std::string_view> vectors[] = {{"", ""},
                                                                   {"f", "Zg=="},
                                                                   {"fo", "Zm8="},
                                                                   {"foo", "Zm9v"},
                                                                   {"foob", "Zm9vYg=="},
                                                                   {"fooba", "Zm9vYmE="},
                                                                   {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(bytes_of(plain)), encoded);
    auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded) << encoded;
    EXPECT_EQ(std::string(decoded->begin(), decoded->end()), plain);
  }
}

TEST(Signing, Base64DecodeRefusesAnythingButStrictPaddedBase64) {
  for (std::string_view bad :
       {"Zg", "Zg=", "Z===", "Zm9v\n", " Zm9v", "Zm=v", "Zm9-", "Zm9_", "====", "Zg==Zg=="}) {
    EXPECT_FALSE(base64_decode(bad)) << bad;
  }
}

TEST(Signing, KeyPairRoundTripsThroughItsTextForms) {
  const KeyPair key = new_key();
  EXPECT_TRUE(key.private_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
  const std::string text = public_key_text(key.public_key);
  EXPECT_TRUE(text.starts_with("ed25519:"));
  EXPECT_EQ(text.size(), 8u + 44u);
  auto parsed = parse_public_key(text);
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(*parsed, key.public_key);
  auto from_private = public_key_of(key.private_pem);
  ASSERT_TRUE(from_private) << from_private.error();
  EXPECT_EQ(*from_private, key.public_key);
}

TEST(Signing, KeyIdIsSixteenHexDigitsOfTheKeysSha256) {
  const KeyPair key = new_key();
  EXPECT_EQ(key_id(key.public_key), sha256_hex(key.public_key).substr(0, 16));
  EXPECT_NE(key_id(key.public_key), key_id(new_key().public_key));
}

TEST(Signing, ParsePublicKeyRefusesOtherShapes) {
  for (std::string_view bad : {"", "ed25519:", "rsa:AAAA", "ed25519:AAAA",
                               "ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",  // 31 bytes
                               "ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!"}) {
    EXPECT_FALSE(parse_public_key(bad)) << bad;
  }
}

TEST(Signing, APrivateKeyThatIsNotEd25519IsRefused) {
  EXPECT_FALSE(public_key_of("not a key"));
  EXPECT_FALSE(sign("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", kModuleSha));
  EVP_PKEY* ec = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  ASSERT_NE(ec, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_PrivateKey(bio, ec, nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  const std::string pem(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  EVP_PKEY_free(ec);
  auto signed_with_ec = sign(pem, kModuleSha);
  ASSERT_FALSE(signed_with_ec);
  EXPECT_EQ(signed_with_ec.error(), "not a PEM Ed25519 private key");
}

TEST(Signing, SignatureByATrustedKeyVerifiesAndNamesTheKey) {
  const KeyPair key = new_key();
  auto signature = sign(key.private_pem, kModuleSha);
  ASSERT_TRUE(signature) << signature.error();
  EXPECT_EQ(signature->size(), kSignatureChars);
  const PublicKey trusted[] = {new_key().public_key, key.public_key};
  for (bool require : {true, false}) {
    auto by = verify(trusted, require, kModuleSha, *signature);
    ASSERT_TRUE(by) << by.error().message;
    EXPECT_EQ(*by, key_id(key.public_key));
  }
}

// The format is the documented one, not just whatever sign() does: a signature
// made with plain OpenSSL over "hookd-plugin-v1:<hex>" verifies.
TEST(Signing, SignatureMadeByPlainOpenSslOverTheDocumentedMessageVerifies) {
  const KeyPair key = new_key();
  BIO* bio = BIO_new_mem_buf(key.private_pem.data(), static_cast<int>(key.private_pem.size()));
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(pkey, nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, pkey), 1);
  const std::string message = "hookd-plugin-v1:" + kModuleSha;
  std::uint8_t raw[64];
  std::size_t len = sizeof raw;
  ASSERT_EQ(
      EVP_DigestSign(ctx, raw, &len, reinterpret_cast<const unsigned char*>(message.data()), message.size()),
      1);
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pkey);
  const PublicKey trusted[] = {key.public_key};
  EXPECT_TRUE(verify(trusted, true, kModuleSha, base64_encode({raw, len})));
  EXPECT_EQ(*sign(key.private_pem, kModuleSha), base64_encode({raw, len}));  // Ed25519 is deterministic
}

TEST(Signing, UnsignedModuleIsRefusedOnlyWhenASignatureIsRequired) {
  const PublicKey trusted[] = {new_key().public_key};
  auto required = verify(trusted, true, kModuleSha, "");
  ASSERT_FALSE(required);
  EXPECT_EQ(required.error().refusal, Refusal::kUnsigned);
  EXPECT_TRUE(required.error().message.starts_with("unsigned"));
  auto optional = verify(trusted, false, kModuleSha, "");
  ASSERT_TRUE(optional);
  EXPECT_EQ(*optional, "");
}

TEST(Signing, SignatureByAKeyThatIsNotTrustedIsRefusedEvenWhenNotRequired) {
  const KeyPair stranger = new_key();
  const std::string signature = *sign(stranger.private_pem, kModuleSha);
  const PublicKey trusted[] = {new_key().public_key};
  for (bool require : {true, false}) {
    auto r = verify(trusted, require, kModuleSha, signature);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().refusal, Refusal::kUntrusted);
    EXPECT_TRUE(r.error().message.starts_with("signature does not match any trusted key"))
        << r.error().message;
  }
  auto none_trusted = verify({}, false, kModuleSha, signature);
  ASSERT_FALSE(none_trusted);
  EXPECT_EQ(none_trusted.error().refusal, Refusal::kUntrusted);
}

TEST(Signing, SignatureOfAnotherModuleIsRefused) {
  const KeyPair key = new_key();
  const PublicKey trusted[] = {key.public_key};
  auto r = verify(trusted, true, kModuleSha, *sign(key.private_pem, kOtherSha));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().refusal, Refusal::kUntrusted);
}

TEST(Signing, ASignatureWithOneBitFlippedIsRefused) {
  const KeyPair key = new_key();
  const PublicKey trusted[] = {key.public_key};
  auto raw = *base64_decode(*sign(key.private_pem, kModuleSha));
  for (std::size_t i : {std::size_t{0}, std::size_t{31}, std::size_t{32}, std::size_t{63}}) {
    auto flipped = raw;
    flipped[i] ^= 0x01;
    auto r = verify(trusted, true, kModuleSha, base64_encode(flipped));
    ASSERT_FALSE(r) << i;
    EXPECT_EQ(r.error().refusal, Refusal::kUntrusted) << i;
  }
}

TEST(Signing, MalformedSignaturesAreRefusedWithAClearMessage) {
  const KeyPair key = new_key();
  const PublicKey trusted[] = {key.public_key};
  const std::string good = *sign(key.private_pem, kModuleSha);
  const std::string malformed[] = {
      "x",
      good.substr(0, 86),                                     // truncated
      good + "AAAA",                                          // too long
      std::string(87, 'A') + "!",                             // right length, not base64
      good.substr(0, 86) + "A=",                              // 65 bytes' worth of padding shape
      base64_encode(std::vector<std::uint8_t>(63, 1)) + "A",  // 84+1 characters
      std::string(1 << 20, 'A'),                              // huge
      std::string(88, '='),
  };
  for (const std::string& bad : malformed) {
    auto r = verify(trusted, false, kModuleSha, bad);
    ASSERT_FALSE(r) << bad.substr(0, 100);
    EXPECT_EQ(r.error().refusal, Refusal::kMalformed) << bad.substr(0, 100);
    EXPECT_TRUE(r.error().message.starts_with("malformed signature: expected 88 characters of base64"))
        << r.error().message;
    EXPECT_LT(r.error().message.size(), 200u);  // the input is never echoed
  }
}

// ---- manifest signatures ----------------------------------------------------

const std::string kManifest = R"({"name":"echo","sha256":")" + kModuleSha + R"(","grants":{}})";

TEST(ManifestSigning, SignatureCarriesTheManifestAndVerifiesOverTheDocumentedMessage) {
  const KeyPair key = new_key();
  auto signature = sign_manifest(key.private_pem, kManifest);
  ASSERT_TRUE(signature) << signature.error();
  ASSERT_TRUE(signature->starts_with("manifest:"));
  EXPECT_TRUE(is_manifest_signature(*signature));
  const size_t dot = signature->find('.');
  EXPECT_EQ(signature->substr(9, dot - 9), base64_encode(bytes_of(kManifest)));
  // The signature part is a plain Ed25519 signature over the prefixed manifest,
  // which a module signature can never be (and the other way round).
  const std::string raw = signature->substr(dot + 1);
  EXPECT_EQ(raw.size(), kSignatureChars);
  const PublicKey trusted[] = {new_key().public_key, key.public_key};
  auto verified = verify_manifest(trusted, *signature);
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->key_id, key_id(key.public_key));
  EXPECT_EQ(verified->manifest, kManifest);
  EXPECT_FALSE(verify(trusted, true, kModuleSha, raw)) << "a manifest signature is not a module signature";
  auto module_signature = sign(key.private_pem, kModuleSha);
  ASSERT_TRUE(module_signature);
  EXPECT_FALSE(verify_manifest(
      trusted, "manifest:" + base64_encode(bytes_of(signed_message(kModuleSha))) + "." + *module_signature))
      << "a module signature is not a manifest signature";
}

TEST(ManifestSigning, AChangedManifestOrAnUntrustedKeyIsRefused) {
  const KeyPair key = new_key();
  const PublicKey trusted[] = {key.public_key};
  auto signature = sign_manifest(key.private_pem, kManifest);
  ASSERT_TRUE(signature);
  std::string renamed = kManifest;
  renamed.replace(renamed.find("echo"), 4, "evil");
  const std::string swapped =
      "manifest:" + base64_encode(bytes_of(renamed)) + signature->substr(signature->find('.'));
  auto r = verify_manifest(trusted, swapped);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().refusal, Refusal::kUntrusted);
  const PublicKey others[] = {new_key().public_key};
  auto untrusted = verify_manifest(others, *signature);
  ASSERT_FALSE(untrusted);
  EXPECT_EQ(untrusted.error().refusal, Refusal::kUntrusted);
  EXPECT_NE(untrusted.error().message.find("manifest signature does not match any trusted key"),
            std::string::npos);
}

TEST(ManifestSigning, MalformedManifestSignaturesAreRefusedBeforeDecodingMuch) {
  const KeyPair key = new_key();
  const PublicKey trusted[] = {key.public_key};
  auto good = sign_manifest(key.private_pem, kManifest);
  ASSERT_TRUE(good);
  const std::string tail = good->substr(good->find('.'));
  for (const std::string& bad :
       {std::string("manifest:"), std::string("manifest:Zm9v"), "manifest:Zm9v" + tail.substr(0, 50),
        "manifest:=" + tail, "manifest:" + tail, "manifest:" + std::string(1 << 20, 'A') + tail}) {
    auto r = verify_manifest(trusted, bad);
    ASSERT_FALSE(r) << bad.substr(0, 80);
    EXPECT_EQ(r.error().refusal, Refusal::kMalformed) << bad.substr(0, 80);
    EXPECT_TRUE(r.error().message.starts_with("malformed manifest signature")) << r.error().message;
    EXPECT_LT(r.error().message.size(), 300u);
  }
  EXPECT_FALSE(sign_manifest(key.private_pem, std::string(kMaxManifestBytes + 1, 'x')));
  EXPECT_FALSE(sign_manifest(key.private_pem, ""));
  auto largest = sign_manifest(key.private_pem, std::string(kMaxManifestBytes, 'x'));
  ASSERT_TRUE(largest);
  EXPECT_EQ(largest->size(), kMaxManifestSignatureChars);
  EXPECT_LE(kMaxManifestSignatureChars, 4096u) << "the plugin setting's limit";
  EXPECT_TRUE(verify_manifest(trusted, *largest));
}

}  // namespace
}  // namespace hookd::signing
