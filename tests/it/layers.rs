//! The layers are true: every `crate::` path in the library's code goes down the order that
//! `src/lib.rs` states (its numbered list) and ARCHITECTURE.md draws, never up and never
//! sideways into another area of the same layer. Test code may wire any layers together and is
//! not counted: `*_test.rs` files, and every item (a module, a helper) under `#[cfg(test)]`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The layers, from the bottom, as `src/lib.rs` lists them: `//! N. \`a\`, \`b\` — …`.
fn layers_in_lib_rs(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter_map(|line| line.strip_prefix("//! "))
        .filter_map(|line| {
            let (number, rest) = line.split_once(". ")?;
            number.parse::<u32>().ok()?;
            let names = rest.split(" — ").next()?;
            Some(
                names
                    .split(", ")
                    .map(|name| name.trim_matches('`').to_string())
                    .collect(),
            )
        })
        .collect()
}

/// The layers as ARCHITECTURE.md draws them: the names in its ```layers block, top first.
fn layers_in_architecture(text: &str) -> Vec<Vec<String>> {
    let block = text
        .split("```layers\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("ARCHITECTURE.md has a ```layers block");
    let mut layers: Vec<Vec<String>> = block
        .lines()
        .map(|line| {
            line.split(|c: char| !(c.is_ascii_lowercase() || c == '_'))
                .filter(|word| word.len() > 1)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|names| !names.is_empty())
        .collect();
    layers.reverse();
    layers
}

/// A library file's area and module path, e.g. `src/engine/run/approvals.rs` →
/// `["engine", "run", "approvals"]`.
fn module_path(file: &Path, src: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|last| last == "mod") {
        parts.pop();
    }
    parts
}

/// The code of a file that ships: comments do not import anything, and an item under
/// `#[cfg(test)]` (a test module, a helper) is test code.
fn shipped_code(text: &str) -> String {
    let code: String = text
        .lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut shipped = String::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("#[cfg(test)]") {
        shipped.push_str(&rest[..at]);
        rest = after_item(&rest[at + "#[cfg(test)]".len()..]);
    }
    shipped.push_str(rest);
    shipped
}

/// What follows the item `text` starts with (after its attributes): up to its `;` or the
/// brace that closes its body, whichever ends it.
fn after_item(text: &str) -> &str {
    let mut depth = 0usize;
    let mut in_attribute = 0usize;
    for (at, c) in text.char_indices() {
        match c {
            '[' => in_attribute += 1,
            ']' => in_attribute = in_attribute.saturating_sub(1),
            '{' if in_attribute == 0 => depth += 1,
            '}' if in_attribute == 0 => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return &text[at + 1..];
                }
            }
            ';' if depth == 0 && in_attribute == 0 => return &text[at + 1..],
            _ => {}
        }
    }
    ""
}

/// Every area a file's shipped code reaches, through `crate::AREA` or `super::` chains that
/// climb out of its own area.
fn areas_reached(module: &[String], code: &str) -> BTreeSet<String> {
    let mut reached = BTreeSet::new();
    let bytes = code.as_bytes();
    for (at, _) in code.match_indices("crate::") {
        // `$crate::` is a macro's path to this crate: the same thing.
        let before = at.checked_sub(1).map(|i| bytes[i]);
        if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') {
            continue;
        }
        let area: String = code[at + "crate::".len()..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        if !area.is_empty() {
            reached.insert(area);
        }
    }
    for (at, _) in code.match_indices("super::") {
        let before = at.checked_sub(1).map(|i| bytes[i]);
        if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':') {
            continue;
        }
        let mut rest = &code[at..];
        let mut depth = 0;
        while let Some(after) = rest.strip_prefix("super::") {
            depth += 1;
            rest = after;
        }
        // A file's module is its path; `super` from `a/b/c.rs` is `a::b`.
        if depth >= module.len() {
            let area: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            if !area.is_empty() {
                reached.insert(area);
            }
        }
    }
    reached
}

