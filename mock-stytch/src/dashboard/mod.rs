//! The mock dashboard behind `/_mock/ui`: one server-rendered page showing organizations and
//! their MFA policies, members and their factors, the outbox, current TOTP codes, live sessions,
//! the virtual clock, the fault rules and the last requests, with buttons to move the clock,
//! reset, add a common fault rule or remove one, and a snapshot download / restore upload. The
//! page keeps itself current: its script listens to `/_mock/ui/events` ([`crate::events`]) and
//! re-renders its live region on each change.
//!
//! [`view`] reads a consistent picture from the database, [`render`] and [`panels`] turn it into
//! HTML through [`html::Markup`], which only accepts dynamic text through escaping paths;
//! [`presets`] names the one-click fault rules. The page's classes and `data-*` attributes are a
//! contract (browser tests of the example app read them); change them only together with
//! `tests/api/ui_dashboard.rs` and `tests/api/ui_live.rs`. This module never writes: the
//! actions are in [`crate::routes::ui`].

pub mod html;
pub mod panels;
pub mod presets;
pub mod render;
pub mod view;

pub use render::render;
pub use view::View;
