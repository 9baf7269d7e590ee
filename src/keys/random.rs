//! Random bytes from the operating system, for session ids, salts and keys (`getrandom`: the
//! `getrandom` system call, no file to open and no descriptor to run out of).

pub(crate) fn random_bytes<const N: usize>() -> std::io::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(std::io::Error::other)?;
    Ok(bytes)
}
