#pragma once
// A token obtained elsewhere and handed over in ENTRAGATE_ACCESS_TOKEN (e.g. from a pipeline that
// already has one). It is used as is, whatever the scope asked for.

#include <string>

#include "providers/graph/credentials/credential.h"
#include "providers/graph/credentials/room.h"

namespace entragate::graph {

class StaticTokenCredential : public Credential {
 public:
  StaticTokenCredential(std::string token, Clock now);

  /// The token, expiring at its `exp` claim when it decodes as a JWT (an already expired one is a
  /// kAuth error, which says when it expired); an opaque token never expires as far as we can
  /// tell, and Graph will say when it does.
  engine::Result<AccessToken> GetToken(const std::string& scope) override;
  /// "access token (ENTRAGATE_ACCESS_TOKEN)".
  std::string Name() const override;

 private:
  std::string token_;
  Clock now_;
};

}  // namespace entragate::graph
