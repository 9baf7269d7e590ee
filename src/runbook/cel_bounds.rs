//! The bounds a `when` condition is held to. CEL's parser and evaluator recurse once per
//! nesting level and once per operator: a condition of a few thousand `+` overflowed the
//! engine's stack (SIGABRT — not even an error: the process ended mid-run, the step's result
//! unrecorded, every resume aborting again), and a larger one `check` itself. So a condition is
//! measured before CEL sees it — its length, how deep it nests, how many operators it has —
//! and refused past the bounds with a diagnostic; and CEL runs on a thread with a stack of its
//! own, far deeper than the bounds need, with its panics caught and said as errors.
//!
//! The bounds are far above any condition a person writes: the longest in the shipped runbooks
//! and examples is under 50 characters, 1 level deep, with 3 operators.

/// The longest condition, in characters.
pub(crate) const MAX_CHARACTERS: usize = 2000;

/// The deepest nesting of parentheses, brackets and braces.
pub(crate) const MAX_NESTING: usize = 32;

/// The most operators (`&&`, `==`, `+`, `!`, `.`, `?`, …) a condition may have.
pub(crate) const MAX_OPERATORS: usize = 100;

/// The stack CEL runs on: a hundred times what the bounds need in a debug build.
const CEL_STACK: usize = 256 << 20;

/// Which bound a condition is over, and by how much.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum OverBounds {
    #[error("it has {0} characters; a condition has at most {MAX_CHARACTERS}")]
    Characters(usize),
    #[error("it nests {0} levels deep; a condition nests at most {MAX_NESTING}")]
    Nesting(usize),
    #[error("it has {0} operators; a condition has at most {MAX_OPERATORS}")]
    Operators(usize),
}

/// Why `text` is over the bounds; `None` when it is within them.
pub(crate) fn over_bounds(text: &str) -> Option<OverBounds> {
    let characters = text.chars().count();
    if characters > MAX_CHARACTERS {
        return Some(OverBounds::Characters(characters));
    }
    let mut depth = 0usize;
    let mut deepest = 0usize;
    let mut operators = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut previous_was_operator = false;
    for c in text.chars() {
        if let Some(open) = quote {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                _ if c == open => quote = None,
                _ => {}
            }
            previous_was_operator = false;
            continue;
        }
        let operator = matches!(
            c,
            '+' | '-' | '*' | '/' | '%' | '<' | '>' | '=' | '!' | '&' | '|' | '?' | '.'
        );
        match c {
            '"' | '\'' => quote = Some(c),
            '(' | '[' | '{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            // `&&` or `<=` is one operator: a run of operator characters counts once.
            _ if operator && !previous_was_operator => operators += 1,
            _ => {}
        }
        previous_was_operator = operator;
    }
    if deepest > MAX_NESTING {
        return Some(OverBounds::Nesting(deepest));
    }
    if operators > MAX_OPERATORS {
        return Some(OverBounds::Operators(operators));
    }
    None
}

/// Why CEL gave no answer at all.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CelCrash {
    #[error("cannot start the thread that evaluates conditions: {0}")]
    Thread(#[source] std::io::Error),
    #[error("the CEL library failed on it ({0})")]
    Panicked(String),
}

/// Runs `work` — compiling or evaluating a condition — on a thread with a deep stack of its
/// own; a panic in CEL is an error, never the end of the process.
pub(crate) fn on_cel_stack<T: Send>(work: impl FnOnce() -> T + Send) -> Result<T, CelCrash> {
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new()
            .name("cel".into())
            .stack_size(CEL_STACK)
            .spawn_scoped(scope, work)
            .map_err(CelCrash::Thread)?;
        thread.join().map_err(|panic| {
            let said = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".into());
            CelCrash::Panicked(said)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_people_write_are_within_the_bounds_and_machines_are_not() {
        assert_eq!(
            over_bounds(r#"steps["drain"].status == "failed" && (release != "" || host in nodes)"#),
            None
        );
        let plus = vec!["1"; 7000].join(" + ");
        assert!(
            over_bounds(&plus)
                .unwrap()
                .to_string()
                .contains("characters")
        );
        let nested = format!("{}1{}", "(".repeat(40), ")".repeat(40));
        assert_eq!(over_bounds(&nested), Some(OverBounds::Nesting(40)));
        let operators = vec!["a"; 150].join("+");
        assert_eq!(over_bounds(&operators), Some(OverBounds::Operators(149)));
        // What is inside a string is text, not structure.
        let quoted = format!("x == \"{}\"", "(".repeat(100));
        assert_eq!(over_bounds(&quoted), None);
    }

    #[test]
    fn a_panic_in_cel_is_an_error() {
        let failed = on_cel_stack(|| -> u8 { panic!("boom") }).unwrap_err();
        assert!(matches!(&failed, CelCrash::Panicked(said) if said == "boom"));
        assert!(failed.to_string().contains("boom"), "{failed}");
        assert_eq!(on_cel_stack(|| 2 + 2).unwrap(), 4);
    }

    #[test]
    fn the_deepest_condition_within_the_bounds_compiles_and_evaluates_on_the_cel_stack() {
        let nested = format!("{}1{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
        let chain = vec!["1"; MAX_OPERATORS].join("+");
        for text in [format!("{nested} == 1"), format!("{chain} > 0")] {
            assert_eq!(over_bounds(&text), None, "{text}");
            let evaluated = on_cel_stack(|| {
                let program = cel::Program::compile(&text).unwrap();
                program.execute(&cel::Context::default()).is_ok()
            });
            assert!(evaluated.unwrap(), "{text}");
        }
    }
}
