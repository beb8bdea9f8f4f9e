//! The dashboard's live panels — the fault rules with their one-click presets and remove
//! buttons, the last requests — and the snapshot / restore box, as HTML through [`Markup`]'s
//! escaping paths. Stable hooks (a contract with `tests/api/ui_live.rs` and the example app's
//! browser test): `tr.fault-row[data-fault-id][data-kind]` with `button.fault-remove`,
//! `button.fault-preset[data-preset]`, `button.faults-clear`;
//! `tr.request-row[data-method][data-path][data-status][data-fault-kind]`;
//! `a.snapshot-download`, `form#restore-form`.

use crate::dashboard::html::Markup;
use crate::dashboard::presets::Preset;
use crate::dashboard::view::View;
use crate::faults::FaultAction;

pub fn faults(m: &mut Markup, v: &View) {
    m.raw("<section id=\"faults\"><h2>Faults</h2>\n<div class=\"fault-presets\">");
    for p in Preset::ALL {
        m.raw("<form method=\"post\" action=\"/_mock/ui/faults\">")
            .open(
                "input",
                &[("type", "hidden"), ("name", "preset"), ("value", p.key())],
            )
            .elem(
                "button",
                &[
                    ("type", "submit"),
                    ("class", "fault-preset"),
                    ("data-preset", p.key()),
                ],
                p.label(),
            )
            .raw("</form>\n");
    }
    m.raw("</div>\n");
    if v.faults.is_empty() {
        m.raw("<p class=\"empty\">No fault rules.</p>\n</section>\n");
        return;
    }
    m.raw("<table>\n<tr><th>id</th><th>method</th><th>path</th><th>body</th><th>action</th><th>probability</th><th>hits</th><th>remaining</th><th></th></tr>\n");
    for r in &v.faults {
        let s = &r.spec;
        let body = if s.body.is_empty() {
            String::new()
        } else {
            serde_json::to_string(&s.body).unwrap_or_default()
        };
        m.open(
            "tr",
            &[
                ("class", "fault-row"),
                ("data-fault-id", &r.id),
                ("data-kind", s.action.kind()),
            ],
        )
        .elem("td", &[], &r.id)
        .elem("td", &[], s.method.as_deref().unwrap_or("any"))
        .elem("td", &[], &s.path)
        .elem("td", &[], &body)
        .elem("td", &[], &action(&s.action))
        .elem(
            "td",
            &[],
            &s.probability.map(|p| p.to_string()).unwrap_or_default(),
        )
        .elem("td", &[("class", "fault-hits")], &r.hits.to_string())
        .elem(
            "td",
            &[("class", "fault-remaining")],
            &r.remaining
                .map_or_else(|| "unlimited".to_owned(), |n| n.to_string()),
        )
        .raw("<td><form method=\"post\" action=\"/_mock/ui/faults/remove\">")
        .open(
            "input",
            &[("type", "hidden"), ("name", "id"), ("value", &r.id)],
        )
        .raw("<button type=\"submit\" class=\"fault-remove\">Remove</button></form></td></tr>\n");
    }
    m.raw("</table>\n<form method=\"post\" action=\"/_mock/ui/faults/clear\"><button type=\"submit\" class=\"faults-clear\">Remove all</button></form>\n</section>\n");
}

/// What a hit does, in a few words.
fn action(a: &FaultAction) -> String {
    match a {
        FaultAction::Error {
            error_type, status, ..
        } => match status {
            Some(s) => format!("error {error_type} ({s})"),
            None => format!("error {error_type}"),
        },
        FaultAction::TooManyRequests => "429 too_many_requests".to_owned(),
        FaultAction::Delay { ms } => format!("delay {ms} ms"),
        FaultAction::Drop => "drop (no answer)".to_owned(),
        FaultAction::LoseAnswer => "lose_answer (written, no answer)".to_owned(),
    }
}

pub fn requests(m: &mut Markup, v: &View) {
    m.raw("<section id=\"requests\"><h2>Last requests (newest first)</h2>\n");
    if v.requests.is_empty() {
        m.raw("<p class=\"empty\">None.</p>\n</section>\n");
        return;
    }
    m.raw("<table>\n<tr><th>received at</th><th>method</th><th>path</th><th>status</th><th>fault</th><th>request_id</th><th>body (redacted)</th></tr>\n");
    for e in &v.requests {
        let status = e.status.to_string();
        let fault_kind = e.fault.as_ref().map_or("", |f| f.kind);
        let fault = e
            .fault
            .as_ref()
            .map(|f| format!("{} {}", f.rule, f.kind))
            .unwrap_or_default();
        let body = e.body.as_ref().map(|b| b.to_string()).unwrap_or_default();
        m.open(
            "tr",
            &[
                ("class", "request-row"),
                ("data-method", &e.method),
                ("data-path", &e.path),
                ("data-status", &status),
                ("data-fault-kind", fault_kind),
            ],
        )
        .elem("td", &[], &e.received_at)
        .elem("td", &[], &e.method)
        .elem("td", &[], &e.path)
        .elem("td", &[], if e.status == 0 { "no answer" } else { &status })
        .elem("td", &[("class", "request-fault")], &fault)
        .elem("td", &[], &e.request_id)
        .raw("<td>")
        .elem("code", &[("class", "request-body")], &body)
        .raw("</td></tr>\n");
    }
    m.raw("</table>\n</section>\n");
}

/// Outside the live region: a re-render must not drop a file the user picked.
pub fn snapshot(m: &mut Markup) {
    m.raw(
        "<section id=\"snapshot\"><h2>Snapshot</h2>\n\
         <p><a class=\"snapshot-download\" href=\"/_mock/ui/snapshot\" download>Download snapshot</a></p>\n\
         <form id=\"restore-form\" method=\"post\" action=\"/_mock/ui/restore\">\
         <input type=\"file\" name=\"snapshot\" accept=\".sqlite,application/vnd.sqlite3\" required> \
         <button type=\"submit\">Restore from file</button> <span id=\"restore-status\"></span></form>\n\
         </section>\n",
    );
}

/// The page's script: re-render the live region on each `change` event (one fetch at a time;
/// a change during a fetch fetches once more), and send the restore form's file as the body.
pub const SCRIPT: &str = r#"<script>
(function () {
  var live = document.getElementById("live"), busy = false, again = false;
  var status = document.getElementById("live-status");
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch("/_mock/ui", { cache: "no-store", credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var next = new DOMParser().parseFromString(html, "text/html").getElementById("live");
        if (next) { live.replaceWith(next); live = next; }
      })
      .catch(function () {})
      .then(function () { busy = false; if (again) { again = false; refresh(); } });
  }
  if (window.EventSource) {
    var es = new EventSource("/_mock/ui/events?since=" + encodeURIComponent(live.dataset.version));
    es.addEventListener("change", refresh);
    es.onopen = function () { status.textContent = "live"; status.dataset.state = "open"; };
    es.onerror = function () { status.textContent = "reconnecting"; status.dataset.state = "error"; };
  }
  var form = document.getElementById("restore-form");
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var file = form.querySelector("input[type=file]").files[0], out = document.getElementById("restore-status");
    if (!file) return;
    out.textContent = "restoring…";
    fetch(form.action, { method: "POST", body: file, credentials: "same-origin",
                         headers: { "content-type": "application/vnd.sqlite3" } })
      .then(function (r) { return r.json().then(function (b) { return [r.ok, b]; }); })
      .then(function (rb) {
        if (rb[0]) { location.reload(); } else { out.textContent = rb[1].error_message || "failed"; }
      })
      .catch(function (e) { out.textContent = String(e); });
  });
})();
</script>
"#;
