#include "providers/graph/credentials/caching_credential.h"

#include <utility>

namespace entragate::graph {

CachingCredential::CachingCredential(std::unique_ptr<Credential> inner, Clock now) : inner_(std::move(inner)), now_(std::move(now)) {}

std::optional<AccessToken> CachingCredential::Cached(const std::string& scope) const {
  std::lock_guard lock(cache_mutex_);
  auto it = tokens_.find(scope);
  if (it == tokens_.end()) return std::nullopt;
  // Subtracting from expires_on, not adding to now, keeps a never-expiring INT64_MAX from
  // overflowing.
  if (it->second.expires_on - kTokenRefreshMargin <= now_()) return std::nullopt;
  return it->second;
}

engine::Result<AccessToken> CachingCredential::GetToken(const std::string& scope) {
  if (auto hit = Cached(scope)) return *hit;
  std::lock_guard fetching(fetch_mutex_);
  // Another caller may have fetched while we waited for the lock.
  if (auto hit = Cached(scope)) return *hit;
  auto token = inner_->GetToken(scope);
  if (!token) return token;
  std::lock_guard lock(cache_mutex_);
  tokens_[scope] = *token;
  return token;
}

std::string CachingCredential::Name() const { return inner_->Name(); }

void CachingCredential::Invalidate() {
  std::lock_guard lock(cache_mutex_);
  tokens_.clear();
}

}  // namespace entragate::graph
