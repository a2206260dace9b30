#include "cli/man_page.h"

#include <fmt/format.h>

#include "cli/commands.h"

namespace entragate::cli {

namespace {

// What CLI11 does not know about: the process environment the program reads and its exit codes.
// tests/package checks that every variable the sources read is listed here.
struct EnvironmentVariable {
  const char* name;
  const char* meaning;
};
constexpr EnvironmentVariable kEnvironment[] = {
    {"ENTRAGATE_TARGET",
     "local or graph: the target when --target is not given. Without either, commands that reach a tenant refuse to guess when the environment carries Azure credentials or CI is set."},
    {"ENTRAGATE_ENV",
     "The environment of the manifest set (as --env) when --env is not given. A set that declares environments needs one of the two."},
    {"ENTRAGATE_AUTH",
     "The one credential source to use, as --auth (secret, certificate, workload-identity, github, managed-identity, azure-cli, token)."},
    {"CI", "When set (to anything but false or 0), a tenant command needs --target or ENTRAGATE_TARGET."},
    {"AZURE_USERNAME", "Not used to sign in; its presence only counts as an Azure environment for the target rule (with AZURE_PASSWORD)."},
    {"AZURE_PASSWORD", "As AZURE_USERNAME."},
    {"MSI_ENDPOINT",
     "Not used to sign in (legacy managed-identity protocols are not supported); counts as an Azure environment for the target rule."},
    {"MSI_SECRET", "As MSI_ENDPOINT."},
    {"NO_COLOR", "When set (to anything), output is never coloured. Colour is used only on a terminal whose TERM is not dumb."},
    {"AZURE_CLIENT_ID", "Client (application) id of the service principal or of a user-assigned managed identity."},
    {"AZURE_TENANT_ID", "Tenant id for the client-secret, certificate and workload-identity credentials."},
    {"AZURE_CLIENT_SECRET", "Client secret (first in the credential chain, with AZURE_CLIENT_ID and AZURE_TENANT_ID)."},
    {"AZURE_CLIENT_CERTIFICATE_PATH", "PEM file with the certificate and its private key: a signed client assertion instead of a secret."},
    {"AZURE_CLIENT_CERTIFICATE_PASSWORD", "Password of the key in AZURE_CLIENT_CERTIFICATE_PATH."},
    {"ENTRAGATE_CLIENT_ASSERTION_ALG", "RS256 (with x5t, the default) or PS256 (with x5t#S256) for certificate assertions."},
    {"AZURE_FEDERATED_TOKEN_FILE", "Workload identity federation: the file holding the external token, read again for every token."},
    {"ACTIONS_ID_TOKEN_REQUEST_URL", "GitHub Actions OIDC: where the job's ID token is requested (with ACTIONS_ID_TOKEN_REQUEST_TOKEN)."},
    {"ACTIONS_ID_TOKEN_REQUEST_TOKEN", "GitHub Actions OIDC: the bearer token for that request."},
    {"IDENTITY_ENDPOINT", "Managed identity, App Service protocol: the token endpoint (with IDENTITY_HEADER)."},
    {"IDENTITY_HEADER", "Managed identity, App Service protocol: the secret header value."},
    {"AZURE_POD_IDENTITY_AUTHORITY_HOST", "Managed identity: overrides the IMDS host."},
    {"ENTRAGATE_ACCESS_TOKEN", "A raw bearer token for Microsoft Graph, last in the chain, for break-glass use."},
    {"AZURE_AUTHORITY_HOST", "The login host (as --login-url)."},
    {"SSL_CERT_FILE", "CA file trusted for HTTPS (as --ca-file)."},
    {"HTTPS_PROXY", "Proxy for HTTPS requests; NO_PROXY lists the hosts reached directly."},
    {"NO_PROXY", "Hosts (comma-separated) not reached through HTTPS_PROXY."},
};

struct ExitStatus {
  int code;
  const char* meaning;
};
constexpr ExitStatus kExitStatuses[] = {
    {kExitOk, "Success. plan --detailed-exitcode and drift: no changes, the tenant matches the manifest."},
    {kExitError, "Error: invalid manifests, an identity that does not resolve, a refused token, a failed step, bad arguments."},
    {kExitChanges, "plan --detailed-exitcode: the plan has changes; drift: the tenant drifted."},
};

// Text in roff: backslashes doubled as \e, and a line never starts with a control character.
std::string Text(const std::string& s) {
  std::string out;
  bool line_start = true;
  for (char c : s) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\')
      out += "\\e";
    else
      out += c;
    line_start = c == '\n';
  }
  return out;
}

// Option names and literal words: hyphens must be \- to stay ASCII hyphen-minus (copy-pastable).
std::string Literal(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '-')
      out += "\\-";
    else if (c == '\\')
      out += "\\e";
    else
      out += c;
  }
  return out;
}

std::string Sentence(std::string s) {
  if (!s.empty() && s.back() != '.') s += '.';
  return s;
}

std::string ValueName(const OptionModel& o) {
  if (!o.choices.empty()) {
    std::string v;
    for (const auto& c : o.choices) v += (v.empty() ? "" : "|") + Literal(c);
    return v;
  }
  return "\\fI" + Literal(o.name) + "\\fR";
}

std::string OptionTerm(const OptionModel& o) {
  std::string term;
  for (const auto& s : o.short_names) term += (term.empty() ? "" : ", ") + ("\\fB\\-" + Literal(s) + "\\fR");
  for (const auto& l : o.long_names) term += (term.empty() ? "" : ", ") + ("\\fB\\-\\-" + Literal(l) + "\\fR");
  if (o.takes_value) term += " " + ValueName(o);
  if (o.repeats) term += " ...";
  return term;
}

