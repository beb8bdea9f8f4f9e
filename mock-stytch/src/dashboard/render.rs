//! The dashboard page as HTML. Every value from the database goes through [`Markup`]'s escaping
//! methods. The stable hooks (a contract with the example app's browser tests):
//! `tr.outbox-row[data-kind=sms|email][data-to]` holding `code.otp-code` (codes) or
//! `a.magic-link[href]` (link emails); `code.totp-code[data-member-email]`; the clock forms
//! (`POST /_mock/ui/clock`, hidden `minutes` = 1 or 10) and the reset form (`POST /_mock/ui/reset`);
//! `main#live[data-version]`, the region the page's script re-renders (the faults, requests and
//! snapshot hooks are in [`panels`]).

use crate::dashboard::html::Markup;
use crate::dashboard::panels;
use crate::dashboard::view::{LIMIT, View};

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}\
table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}\
th{background:#f3f3f3}code{font-size:1.1em}form{display:inline-block;margin-right:.5rem}.empty{color:#777}#live-status{color:#777;font-size:.9em}";

pub fn render(v: &View) -> String {
    let mut m = Markup::new();
    m.raw("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>mock-stytch dashboard</title><style>")
        .raw(STYLE)
        .raw("</style></head>\n<body>\n<h1>mock-stytch</h1>\n<p><a href=\"/_mock/ui\">Refresh</a> \
              <span id=\"live-status\" data-state=\"off\">not live</span></p>\n");
    // The live region: what the script re-renders on a change event.
    m.open(
        "main",
        &[("id", "live"), ("data-version", &v.version.to_string())],
    )
    .raw("\n");
    clock(&mut m, v);
    panels::faults(&mut m, v);
    panels::requests(&mut m, v);
    organizations(&mut m, v);
    members(&mut m, v);
    totp_codes(&mut m, v);
    outbox(&mut m, v);
    sessions(&mut m, v);
    m.raw("</main>\n");
    panels::snapshot(&mut m);
    m.raw(panels::SCRIPT).raw("</body></html>\n");
    m.into_string()
}

fn section(m: &mut Markup, id: &'static str, title: &'static str) {
    m.open("section", &[("id", id)])
        .elem("h2", &[], title)
        .raw("\n");
}

/// A table header row, or a "none" line when there are no rows (then no table is opened).
fn table(m: &mut Markup, rows: usize, headers: &[&'static str]) -> bool {
    if rows == 0 {
        m.raw("<p class=\"empty\">None.</p>\n</section>\n");
        return false;
    }
    m.raw("<table>\n<tr>");
    for h in headers {
        m.elem("th", &[], h);
    }
    m.raw("</tr>\n");
    true
}

fn end_table(m: &mut Markup, rows: usize) {
    m.raw("</table>\n");
    if rows as i64 >= LIMIT {
        m.raw("<p class=\"empty\">")
            .text(&format!("Showing the first {LIMIT} only."))
            .raw("</p>\n");
    }
    m.raw("</section>\n");
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn clock(m: &mut Markup, v: &View) {
    section(m, "clock", "Virtual clock");
    m.raw("<p>Now: ").elem(
        "time",
        &[("class", "virtual-now"), ("datetime", &v.now)],
        &v.now,
    );
    m.raw(" (offset ")
        .text(&v.offset_seconds.to_string())
        .raw(" s, ");
    m.raw(if v.frozen {
        "frozen"
    } else {
        "following real time"
    })
    .raw(")</p>\n");
    for (minutes, label) in [("1", "Advance 1 min"), ("10", "Advance 10 min")] {
        m.raw("<form method=\"post\" action=\"/_mock/ui/clock\">")
            .open(
                "input",
                &[("type", "hidden"), ("name", "minutes"), ("value", minutes)],
            )
            .elem("button", &[("type", "submit")], label)
            .raw("</form>\n");
    }
    m.raw("<form method=\"post\" action=\"/_mock/ui/reset\"><button type=\"submit\">Reset all data</button></form>\n");
    m.raw("</section>\n");
}

fn organizations(m: &mut Markup, v: &View) {
    section(m, "organizations", "Organizations");
    let n = v.organizations.len();
    if !table(
        m,
        n,
        &[
            "name",
            "slug",
            "organization_id",
            "mfa_policy",
            "mfa_methods",
            "allowed_mfa_methods",
        ],
    ) {
        return;
    }
    for o in &v.organizations {
        m.open(
            "tr",
            &[
                ("class", "organization-row"),
                ("data-organization-id", &o.organization_id),
            ],
        )
        .elem("td", &[], &o.organization_name)
        .elem("td", &[], &o.organization_slug)
        .elem("td", &[], &o.organization_id)
        .elem("td", &[("class", "mfa-policy")], o.mfa_policy.as_str())
        .elem("td", &[("class", "mfa-methods")], o.mfa_methods.as_str())
        .elem(
            "td",
            &[("class", "allowed-mfa-methods")],
            &o.allowed_mfa_methods
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        )
        .raw("</tr>\n");
    }
    end_table(m, n);
}

fn members(m: &mut Markup, v: &View) {
    section(m, "members", "Members");
    let n = v.members.len();
    let headers = [
        "organization",
        "email",
        "name",
        "status",
        "phone",
        "phone verified",
        "TOTP",
        "mfa_enrolled",
        "default_mfa_method",
        "locked until",
    ];
    if !table(m, n, &headers) {
        return;
    }
    for r in &v.members {
        let x = &r.member;
        m.open(
            "tr",
            &[
                ("class", "member-row"),
                ("data-member-id", &x.member_id),
                ("data-member-email", &x.email_address),
            ],
        )
        .elem("td", &[], &r.organization_slug)
        .elem("td", &[], &x.email_address)
        .elem("td", &[], &x.name)
        .elem("td", &[], &x.status)
        .elem("td", &[("class", "mfa-phone-number")], &x.mfa_phone_number)
        .elem("td", &[], yes_no(x.mfa_phone_number_verified))
        .elem("td", &[("class", "totp-status")], &r.totp_status)
        .elem("td", &[("class", "mfa-enrolled")], yes_no(x.mfa_enrolled))
        .elem(
            "td",
            &[("class", "default-mfa-method")],
            x.default_mfa_method.map_or("", |m| m.as_str()),
        )
        .elem(
            "td",
            &[],
            if x.is_locked {
                x.lock_expires_at.as_deref().unwrap_or("yes")
            } else {
                ""
            },
        )
        .raw("</tr>\n");
    }
    end_table(m, n);
}

fn totp_codes(m: &mut Markup, v: &View) {
    section(m, "totp", "Current TOTP codes");
    let n = v.totp_codes.len();
    if !table(m, n, &["member", "organization_id", "code", "seconds left"]) {
        return;
    }
    for t in &v.totp_codes {
        m.raw("<tr class=\"totp-row\">")
            .elem("td", &[], &t.email_address)
            .elem("td", &[], &t.organization_id)
            .raw("<td>")
            .elem(
                "code",
                &[
                    ("class", "totp-code"),
                    ("data-member-email", &t.email_address),
                    ("data-member-id", &t.member_id),
                    ("data-organization-id", &t.organization_id),
                ],
                &t.code,
            )
            .raw("</td>")
            .elem("td", &[], &t.seconds_remaining.to_string())
            .raw("</tr>\n");
    }
    end_table(m, n);
}

fn outbox(m: &mut Markup, v: &View) {
    section(m, "outbox", "Outbox (newest first)");
    let n = v.outbox.len();
    if !table(m, n, &["sent at", "channel", "to", "kind", "content"]) {
        return;
    }
    for r in &v.outbox {
        let msg = &r.message;
        m.open(
            "tr",
            &[
                ("class", "outbox-row"),
                ("data-kind", &msg.channel),
                ("data-to", &msg.to),
                ("data-message-kind", &msg.kind),
            ],
        )
        .elem("td", &[], &msg.sent_at)
        .elem("td", &[], &msg.channel)
        .elem("td", &[], &msg.to)
        .elem("td", &[], &msg.kind)
        .raw("<td>");
        if let Some(code) = &msg.code {
            m.elem("code", &[("class", "otp-code")], code);
        }
        if let Some(link) = &r.link {
            m.elem("a", &[("class", "magic-link"), ("href", link)], link);
        }
        m.raw("</td></tr>\n");
    }
    end_table(m, n);
}

fn sessions(m: &mut Markup, v: &View) {
    section(m, "sessions", "Active sessions (newest first)");
    let n = v.sessions.len();
    if !table(
        m,
        n,
        &[
            "member",
            "organization",
            "member_session_id",
            "started",
            "expires",
            "factors",
        ],
    ) {
        return;
    }
    for s in &v.sessions {
        m.open(
            "tr",
            &[
                ("class", "session-row"),
                ("data-member-email", &s.email_address),
            ],
        )
        .elem("td", &[], &s.email_address)
        .elem("td", &[], &s.organization_slug)
        .elem("td", &[], &s.member_session_id)
        .elem("td", &[], &s.started_at)
        .elem("td", &[("class", "session-expires-at")], &s.expires_at)
        .elem("td", &[], &s.factors.join(", "))
        .raw("</tr>\n");
    }
    end_table(m, n);
}
