//! The mock dashboard behind `/_mock/ui`: one server-rendered page showing organizations and
//! their MFA policies, members and their factors, the outbox, current TOTP codes, live sessions
//! and the virtual clock, with buttons to move the clock and reset.
//!
//! [`view`] reads a consistent picture from the database, [`render`] turns it into HTML through
//! [`html::Markup`], which only accepts dynamic text through escaping paths. The page's classes
//! and `data-*` attributes are a contract (browser tests of the example app read them); change
//! them only together with `tests/api/ui_dashboard.rs`. This module never writes.

pub mod html;
pub mod render;
pub mod view;

pub use render::render;
pub use view::View;