std::string OptionItems(const std::vector<OptionModel>& options, bool skip_help) {
  std::string out;
  for (const auto& o : options) {
    if (skip_help && !o.long_names.empty() && o.long_names.front() == "help") continue;
    std::string text = Sentence(o.description);
    if (o.required) text += " Required.";
    if (!o.default_value.empty()) text += fmt::format(" Default: {}.", o.default_value);
    if (o.repeats) text += " May be given more than once.";
    out += fmt::format(".TP\n{}\n{}\n", OptionTerm(o), Text(text));
  }
  return out;
}

std::string Synopsis(const CommandModel& c) {
  std::string s = "\\fB" + Literal(CommandLineName(c)) + "\\fR";
  bool has_options = false;
  for (const auto& o : c.options) has_options |= o.long_names.empty() || o.long_names.front() != "help";
  if (has_options) s += " [\\fIoptions\\fR]";
  if (!c.subcommands.empty()) s += " \\fIcommand\\fR";
  for (const auto& p : c.positionals) {
    std::string word = "\\fI" + Literal(p.name) + "\\fR" + (p.repeats ? " ..." : "");
    s += " " + (p.required ? word : "[" + word + "]");
  }
  return s + "\n";
}

void RenderCommand(const CommandModel& c, std::string& out) {
  out += fmt::format(".SS \"{}\"\n", Literal(CommandLineName(c)));
  out += ".nf\n" + Synopsis(c) + ".fi\n.PP\n" + Text(Sentence(c.description)) + "\n";
  if (!c.footer.empty()) out += ".PP\n" + Text(c.footer) + "\n";
  if (!c.positionals.empty()) {
    out += ".PP\nArguments:\n.RS\n";
    for (const auto& p : c.positionals)
      out += fmt::format(".TP\n\\fI{}\\fR{}\n{}\n", Literal(p.name), p.repeats ? " ..." : "",
                         Text(Sentence(p.description) + (p.required ? "" : " Optional.")));
    out += ".RE\n";
  }
  std::string items = OptionItems(c.options, true);
  if (!items.empty()) out += ".PP\nOptions:\n.RS\n" + items + ".RE\n";
  for (const auto& sub : c.subcommands) RenderCommand(sub, out);
}

}  // namespace

std::string RenderManPage(const CommandModel& program, const std::string& version) {
  std::string out;
  out += ".\\\" Generated by `entragate __man` from the command definitions behind --help; do not edit.\n";
  out += fmt::format(".TH ENTRAGATE 1 \"\" \"entragate {}\" \"User Commands\"\n.nh\n.ad l\n", Text(version));
  out += ".SH NAME\nentragate \\- Microsoft Entra ID application access policy as code: plan, apply, drift\n";
  out += ".SH SYNOPSIS\n.nf\n\\fBentragate\\fR [\\fIglobal options\\fR] \\fIcommand\\fR [\\fIoptions\\fR] [\\fIarguments\\fR]\n.fi\n";
  out += ".SH DESCRIPTION\n" + Text(program.description) + "\n.PP\n";
  out +=
      "Manifests are YAML files (see \\fBentragate\\-manifest\\fR(5)). \\fBplan\\fR shows what \\fBapply\\fR would create,\n"
      "change, grant and revoke; \\fBdrift\\fR reports whether the tenant still matches. The target is the built-in\n"
      "local tenant (\\fB\\-\\-target local\\fR) or Microsoft Graph (\\fB\\-\\-target graph\\fR).\n";
  out += ".SH GLOBAL OPTIONS\nThese may be given before the command or after it.\n" + OptionItems(program.options, false);
  out += ".SH COMMANDS\nEvery command also accepts \\fB\\-h\\fR, \\fB\\-\\-help\\fR.\n";
  for (const auto& sub : program.subcommands) RenderCommand(sub, out);
  out += ".SH EXIT STATUS\n";
  for (const auto& e : kExitStatuses) out += fmt::format(".TP\n\\fB{}\\fR\n{}\n", e.code, Text(e.meaning));
  out += ".SH ENVIRONMENT\n";
  for (const auto& e : kEnvironment) out += fmt::format(".TP\n\\fB{}\\fR\n{}\n", Literal(e.name), Text(e.meaning));
  out +=
      ".SH FILES\n"
      ".TP\n\\fI.entragate/local/\\fR\nState of the local tenant (\\fB\\-\\-local\\-state\\fR), relative to the working directory.\n"
      ".TP\n\\fI/usr/share/entragate/schemas/\\fR\nJSON Schemas of manifests (manifest.v1) and saved plans (plan.v1).\n"
      ".TP\n\\fI/usr/share/doc/entragate/examples/\\fR\nExample manifest sets and seed files.\n";
  out +=
      ".SH EXAMPLES\n.nf\n"
      "entragate validate manifests/\n"
      "entragate plan manifests/ \\-o plan.json \\-\\-detailed\\-exitcode\n"
      "entragate apply plan.json\n"
      "entragate drift manifests/ \\-\\-format junit \\-\\-output drift.xml\n"
      "entragate access testapp\n"
      ".fi\n";
  out += ".SH SEE ALSO\n\\fBentragate\\-manifest\\fR(5)\n";
  return out;
}

}  // namespace entragate::cli
