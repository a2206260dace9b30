// libFuzzer target: any bytes as a manifest file must yield a state or diagnostics — never a crash,
// a hang, an unbounded allocation or a sanitizer report.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/diag_render.h"
#include "engine/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  entragate::engine::Diagnostics diags;
  entragate::engine::LoadManifestTexts({{"fuzz.yaml", text}}, diags);
  // Rendering walks source lines and carets with the reported positions: exercise it too.
  (void)entragate::engine::RenderDiagnostics(diags, false);
  return 0;
}
