//! Includes: a step table with `include = "blocks/drain.toml"` in place of a kind is replaced
//! by the steps of that file (its `[[step]]` tables), where it stands. The block is written
//! once and used as often as needed, each time with its own `id` (which prefixes the ids of
//! its steps: `drain-node-1-cordon`) and its own parameters (`vars`).
//!
//! A parameter is a value (`vars = { node = "node-1" }`), or one placeholder
//! (`vars = { node = "{{ host }}" }`). Inside the block, `{{ node }}` then stands for that value
//! or that placeholder: the value becomes a constant of the run, quoted for the shell like any
//! variable, never pasted into a command line as text.
//!
//! An included file is parsed in the runbook's one offset space, past the end of every file
//! before it (`source.rs`): its spans, and so every diagnostic about its steps, point into it,
//! at its own lines. The exact bytes of every included file are kept with the runbook's for
//! the run folder and the header (`launch/run_folder.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

use super::diagnostic::Diagnostics;
use super::fields::TableReader;
use super::model::Step;
use super::names::check_id;
use super::source::{Located, SourceFile, Span};
use super::step::parse_step;

/// Reads an included file: from disk beside the runbook, or, for a run being resumed, from
/// the copy in its run folder.
pub(crate) type IncludeLoader<'a> = &'a dyn Fn(&str) -> std::io::Result<(PathBuf, Vec<u8>)>;

/// One included file as it was read.
#[derive(Clone, Debug)]
pub struct IncludedFile {
    /// The path as the runbook writes it (relative to the runbook's folder).
    pub written: String,
    pub bytes: Vec<u8>,
}

/// The includes met while parsing one runbook.
pub(crate) struct Includes<'a> {
    loader: IncludeLoader<'a>,
    /// Where the next file goes in the offset space.
    next_base: usize,
    /// Every file read, once per path, in the order first met.
    pub files: Vec<IncludedFile>,
    /// The texts as parsed (parameters put in), one per use: for diagnostics.
    pub sources: Vec<SourceFile>,
    /// Values the blocks' parameters stand for, as constants of the run.
    pub constants: BTreeMap<String, String>,
}

impl<'a> Includes<'a> {
    pub(crate) fn new(loader: IncludeLoader<'a>, main: &SourceFile) -> Self {
        Self {
            loader,
            next_base: main.end() + 1,
            files: Vec::new(),
            sources: Vec::new(),
            constants: BTreeMap::new(),
        }
    }
}

/// The loader for a runbook on disk: paths relative to its folder.
pub(crate) fn beside(
    runbook: &Path,
) -> impl Fn(&str) -> std::io::Result<(PathBuf, Vec<u8>)> + use<> {
    let folder = runbook.parent().map(Path::to_path_buf).unwrap_or_default();
    move |written: &str| {
        let path = folder.join(written);
        let bytes = super::read_file::read_runbook_file(&path)?;
        Ok((path, bytes))
    }
}

/// The loader for a run being resumed or reviewed: each included file from its copy in the
/// run folder (`copies`: the path as the runbook writes it, and the copy), checked against
/// the SHA-256 the header recorded, never from wherever the runbook once was.
pub(crate) fn from_run_folder(
    copies: Vec<(String, PathBuf, String)>,
) -> impl Fn(&str) -> std::io::Result<(PathBuf, Vec<u8>)> {
    move |written: &str| {
        let (_, copy, sha256) = copies
            .iter()
            .find(|(path, _, _)| path == written)
            .ok_or_else(|| {
                std::io::Error::other(format!(
                    "the header records no included `{written}`: the run did not include it"
                ))
            })?;
        let bytes = std::fs::read(copy)?;
        use sha2::Digest;
        let actual = crate::protocol::encoding::hex(&sha2::Sha256::digest(&bytes));
        if &actual != sha256 {
            return Err(std::io::Error::other(format!(
                "{} has SHA-256 {actual}, the header recorded {sha256}: it is not the file that ran",
                copy.display()
            )));
        }
        Ok((copy.clone(), bytes))
    }
}