/// The files declared under `#[cfg(test)]` in `dir`'s module files: test helpers.
fn test_only_files(src: &Path) -> BTreeSet<PathBuf> {
    let mut found = BTreeSet::new();
    for file in rust_files(src) {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for pair in lines.windows(2) {
            if pair[0].trim() != "#[cfg(test)]" {
                continue;
            }
            let Some(name) = pair[1]
                .trim()
                .trim_start_matches("pub(crate) ")
                .trim_start_matches("pub ")
                .strip_prefix("mod ")
                .and_then(|rest| rest.strip_suffix(';'))
            else {
                continue;
            };
            let folder = if file
                .file_name()
                .is_some_and(|n| n == "mod.rs" || n == "lib.rs")
            {
                file.parent().unwrap().to_path_buf()
            } else {
                file.with_extension("")
            };
            found.insert(folder.join(format!("{name}.rs")));
            found.insert(file.parent().unwrap().join(format!("{name}.rs")));
        }
    }
    found
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// Each import of the library's code that goes up or sideways: `file: area → other`.
fn upward_imports(src: &Path, layers: &[Vec<String>]) -> Vec<String> {
    let layer_of = |area: &str| {
        layers
            .iter()
            .position(|layer| layer.iter().any(|a| a == area))
    };
    let tests_only = test_only_files(src);
    let mut found = Vec::new();
    for file in rust_files(src) {
        let name = file.file_name().unwrap().to_string_lossy();
        if name.ends_with("_test.rs") || tests_only.contains(&file) {
            continue;
        }
        let module = module_path(&file, src);
        if matches!(module.as_slice(), [one] if one == "lib" || one == "main") {
            continue;
        }
        let area = &module[0];
        let Some(own) = layer_of(area) else {
            found.push(format!("{}: `{area}` is in no layer", file.display()));
            continue;
        };
        let code = shipped_code(&std::fs::read_to_string(&file).unwrap());
        for reached in areas_reached(&module, &code) {
            if &reached == area {
                continue;
            }
            match layer_of(&reached) {
                Some(layer) if layer < own => {}
                Some(_) => found.push(format!(
                    "{}: {area} imports {reached}, which is not below it",
                    file.display()
                )),
                None => found.push(format!(
                    "{}: {area} imports `{reached}`, which is in no layer",
                    file.display()
                )),
            }
        }
    }
    found
}

#[test]
fn every_import_goes_down_the_layers_lib_rs_states() {
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).unwrap();
    let layers = layers_in_lib_rs(&lib);
    assert!(layers.len() > 10, "lib.rs lists its layers: {layers:?}");
    let upward = upward_imports(&root().join("src"), &layers);
    assert!(
        upward.is_empty(),
        "imports that go up:\n{}",
        upward.join("\n")
    );
    // Every area is in a layer.
    let areas: BTreeSet<String> = std::fs::read_dir(root().join("src"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|name| name != "lib" && name != "main")
        .collect();
    let listed: BTreeSet<String> = layers.iter().flatten().cloned().collect();
    assert_eq!(areas, listed, "src/ and lib.rs's layers");
}

#[test]
fn architecture_md_draws_the_layers_lib_rs_states() {
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).unwrap();
    let drawn = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    assert_eq!(layers_in_architecture(&drawn), layers_in_lib_rs(&lib));
}

/// The test of the test: an upward import planted in a copy of the tree is found, with the
/// file and the two areas; one in a comment, a string's doc or a test module is not.
#[test]
fn an_upward_import_is_found_and_a_mention_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir_all(src.join("engine")).unwrap();
    std::fs::create_dir_all(src.join("journal")).unwrap();
    std::fs::write(
        src.join("journal/entry.rs"),
        "use crate::engine::events::Event;\n",
    )
    .unwrap();
    std::fs::write(
        src.join("engine/fine.rs"),
        "//! Written to `crate::journal::entry` by the consumer.\nuse super::events::Event;\n\
         #[cfg(test)]\nmod tests {\n    use crate::journal::entry::Body;\n}\n",
    )
    .unwrap();
    std::fs::write(src.join("engine/mod.rs"), "#[cfg(test)]\nmod helper;\n").unwrap();
    std::fs::write(src.join("engine/helper.rs"), "use crate::journal::x;\n").unwrap();
    std::fs::write(src.join("engine/run_test.rs"), "use crate::journal::x;\n").unwrap();
    let layers = vec![vec!["engine".to_string()], vec!["journal".to_string()]];
    assert!(upward_imports(src, &layers).is_empty());
    // Now the engine reaches up into the journal, twice over.
    std::fs::write(
        src.join("engine/run.rs"),
        "use crate::journal::entry::Body;\n",
    )
    .unwrap();
    std::fs::write(
        src.join("engine/deep.rs"),
        "#[cfg(test)]\nmod tests {\n    fn t() {}\n}\n\nfn f() { super::super::journal::entry::write(); }\n",
    )
    .unwrap();
    let upward = upward_imports(src, &layers);
    assert_eq!(upward.len(), 2, "{upward:?}");
    assert!(upward[0].ends_with("deep.rs: engine imports journal, which is not below it"));
    assert!(upward[1].ends_with("run.rs: engine imports journal, which is not below it"));
    // And an area of the same layer is not below it either.
    let same = vec![vec!["engine".to_string(), "journal".to_string()]];
    assert!(!upward_imports(src, &same).is_empty());
}
