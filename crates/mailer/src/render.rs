//! Template rendering with minijinja. Built-in templates from `templates/` are compiled in;
//! an operator's folder (config `brief.templates`) overrides any of them without recompiling.

use crate::view::BriefView;
use minijinja::Environment;
use std::path::{Path, PathBuf};

/// The built-in templates, by name.
const BUILTIN: &[(&str, &str)] = &[
    ("brief.html", include_str!("../../../templates/brief.html")),
    ("brief.txt", include_str!("../../../templates/brief.txt")),
    (
        "compare.html",
        include_str!("../../../templates/compare.html"),
    ),
    (
        "web/archive.html",
        include_str!("../../../templates/web/archive.html"),
    ),
    (
        "web/model.html",
        include_str!("../../../templates/web/model.html"),
    ),
    (
        "email/confirm.html",
        include_str!("../../../templates/email/confirm.html"),
    ),
    (
        "email/confirm.txt",
        include_str!("../../../templates/email/confirm.txt"),
    ),
    (
        "web/layout.html",
        include_str!("../../../templates/web/layout.html"),
    ),
    (
        "web/subscribe.html",
        include_str!("../../../templates/web/subscribe.html"),
    ),
    (
        "web/message.html",
        include_str!("../../../templates/web/message.html"),
    ),
    (
        "web/confirm.html",
        include_str!("../../../templates/web/confirm.html"),
    ),
    (
        "web/unsubscribe.html",
        include_str!("../../../templates/web/unsubscribe.html"),
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot read template {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("template {name} is invalid or failed to render")]
    Template {
        name: String,
        #[source]
        source: minijinja::Error,
    },
}

/// Renders briefs; build once, render many.
pub struct Renderer {
    env: Environment<'static>,
}

impl Renderer {
    /// Uses the built-in templates, overridden by same-named files in `dir` when given.
    pub fn new(dir: Option<&Path>) -> Result<Self, RenderError> {
        let mut env = Environment::new();
        // `.html` templates escape every value; `.txt` ones do not.
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                minijinja::AutoEscape::Html
            } else {
                minijinja::AutoEscape::None
            }
        });
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        for (name, builtin) in BUILTIN {
            let source = match dir.map(|d| d.join(name)).filter(|p| p.exists()) {
                Some(path) => std::fs::read_to_string(&path)
                    .map_err(|source| RenderError::Read { path, source })?,
                None => (*builtin).to_owned(),
            };
            env.add_template_owned(*name, source)
                .map_err(|source| RenderError::Template {
                    name: (*name).to_owned(),
                    source,
                })?;
        }
        Ok(Self { env })
    }

    /// Renders any template by name (`web/subscribe.html`, `email/confirm.txt`, …).
    pub fn render(&self, name: &str, ctx: impl serde::Serialize) -> Result<String, RenderError> {
        let err = |source| RenderError::Template {
            name: name.to_owned(),
            source,
        };
        self.env
            .get_template(name)
            .map_err(err)?
            .render(ctx)
            .map_err(err)
    }

    pub fn html(&self, view: &BriefView) -> Result<String, RenderError> {
        self.render("brief.html", view)
    }

    pub fn text(&self, view: &BriefView) -> Result<String, RenderError> {
        self.render("brief.txt", view)
    }
}
