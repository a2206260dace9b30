#include "engine/yaml_strict.h"

#include <algorithm>
#include <memory>

#include <fmt/format.h>
#include <libfyaml.h>

namespace entragate::engine::yaml_detail {

namespace {

using Kind = StrictEvent::Kind;

struct ParserDeleter {
  void operator()(fy_parser* p) const { fy_parser_destroy(p); }
};
struct EventDeleter {
  fy_parser* parser;
  void operator()(fy_event* e) const { fy_parser_event_free(parser, e); }
};
struct DiagDeleter {
  void operator()(fy_diag* d) const { fy_diag_destroy(d); }
};

// Errors are collected, never printed: libfyaml would otherwise write to stderr.
std::unique_ptr<fy_diag, DiagDeleter> QuietDiag() {
  fy_diag_cfg cfg;
  fy_diag_cfg_default(&cfg);
  cfg.fp = nullptr;
  cfg.output_fn = [](fy_diag*, void*, const char*, size_t) {};
  std::unique_ptr<fy_diag, DiagDeleter> diag(fy_diag_create(&cfg));
  if (diag) fy_diag_set_collect_errors(diag.get(), true);
  return diag;
}

std::string TokenText(fy_token* token) {
  if (!token) return {};
  size_t len = 0;
  const char* text = fy_token_get_text(token, &len);
  return text ? std::string(text, len) : std::string();
}

bool IsNullText(const std::string& s) { return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL"; }

StrictEvent FromScalar(fy_event* e) {
  StrictEvent out;
  fy_token* value = e->scalar.value;
  out.value = TokenText(value);
  fy_scalar_style style = value ? fy_token_scalar_style(value) : FYSS_PLAIN;
  out.plain = style == FYSS_PLAIN && !e->scalar.tag;
  out.tag = TokenText(e->scalar.tag);
  out.quoted = style == FYSS_SINGLE_QUOTED || style == FYSS_DOUBLE_QUOTED;
  out.block = style == FYSS_LITERAL || style == FYSS_FOLDED;
  // libfyaml 0.7.12 gives an empty block scalar at the end of the file as one NUL character. Block
  // scalars have no escapes and the file holds no NUL byte (yaml_bytes.h), so any NUL is that.
  if (out.block) out.value.erase(std::remove(out.value.begin(), out.value.end(), '\0'), out.value.end());
  out.kind = out.plain && IsNullText(out.value) ? Kind::kNull : Kind::kScalar;
  return out;
}

void Locate(fy_event* e, StrictEvent& out) {
  if (const fy_mark* m = fy_event_start_mark(e)) {
    out.line = m->line + 1;
    out.column = m->column + 1;
  }
}

void ReportParseError(const std::string& file, fy_diag* diag, Diagnostics& diags) {
  void* iter = nullptr;
  if (fy_diag_error* err = diag ? fy_diag_errors_iterate(diag, &iter) : nullptr) {
    // Unlike its marks, libfyaml's collected errors are 1-based already.
    std::string_view msg = err->msg ? err->msg : "";
    bool quote = msg.find("quoted scalar") != std::string_view::npos;
    diags.Error("E0004", {file, std::max(1, err->line), std::max(1, err->column), 1}, fmt::format("invalid YAML: {}", msg),
                quote ? "is the closing quote missing?" : "");
    return;
  }
  diags.Error("E0004", {file, 1, 1, 1}, "invalid YAML");
}

}  // namespace

std::optional<std::vector<StrictEvent>> ReadStrictEvents(const std::string& file, std::string_view text, Diagnostics& diags, int max_depth) {
  auto diag = QuietDiag();
  fy_parse_cfg cfg{};
  cfg.flags = static_cast<fy_parse_cfg_flags>(FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2 | FYPCF_JSON_NONE);
  cfg.diag = diag.get();
  std::unique_ptr<fy_parser, ParserDeleter> parser(fy_parser_create(&cfg));
  if (!parser || fy_parser_set_string(parser.get(), text.data(), text.size()) != 0) {
    diags.Error("E0004", {file, 1, 1, 1}, "invalid YAML: the YAML parser could not be started");
    return std::nullopt;
  }
  std::vector<StrictEvent> events;
  int documents = 0, depth = 0;
  while (fy_event* e = fy_parser_parse(parser.get())) {
    std::unique_ptr<fy_event, EventDeleter> owned(e, EventDeleter{parser.get()});
    StrictEvent ev;
    Locate(e, ev);
    switch (e->type) {
      case FYET_DOCUMENT_START:
        if (++documents > 1) {
          diags.Error("E0006", {file, ev.line, ev.column, 1}, "a manifest file holds one YAML document, but this one has several ('---' separators)");
          return std::nullopt;
        }
        continue;
      case FYET_MAPPING_START:
        ev.kind = Kind::kMapStart;
        ev.anchor = TokenText(e->mapping_start.anchor);
        break;
      case FYET_SEQUENCE_START:
        ev.kind = Kind::kSeqStart;
        ev.anchor = TokenText(e->sequence_start.anchor);
        break;
      case FYET_MAPPING_END: ev.kind = Kind::kMapEnd; break;
      case FYET_SEQUENCE_END: ev.kind = Kind::kSeqEnd; break;
      case FYET_ALIAS:
        ev.kind = Kind::kAlias;
        ev.anchor = TokenText(e->alias.anchor);
        break;
      case FYET_SCALAR: {
        int line = ev.line, column = ev.column;
        ev = FromScalar(e);
        ev.anchor = TokenText(e->scalar.anchor);
        ev.line = line;
        // libfyaml marks where a quoted scalar's text starts; point at its opening quote instead.
        ev.column = ev.quoted && column > 1 ? column - 1 : column;
        if (!e->scalar.value) {
          // A tag (or anchor) with no value has no mark of its own: the tag's, else none at all
          // (the reader then shows the key).
          const fy_mark* m = e->scalar.tag ? fy_token_start_mark(e->scalar.tag) : nullptr;
          ev.line = m ? m->line + 1 : 0;
          ev.column = m ? m->column + 1 : 0;
        }
        break;
      }
      default: continue;  // stream and document boundaries
    }
    if (ev.kind == Kind::kMapStart || ev.kind == Kind::kSeqStart) {
      if (++depth > max_depth) {
        diags.Error("E0005", {file, ev.line, ev.column, 1}, fmt::format("YAML nesting is deeper than {} levels; refusing to read it", max_depth));
        return std::nullopt;
      }
    }
    if (ev.kind == Kind::kMapEnd || ev.kind == Kind::kSeqEnd) --depth;
    events.push_back(std::move(ev));
  }
  if (fy_parser_get_stream_error(parser.get())) {
    ReportParseError(file, diag.get(), diags);
    return std::nullopt;
  }
  return events;
}

}  // namespace entragate::engine::yaml_detail

namespace entragate::engine {

std::string YamlParserVersion() {
  const char* v = fy_library_version();
  return v ? v : "unknown";
}

}  // namespace entragate::engine
