#include "emulator/graph/directory_role_templates.h"

#include "base/ascii.h"

namespace entragate::emulator {

namespace {

// Template ids: Microsoft's "Microsoft Entra built-in roles" reference (docs/graph-behaviour.md §14).
constexpr BuiltInRole kRoles[] = {
    {"Global Administrator", "62e90394-69f5-4237-9190-012177145e10", "Manages every part of the directory and the services that use it."},
    {"Privileged Role Administrator", "e8611ab8-c189-46e8-94e1-60213ab1f814",
     "Manages who holds directory roles, and Privileged Identity Management."},
    {"Application Administrator", "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", "Manages every application registration and enterprise application."},
    {"Cloud Application Administrator", "158c047a-c907-4556-b7ef-446551a6b5f7",
     "Manages every application registration and enterprise application, application proxy aside."},
};

}  // namespace

std::span<const BuiltInRole> BuiltInRoles() { return kRoles; }

const BuiltInRole* FindBuiltInRole(std::string_view display_name) {
  for (const auto& r : kRoles)
    if (base::LowerAscii(r.display_name) == base::LowerAscii(display_name)) return &r;
  return nullptr;
}

boost::json::object NewDirectoryRole(const std::string& id, const BuiltInRole& role) {
  return boost::json::object{{"id", id},
                             {"deletedDateTime", nullptr},
                             {"description", role.description},
                             {"displayName", role.display_name},
                             {"roleTemplateId", role.template_id},
                             {"_members", boost::json::array{}}};
}

}  // namespace entragate::emulator
