#pragma once
// What the intake core tests share: the demo directory, a test phone vault,
// callers by role and unit, and an agent of the centre.
#include <string>

#include "crypto/phone_vault.h"
#include "directory/directory.h"
#include "hotline/v1/work_order.pb.h"

namespace hotline::intake {

inline const directory::Directory& Demo() {
  static const directory::Directory d =
      *directory::Directory::LoadDataDir(std::string(HOTLINE_SOURCE_DIR) + "/data");
  return d;
}

inline const crypto::PhoneVault& Vault() {
  static const crypto::PhoneVault v =
      *crypto::PhoneVault::Parse(crypto::PhoneVault::GenerateKeyFile("test"), "test keys");
  return v;
}

inline v1::Actor Person(const std::string& id, v1::Role role, const std::string& unit) {
  v1::Actor a;
  a.set_user_id(id);
  a.set_role(role);
  a.set_unit_code(unit);
  return a;
}

inline const v1::Actor kAgent = Person("agent-1", v1::ROLE_AGENT, "GZ12345");

}  // namespace hotline::intake
