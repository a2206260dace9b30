// The access review as one self-contained HTML page: inline CSS, a small inline script for the
// filter and sorting, nothing fetched. Identities × applications with role chips; every change is
// marked by colour and by a symbol, so the page reads without colour too.
#include <map>

#include <fmt/format.h>

#include "engine/access_render.h"
#include "engine/graph_rules.h"
#include "engine/utf8.h"

namespace entragate::engine {

namespace {

std::string H(std::string_view s) {
  std::string out;
  for (char c : EscapeControls(s)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

const char* kStyle = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1b1f24;background:#fff}
header{padding:12px 16px;border-bottom:1px solid #d0d7de}
h1{font-size:18px;margin:0 0 4px}
.bar{display:flex;gap:12px;align-items:center;padding:8px 16px;background:#f6f8fa;position:sticky;top:0;z-index:5;border-bottom:1px solid #d0d7de}
.bar input[type=search]{width:24em;padding:4px 6px}
.legend span{margin-right:10px}
.wrap{overflow:auto;max-height:75vh;border-bottom:1px solid #d0d7de}
table.m{border-collapse:separate;border-spacing:0}
table.m th,table.m td{border-right:1px solid #eaeef2;border-bottom:1px solid #eaeef2;padding:2px 4px;white-space:nowrap;vertical-align:top}
table.m thead th{position:sticky;top:0;background:#fff;z-index:3;height:9em;vertical-align:bottom}
table.m thead th.app>a{display:inline-block;writing-mode:vertical-rl;transform:rotate(180deg);max-height:9em;overflow:hidden;text-overflow:ellipsis;color:inherit}
table.m th.id{position:sticky;left:0;background:#fff;z-index:2;text-align:left;font-weight:normal;max-width:22em;overflow:hidden;text-overflow:ellipsis}
table.m thead th.id{z-index:4;cursor:pointer}
table.m thead th.app{cursor:pointer}
.t{color:#57606a;font-size:12px}
.chip{display:inline-block;border-radius:9px;padding:0 6px;margin:1px;background:#ddf4ff;border:1px solid #54aeff;font-size:12px}
.chip.via{background:#fff8c5;border-color:#d4a72c}
.chip.gained{background:#dafbe1;border:2px solid #1a7f37;font-weight:bold}
.chip.lost{background:#ffebe9;border:2px dashed #cf222e;text-decoration:line-through}
.chip.widening{background:#fff1e5;border:2px dashed #bc4c00}
.open{color:#8250df;font-weight:bold}
tr.anyone th{font-style:italic}
.changed{outline:2px solid #bf8700;outline-offset:-2px}
section.app{padding:8px 16px;border-bottom:1px solid #d0d7de}
section.app h2{font-size:16px;margin:4px 0}
section.app ul{margin:2px 0 6px 18px;padding:0}
.note{color:#57606a}
.hidden{display:none}
)";

const char* kScript = R"(
(() => {
  const q = document.getElementById('filter'), only = document.getElementById('only-changes'), t = document.getElementById('matrix');
  const heads = [...t.tHead.rows[0].cells].slice(1);
  // Text that names no application filters identities only, and the other way round.
  const apply = () => {
    const s = q.value.trim().toLowerCase(), oc = only.checked, rows = [...t.tBodies[0].rows];
    let colHit = heads.map(h => !s || h.dataset.name.includes(s)), rowHit = rows.map(r => !s || r.dataset.name.includes(s));
    if (s && !colHit.some(x => x)) colHit = heads.map(() => true);
    if (s && !rowHit.some(x => x)) rowHit = rows.map(() => true);
    const showCol = heads.map((h, i) => colHit[i] && (!oc || h.dataset.changed === '1'));
    rows.forEach((r, ri) => {
      let vis = rowHit[ri];
      if (oc) vis = vis && [...r.cells].some((c, i) => i > 0 && showCol[i - 1] && c.dataset.change);
      r.classList.toggle('hidden', !vis);
      for (let i = 1; i < r.cells.length; i++) r.cells[i].classList.toggle('hidden', !showCol[i - 1]);
    });
    heads.forEach((h, i) => h.classList.toggle('hidden', !showCol[i]));
    document.getElementById('shown').textContent = showCol.some(x => x) ? '' : '(no application matches)';
  };
  let timer = 0;
  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(apply, 120); });
  only.addEventListener('change', apply);
  const sortRows = key => {
    const b = t.tBodies[0], rows = [...b.rows], anyone = rows.filter(r => r.classList.contains('anyone'));
    anyone.concat(rows.filter(r => !r.classList.contains('anyone')).sort(key)).forEach(r => b.appendChild(r));
  };
  const byName = (a, b) => a.dataset.name.localeCompare(b.dataset.name);
  t.tHead.rows[0].cells[0].addEventListener('click', () => sortRows(byName));
  heads.forEach((h, i) => h.addEventListener('click', e => {
    if (e.target.tagName === 'A') return;
    sortRows((a, b) => (b.cells[i + 1].textContent ? 1 : 0) - (a.cells[i + 1].textContent ? 1 : 0) || byName(a, b));
  }));
  t.dataset.ready = String(heads.length);  // every column wired: what a browser test looks for
})();
)";

std::string Chip(const AccessEntry& e) {
  std::string cls = "chip";
  if (e.how == "group") cls += " via";
  if (e.mark != AccessMark::kNone) cls += std::string(" ") + ToString(e.mark);
  if (e.widening) cls += " widening";
  std::string title = e.how == "group" ? "through group " + e.group.display_name : "assigned directly";
  if (!e.since.empty()) title += ", since " + e.since;
  if (e.mark != AccessMark::kNone) title += std::string(", ") + ToString(e.mark) + " by the plan";
  if (e.widening) title += " (drift that widens access)";
  std::string symbol = AccessSymbol(e.mark, e.widening);
  return fmt::format("<span class=\"{}\" title=\"{}\">{}{}{}</span>", cls, H(title), symbol.empty() ? "" : symbol + " ", H(e.role),
                     e.how == "group" ? " ⟵ " + H(e.group.display_name) : "");
}

std::string Id(const AccessPrincipal& p) { return LowerAscii(p.id); }

std::string Panel(const AccessAppReview& r, size_t index, bool with_plan) {
  std::string out =
      fmt::format("<section class=\"app\" id=\"app-{}\" data-app=\"{}\"><h2>{}{}</h2><div class=\"t\">{} · appId {}{}</div>\n", index, H(r.key),
                  H(r.key), r.changed() ? " <span class=\"changed-mark\">(changed by the plan)</span>" : "", H(r.app.display_name),
                  r.app.app_id.empty() ? "(new)" : H(r.app.app_id), r.app.managed ? "" : " · not managed by entragate");
  std::string assignment = !r.app.has_service_principal ? "no service principal: no token can be issued"
                           : r.open_before
                               ? "<span class=\"open\">not required — any identity in the tenant can obtain a token (without roles)</span>"
                               : "required — only the identities listed can obtain a token";
  out += "<p>Assignment: " + assignment + "</p>\n";
  if (with_plan) {
    out += "<p>Plan effect: ";
    std::vector<std::string> effect;
    if (r.created) effect.push_back("+ the application is created");
    if (r.deleted) effect.push_back("− the application is deleted: every holder loses access");
    if (r.assignment_change == "on")
      effect.push_back(std::string(r.assignment_widening ? "! " : "") + "assignment becomes required: identities without an assignment lose access");
    if (r.assignment_change == "off") effect.push_back("+ assignment stops being required: any identity in the tenant gets a token");
    for (const auto& e : r.entries)
      if (e.mark != AccessMark::kNone)
        effect.push_back(fmt::format("{} {} {} {}{}", AccessSymbol(e.mark, e.widening), H(e.identity.display_name),
                                     e.mark == AccessMark::kGained ? "gains" : "loses", H(e.role), e.widening ? " (drift that widened access)" : ""));
    if (effect.empty()) effect.push_back("no change to who can obtain a token");
    for (size_t i = 0; i < effect.size(); ++i) out += (i ? "; " : "") + effect[i];
    out += "</p>\n";
  }
  out += "<div>Owners of the application: " + std::string(r.app.app_owners.empty() ? "none" : "");
  for (size_t i = 0; i < r.app.app_owners.size(); ++i) out += (i ? ", " : "") + H(r.app.app_owners[i].display_name);
  out += "</div><div>Owners of the service principal: " + std::string(r.app.sp_owners.empty() ? "none" : "");
  for (size_t i = 0; i < r.app.sp_owners.size(); ++i) out += (i ? ", " : "") + H(r.app.sp_owners[i].display_name);
  out += "</div><div>Who can change access:</div><ul class=\"changers\">";
  for (const auto& c : r.changers)
    out += fmt::format("<li>{} <span class=\"t\">({})</span>: {}</li>", H(c.who.display_name), H(c.who.type), H(c.why));
  out += "</ul>";
  for (const auto& n : r.notes) out += "<p class=\"note\">" + H(n) + "</p>";
  return out + "</section>\n";
}

}  // namespace

std::string RenderAccessHtml(const AccessReview& review) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
      "<title>entragate access review</title><style>" +
      std::string(kStyle) + "</style></head><body>\n";
  out += fmt::format("<header><h1>Who can obtain a token for what</h1><div class=\"t\">Tenant {} · read {} · {} applications · {} identities</div>",
                     H(review.tenant_id), AccessTime(review.read_at), review.apps.size(), review.identities.size());
  if (review.with_plan)
    out += fmt::format(
        "<p id=\"plan-summary\">Plan of <code>{}</code>: <b>{}</b> gained (+), <b>{}</b> lost (−), <b>{}</b> assignment switches, <b>{}</b> widening drift removed (!)</p>",
        H(review.manifest), review.gained, review.lost, review.switched, review.widening);
  if (!review.token_note.empty()) out += "<p class=\"note\" id=\"token-note\">" + H(review.token_note) + "</p>";
  for (const auto& n : review.notes) out += "<p class=\"note\">" + H(n) + "</p>";
  out +=
      "</header>\n<div class=\"bar\"><input type=\"search\" id=\"filter\" placeholder=\"Filter identities and applications…\" aria-label=\"Filter\">"
      "<label><input type=\"checkbox\" id=\"only-changes\"> only changes</label><span id=\"shown\" class=\"t\"></span>"
      "<span class=\"legend t\"><span class=\"chip\">role</span><span class=\"chip via\">role ⟵ group</span><span class=\"chip gained\">+ gained</span>"
      "<span class=\"chip lost\">- lost</span><span class=\"chip lost widening\">! widening drift removed</span><span class=\"open\">✱ any identity</span></span></div>\n";

  // cells[identity][app index] → chips
  std::map<std::string, std::map<size_t, std::vector<const AccessEntry*>>> cells;
  for (size_t i = 0; i < review.apps.size(); ++i)
    for (const auto& e : review.apps[i].entries) cells[Id(e.identity)][i].push_back(&e);

  out += "<div class=\"wrap\"><table class=\"m\" id=\"matrix\"><thead><tr><th class=\"id\" title=\"sort by name\">Identity ↕</th>";
  for (size_t i = 0; i < review.apps.size(); ++i) {
    const auto& r = review.apps[i];
    out += fmt::format("<th class=\"app{}\" data-app=\"{}\" data-name=\"{}\" data-changed=\"{}\" title=\"{}\"><a href=\"#app-{}\">{}{}</a></th>",
                       r.changed() ? " changed" : "", H(r.key), H(LowerAscii(r.key + " " + r.app.display_name)), r.changed() ? 1 : 0,
                       H(r.app.display_name), i, r.changed() ? "● " : "", H(r.key));
  }
  out += "</tr></thead><tbody>\n";
  out += "<tr class=\"anyone\" data-identity=\"*\" data-name=\"any identity in the tenant\"><th class=\"id\">any identity in the tenant</th>";
  for (const auto& r : review.apps) {
    if (!r.open_before && !r.open_after) {
      out += "<td></td>";
      continue;
    }
    const char* change = r.open_before == r.open_after ? "" : r.open_after ? "gained" : "lost";
    std::string symbol = *change == 'g' ? "+ " : *change == 'l' ? (r.assignment_widening ? "! " : "- ") : "";
    out += fmt::format("<td{}><span class=\"open chip{}{}\" title=\"assignment not required\">{}✱ any</span></td>",
                       *change ? fmt::format(" data-change=\"{}\"", change) : "", *change ? std::string(" ") + change : "",
                       r.assignment_widening ? " widening" : "", symbol);
  }
  out += "</tr>\n";
  for (const auto& p : review.identities) {
    out += fmt::format("<tr data-identity=\"{}\" data-name=\"{}\"><th class=\"id\" title=\"{}\">{} <span class=\"t\">{}</span></th>", H(Id(p)),
                       H(LowerAscii(p.display_name + " " + p.upn + " " + p.id)), H(p.upn.empty() ? p.id : p.upn + " · " + p.id), H(p.display_name),
                       H(p.sp_type.empty() ? p.type : p.sp_type));
    const auto& row = cells[Id(p)];
    for (size_t i = 0; i < review.apps.size(); ++i) {
      auto it = row.find(i);
      if (it == row.end()) {
        out += "<td></td>";
        continue;
      }
      std::string change, chips;
      bool widening = false;
      for (const AccessEntry* e : it->second) {
        chips += Chip(*e);
        if (e->mark != AccessMark::kNone) change = ToString(e->mark);
        widening = widening || e->widening;
      }
      out += fmt::format("<td{}{}>{}</td>", change.empty() ? "" : " data-change=\"" + change + "\"", widening ? " data-widening=\"1\"" : "", chips);
    }
    out += "</tr>\n";
  }
  out += "</tbody></table></div>\n";
  for (size_t i = 0; i < review.apps.size(); ++i) out += Panel(review.apps[i], i, review.with_plan);
  out += "<script>" + std::string(kScript) + "</script></body></html>\n";
  return out;
}

}  // namespace entragate::engine
