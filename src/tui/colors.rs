//! Whether to draw in colour: not when `NO_COLOR` is set or the terminal cannot show it.

pub(crate) fn color_wanted(env: &dyn Fn(&str) -> Option<String>) -> bool {
    let no_color = env("NO_COLOR").is_some_and(|v| !v.is_empty());
    let term = env("TERM").unwrap_or_default();
    !no_color && term != "dumb" && !term.starts_with("vt")
}
