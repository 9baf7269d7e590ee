//! "Did you mean …?" for misspelt keys, kinds and choices.

/// The known word closest to `typed`, when it is close enough to be a likely typo.
pub(crate) fn did_you_mean<'a>(
    typed: &str,
    known: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let typed_lower = typed.to_ascii_lowercase();
    known
        .into_iter()
        .map(|candidate| {
            (
                strsim::damerau_levenshtein(&typed_lower, candidate),
                candidate,
            )
        })
        .filter(|(distance, candidate)| *distance <= (candidate.len().max(typed.len()) / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggests_close_words_only() {
        let known = ["retries", "retry_delay", "timeout"];
        assert_eq!(did_you_mean("retires", known), Some("retries"));
        assert_eq!(did_you_mean("Timeout", known), Some("timeout"));
        assert_eq!(did_you_mean("banana", known), None);
    }
}
