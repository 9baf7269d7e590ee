//! A page as headless Chromium draws it: a screenshot, decoded to pixels, for tests that check
//! what people would see (not blank, the bars in their colours). Skipped where no Chromium is
//! installed, unless CUTOVER_REQUIRE_CHROMIUM says it must run (`.ci/run` installs Debian's).

use std::path::Path;
use std::process::{Command, Stdio};

/// A decoded screenshot: RGB(A) pixels, `channels` bytes each.
pub(crate) struct Screenshot {
    pub pixels: Vec<u8>,
    pub channels: usize,
}

impl Screenshot {
    pub(crate) fn count(&self, keep: impl Fn(&[u8]) -> bool) -> usize {
        self.pixels
            .chunks(self.channels)
            .filter(|p| keep(p))
            .count()
    }

    pub(crate) fn total(&self) -> usize {
        self.pixels.len() / self.channels
    }

    /// Pixels within 40 of `rgb` on each channel.
    pub(crate) fn near(&self, rgb: [u8; 3]) -> usize {
        self.count(|p| (0..3).all(|i| p[i].abs_diff(rgb[i]) < 40))
    }
}

/// `page` drawn at `width`×`height`; `None` when no Chromium is installed (and none is
/// required).
pub(crate) fn screenshot(page: &Path, width: u32, height: u32) -> Option<Screenshot> {
    let chromium = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|name| {
            Command::new("which")
                .arg(name)
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        });
    let Some(chromium) = chromium else {
        assert!(
            std::env::var_os("CUTOVER_REQUIRE_CHROMIUM").is_none(),
            "CUTOVER_REQUIRE_CHROMIUM is set and no chromium is installed"
        );
        eprintln!("skipped: no chromium (.ci/run installs Debian's)");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let shot = dir.path().join("page.png");
    let output = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--window-size={width},{height}"))
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        shot.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let decoder = png::Decoder::new(std::fs::File::open(&shot).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).unwrap();
    pixels.truncate(info.buffer_size());
    Some(Screenshot {
        pixels,
        channels: info.color_type.samples(),
    })
}