/// A step table holding `include`: the steps of the block, with their ids prefixed and
/// their parameters in place. Problems go to `diags`, at the include or inside the block.
pub(crate) fn include_steps(
    table: &DeTable,
    table_span: Span,
    source: &SourceFile,
    diags: &mut Diagnostics,
    includes: &mut Includes,
) -> (Option<Located<String>>, Vec<Step>) {
    let first_key = table
        .iter()
        .next()
        .map_or(table_span, |(key, _)| key.span());
    let mut fields = TableReader::new(table, first_key, "this include", source, diags);
    let id = fields.required_string("id");
    if let Some(id) = &id {
        check_id(fields.diags, id, "include id");
        fields.what = format!("include `{}`", id.value);
        fields.set_anchor(id.span.clone());
    }
    let path = fields.required_string("include");
    let params = fields.table("vars");
    let mut values: Vec<(Located<String>, Located<String>)> = Vec::new();
    if let Some((params, _)) = params {
        for (name, value) in params.iter() {
            let name = Located::new(name.get_ref().to_string(), name.span());
            match value.get_ref() {
                DeValue::String(text) => {
                    values.push((name, Located::new(text.to_string(), value.span())));
                }
                _ => {
                    fields.diags.error(
                        value.span(),
                        format!("parameter `{}` must be a string", name.value),
                    );
                }
            }
        }
    }
    fields.finish();
    let (Some(id), Some(path)) = (id, path) else {
        return (None, Vec::new());
    };
    if source.base != 0 {
        diags
            .error(path.span.clone(), "an included file cannot include another")
            .with_hint("include every block from the runbook itself");
        return (Some(id), Vec::new());
    }
    // The block's placeholders that are parameters now name what the parameter stands for.
    let mut replacements: Vec<(String, String)> = Vec::new();
    for (name, value) in &values {
        let compact: String = value.value.chars().filter(|c| !c.is_whitespace()).collect();
        let sole_placeholder = compact.starts_with("{{")
            && compact.ends_with("}}")
            && compact.matches("{{").count() == 1;
        let target = if sole_placeholder {
            compact[2..compact.len() - 2].to_string()
        } else if value.value.contains("{{") {
            diags
                .error(
                    value.span.clone(),
                    format!("parameter `{}` mixes text and a placeholder", name.value),
                )
                .with_hint(
                    "a parameter is a value (\"node-1\") or one placeholder (\"{{ host }}\")",
                );
            continue;
        } else {
            let constant = format!("{}.{}", id.value, name.value);
            includes
                .constants
                .insert(constant.clone(), value.value.clone());
            constant
        };
        replacements.push((name.value.clone(), target));
    }
    let bytes = match (includes.loader)(&path.value) {
        Ok((_, bytes)) => bytes,
        Err(err) => {
            diags
                .error(
                    path.span.clone(),
                    format!("cannot read the included file `{}`: {err}", path.value),
                )
                .with_hint("the path is relative to the runbook's folder");
            return (Some(id), Vec::new());
        }
    };
    if !includes.files.iter().any(|f| f.written == path.value) {
        includes.files.push(IncludedFile {
            written: path.value.clone(),
            bytes: bytes.clone(),
        });
    }
    let file = SourceFile::from_bytes(Path::new(&path.value), bytes);
    let text = put_parameters(&file.text, &replacements);
    let base = includes.next_base;
    let included =
        SourceFile::from_text(Path::new(&path.value), text, file.invalid_utf8_at).at_base(base);
    includes.next_base = included.end() + 1;
    let steps = parse_block(&included, &id, diags);
    includes.sources.push(included);
    (Some(id), steps)
}

/// Parses a block's `[[step]]` tables, in the offset space at `source.base`.
fn parse_block(source: &SourceFile, id: &Located<String>, diags: &mut Diagnostics) -> Vec<Step> {
    // The parser counts from the start of its input: the text goes after `base` bytes of
    // padding, so its spans are the runbook's offsets.
    let padded = format!(
        "{}\n{}",
        " ".repeat(source.base.saturating_sub(1)),
        source.text
    );
    let (document, errors) = DeTable::parse_recoverable(&padded);
    for error in &errors {
        let span = error.span().unwrap_or(source.base..source.base);
        diags.error(span, format!("TOML syntax: {}", error.message()));
    }
    let document = document.get_ref();
    let anchor = source.base..source.base;
    let mut top = TableReader::new(document, anchor.clone(), "the included file", source, diags);
    let items = top.array("step");
    top.finish();
    let Some(items) = items.filter(|items| !items.is_empty()) else {
        diags
            .error(anchor, "the included file has no `[[step]]`")
            .with_hint("an included file holds `[[step]]` tables, as a phase does");
        return Vec::new();
    };
    let mut steps = Vec::new();
    for item in items {
        let DeValue::Table(table) = item.get_ref() else {
            diags.error(
                item.span(),
                "`step` must be an array of tables: write `[[step]]`",
            );
            continue;
        };
        // Blocks are one level deep: a block that includes, itself or another, is said so.
        if let Some(nested) = table.get("include") {
            let target = match nested.get_ref() {
                DeValue::String(target) => target.to_string(),
                _ => String::new(),
            };
            let message = if Path::new(&target) == source.path {
                format!("the block `{}` includes itself", source.path.display())
            } else {
                format!(
                    "the block `{}` includes `{target}`: an included file cannot include another",
                    source.path.display()
                )
            };
            diags
                .error(nested.span(), message)
                .with_hint("include every block from the runbook itself");
            continue;
        }
        let (_, step) = parse_step(table, item.span(), source, diags);
        if let Some(mut step) = step {
            step.id.value = format!("{}-{}", id.value, step.id.value);
            steps.push(step);
        }
    }
    steps
}

/// `text` with every `{{ name }}` of a parameter turned into `{{ target }}`.
fn put_parameters(text: &str, replacements: &[(String, String)]) -> String {
    let mut out = text.to_string();
    for (name, target) in replacements {
        let pattern = regex::Regex::new(&format!(r"\{{\{{\s*{}\s*\}}\}}", regex::escape(name)))
            .expect("an escaped name makes a valid pattern");
        out = pattern
            .replace_all(&out, regex::NoExpand(&format!("{{{{ {target} }}}}")))
            .into_owned();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_become_placeholders_of_what_they_stand_for() {
        let text = "run = \"drain {{ node }} {{node}} {{ nodes }}\"";
        let out = put_parameters(text, &[("node".into(), "host".into())]);
        assert_eq!(out, "run = \"drain {{ host }} {{ host }} {{ nodes }}\"");
    }
}
