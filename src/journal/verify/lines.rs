//! The journal as lines, as verify reads it: each with its number and byte offset, and the
//! one kind of line that is not an entry — a fragment a crash tore, ended with LF by `resume`
//! and accounted for by the resume entry after it.

use sha2::{Digest, Sha256};

use crate::journal::entry::{Body, Entry};
use crate::protocol::encoding::hex;

pub(super) struct Line<'a> {
    pub(super) number: usize,
    pub(super) offset: u64,
    /// Without its LF.
    pub(super) content: &'a [u8],
    /// With its LF.
    pub(super) whole: &'a [u8],
}

pub(super) fn split_lines(bytes: &[u8]) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', bytes) {
        lines.push(Line {
            number: lines.len() + 1,
            offset: start as u64,
            content: &bytes[start..end],
            whole: &bytes[start..=end],
        });
        start = end + 1;
    }
    lines
}

pub(super) enum Fragment {
    NotTorn,
    Accounted,
    Mismatch(String),
}

/// A torn fragment ended with LF by resume is followed by the resume entry that records its
/// offset, length and SHA-256.
pub(super) fn torn_fragment_status(line: &Line, next: Option<&Line>) -> Fragment {
    let Some(next) = next else {
        return Fragment::NotTorn;
    };
    let Some(json) = next.content.split(|&b| b == b'\t').next() else {
        return Fragment::NotTorn;
    };
    let Ok(Entry {
        body: Body::Resume(resume),
        ..
    }) = std::str::from_utf8(json)
        .map_err(|_| ())
        .and_then(|j| Entry::parse(j).map_err(|_| ()))
    else {
        return Fragment::NotTorn;
    };
    let Some(torn) = resume.torn else {
        return Fragment::NotTorn;
    };
    if torn.offset != line.offset {
        return Fragment::NotTorn;
    }
    if torn.length == line.content.len() as u64 && torn.sha256 == hex(&Sha256::digest(line.content))
    {
        Fragment::Accounted
    } else {
        Fragment::Mismatch(format!(
            "a torn fragment whose bytes differ from what the resume entry on line {} recorded (length {}, SHA-256 {})",
            next.number, torn.length, torn.sha256
        ))
    }
}
