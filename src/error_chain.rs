//! An error and its sources as one sentence. Every error type in cutover reads after "failed
//! to" ("lock the journal X") and keeps its cause as its source ("Resource temporarily
//! unavailable"); this joins them: "lock the journal X: Resource temporarily unavailable".

pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // `#[error(transparent)]` wrappers repeat their source's message: say it once.
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    enum Outer {
        #[error("lock the journal /r/journal.log")]
        Lock(#[source] std::io::Error),
        #[error(transparent)]
        Inner(#[from] Inner),
    }

    #[derive(Debug, thiserror::Error)]
    #[error("read the key k")]
    struct Inner(#[source] std::io::Error);

    #[test]
    fn an_error_reads_with_its_sources_and_a_transparent_wrapper_says_nothing_twice() {
        let lock = Outer::Lock(std::io::Error::other("Resource temporarily unavailable"));
        assert_eq!(
            error_chain(&lock),
            "lock the journal /r/journal.log: Resource temporarily unavailable"
        );
        let inner = Outer::from(Inner(std::io::Error::other("No such file or directory")));
        assert_eq!(
            error_chain(&inner),
            "read the key k: No such file or directory"
        );
    }
}
