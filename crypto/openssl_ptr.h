#pragma once
// unique_ptr aliases for OpenSSL objects, so every crypto file frees them the same way. Internal to
// crypto/.

#include <memory>

#include <openssl/bio.h>
#include <openssl/bn.h>

namespace entragate::crypto::detail {

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const {
    Free(p);
  }
};

using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;

}  // namespace entragate::crypto::detail
