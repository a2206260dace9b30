// The hidden `entragate __man` and `entragate __completion SHELL`: the build runs them to generate the
// man page and the completion scripts it installs, from the same definitions as --help.
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "cli/cli_model.h"
#include "cli/commands.h"
#include "cli/completion.h"
#include "cli/docs.h"
#include "cli/files.h"
#include "cli/man_page.h"
#include "cli/version.h"

namespace entragate::cli {

namespace {

struct DocsOptions {
  std::string shell;
  std::string output;
};

int Emit(const std::string& text, const std::string& output) {
  if (output.empty()) {
    std::fputs(text.c_str(), stdout);
    return kExitOk;
  }
  if (WriteFileAtomically(output, text)) return kExitOk;
  fmt::print(stderr, "error: cannot write {}\n", output);
  return kExitError;
}

}  // namespace

void AddDocsCommands(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<DocsOptions>();
  CLI::App* man = app.add_subcommand("__man", "Print the entragate(1) man page (roff)")->group("");
  man->add_option("-o,--output", o->output, "Write it to this file");
  man->callback([o, &app, &exit_code] { exit_code = Emit(RenderManPage(DescribeCommandLine(app), kVersion), o->output); });

  CLI::App* completion = app.add_subcommand("__completion", "Print a shell completion script")->group("");
  completion->add_option("shell", o->shell, "bash, zsh or fish")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
  completion->add_option("-o,--output", o->output, "Write it to this file");
  completion->callback([o, &app, &exit_code] { exit_code = Emit(RenderCompletion(DescribeCommandLine(app), o->shell).value_or(""), o->output); });
}

}  // namespace entragate::cli
