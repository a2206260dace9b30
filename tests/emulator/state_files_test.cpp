// What the local tenant writes to disk is its owner's alone: a new state directory (as `serve
// --state NEW` makes it) is 0700, and the journal, snapshot, signing key and TLS CA key are 0600.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include <unistd.h>

#include "emulator/store/directory_store.h"
#include "emulator/local_tenant.h"

namespace fs = std::filesystem;
using namespace entragate;

TEST_CASE("a new state directory is 0700 and every secret the local tenant keeps in it is 0600") {
  fs::path root = fs::temp_directory_path() / ("entragate-modes-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::path state = root / "new" / "state";
  {
    emulator::LocalTenantOptions options;
    options.state_dir = state.string();
    options.tls = true;  // the CA and its key are kept in the state directory
    auto tenant = emulator::LocalTenant::Start(options);
    REQUIRE_MESSAGE(tenant.ok(), (tenant.ok() ? "" : tenant.error().message));
    REQUIRE(tenant.value()->store().Reset().ok());  // writes the snapshot
    tenant.value()->Stop();
  }
  const fs::perms owner_rw = fs::perms::owner_read | fs::perms::owner_write;
  CHECK((fs::status(state).permissions() & fs::perms::all) == fs::perms::owner_all);
  int files = 0;
  for (const auto& entry : fs::directory_iterator(state)) {
    if (!entry.is_regular_file()) continue;
    std::string name = entry.path().filename().string();
    CAPTURE(name);
    fs::perms mode = entry.status().permissions() & fs::perms::all;
    ++files;
    // The CA certificate is public by nature (clients are handed it); the directory already keeps
    // it from other users. Everything else is secret.
    if (name == "ca.pem")
      CHECK((mode & (fs::perms::group_write | fs::perms::others_write)) == fs::perms::none);
    else
      CHECK(mode == owner_rw);
  }
  CHECK(files >= 4);  // journal, snapshot, signing key, CA key (and the CA)
  CHECK(fs::exists(state / "journal.jsonl"));
  CHECK(fs::exists(state / "snapshot.json"));
  CHECK(fs::exists(state / "ca-key.pem"));
  fs::remove_all(root);
}
