//! The mailer: renders an edition into the brief (HTML and plain text) from templates.
//!
//! Invariants: the only crate that knows the template engine; HTML templates are rendered with
//! auto-escaping on, so a model name from the internet (`<script>…`) arrives as text; the HTML
//! and text parts are rendered from the same [`view::BriefView`]; the one chart is drawn here
//! too ([`chart`]), from the same numbers the text part prints.

pub mod changes;
pub mod chart;
pub mod links;
pub mod messages;
pub mod render;
pub mod smtp;
pub mod token;
pub mod transport;
pub mod view;

pub use render::{RenderError, Renderer};
pub use token::{Claims, Purpose, TokenError, TokenKeys};
pub use view::BriefView;
