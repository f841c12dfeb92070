//! Links into the public site, under `[web] base_url` — which may carry a path
//! (`https://example.com/modelbrief/`): every link keeps it.

use url::Url;

/// `path` (e.g. `unsubscribe`, `/archive/2026-W27`) under `base`, keeping `base`'s own path.
pub fn site_url(base: &Url, path: &str) -> Url {
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        let with_slash = format!("{}/", base.path());
        base.set_path(&with_slash);
    }
    base.set_query(None);
    base.join(path.trim_start_matches('/'))
        .unwrap_or_else(|_| base.clone())
}

/// `path` under `base` with `?token=…`.
pub fn token_url(base: &Url, path: &str, token: &str) -> String {
    let mut url = site_url(base, path);
    url.query_pairs_mut().append_pair("token", token);
    url.to_string()
}

/// The path prefix pages put before their own links and form actions (`/` or `/modelbrief/`).
pub fn base_path(base: &Url) -> String {
    site_url(base, "").path().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_url_with_a_path_keeps_it_in_every_link() {
        for base in [
            "https://example.com/modelbrief/",
            "https://example.com/modelbrief",
        ] {
            let base = Url::parse(base).unwrap();
            assert_eq!(
                site_url(&base, "/archive/2026-W27").as_str(),
                "https://example.com/modelbrief/archive/2026-W27"
            );
            assert_eq!(
                token_url(&base, "unsubscribe", "a.b"),
                "https://example.com/modelbrief/unsubscribe?token=a.b"
            );
            assert_eq!(base_path(&base), "/modelbrief/");
        }
        let root = Url::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(
            site_url(&root, "/confirm").as_str(),
            "http://127.0.0.1:8080/confirm"
        );
        assert_eq!(base_path(&root), "/");
    }
}
