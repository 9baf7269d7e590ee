//! A real terminal for end-to-end TUI tests: a tmux session of a given size on its own server,
//! keys sent with `send-keys`, the screen read with `capture-pane`. Tests wait for text to
//! appear (with a deadline) instead of sleeping.

use super::test_run::Test;
use std::process::Command;
use std::time::Duration;

pub(crate) struct Pane {
    socket: String,
}

impl Pane {
    /// Starts `command` in a `width`x`height` terminal. When it ends, the pane prints its exit
    /// code and the terminal's settings (`stty -a`) and stays open for inspection.
    /// `cutover run runbook.toml --drill --auto` in `dir`, with the test key and its run
    /// folders under `logs`, in a terminal of `width`×`height`: the drill most TUI tests drive.
    pub(crate) fn drill(
        dir: &std::path::Path,
        logs: &std::path::Path,
        width: u16,
        height: u16,
    ) -> Self {
        Self::start(
            &format!(
                "cd {} && env -u SSH_AUTH_SOCK {} run runbook.toml --drill --auto --key {} --log-dir {}",
                dir.display(),
                Test::binary().display(),
                super::key_file().display(),
                logs.display()
            ),
            width,
            height,
        )
    }

    pub(crate) fn start(command: &str, width: u16, height: u16) -> Self {
        let socket = format!(
            "cutover-test-{}-{}",
            std::process::id(),
            super::unique_marker()
        );
        let script =
            format!("{command}; echo \"EXIT=$?\"; stty -a | tr '\\n' ' '; echo; sleep 600");
        let started = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "test",
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
            ])
            .arg(script)
            .output()
            .expect("tmux runs");
        assert!(
            started.status.success(),
            "tmux did not start ({}): {}",
            started.status,
            String::from_utf8_lossy(&started.stderr)
        );
        Self { socket }
    }

    fn tmux(&self, args: &[&str]) -> String {
        let output = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    pub(crate) fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "test"])
    }

    /// The screen with wrapped lines joined.
    pub(crate) fn joined(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-J", "-t", "test"])
    }

    /// Waits until `text` is on screen; returns the screen.
    pub(crate) fn wait_for(&self, text: &str) -> String {
        super::wait_for(
            &format!("`{text}` on screen"),
            Duration::from_secs(30),
            Duration::from_millis(30),
            || {
                let screen = self.screen();
                if screen.contains(text) {
                    Ok(screen)
                } else {
                    Err(format!("; the screen:\n{screen}"))
                }
            },
        )
    }

    /// Waits until `text` is no longer on screen (an overlay closed).
    pub(crate) fn wait_until_gone(&self, text: &str) {
        super::wait_for(
            &format!("`{text}` gone from the screen"),
            Duration::from_secs(30),
            Duration::from_millis(30),
            || {
                let screen = self.screen();
                if screen.contains(text) {
                    Err(format!("; the screen:\n{screen}"))
                } else {
                    Ok(())
                }
            },
        )
    }

    pub(crate) fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.tmux(&["send-keys", "-t", "test", key]);
        }
    }

    /// Types text literally.
    pub(crate) fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "test", "-l", text]);
    }

    pub(crate) fn format(&self, format: &str) -> String {
        self.tmux(&["display", "-p", "-t", "test", format])
            .trim()
            .to_string()
    }

    /// After the program ended: raw mode off, main screen back, cursor shown.
    pub(crate) fn assert_terminal_restored(&self) {
        self.wait_for("EXIT=");
        // `stty -a` prints after the exit code: wait for it too, not just for `EXIT=`.
        self.wait_for("speed ");
        let screen = self.joined();
        let settings = screen
            .lines()
            .find(|l| l.contains("speed"))
            .unwrap_or_default()
            .to_string();
        let flags: Vec<&str> = settings.split_whitespace().collect();
        assert!(
            flags.contains(&"icanon") && flags.contains(&"echo"),
            "raw mode left on: {settings}"
        );
        assert_eq!(
            self.format("#{alternate_on}"),
            "0",
            "still on the alternate screen"
        );
        assert_eq!(self.format("#{cursor_flag}"), "1", "cursor hidden");
    }

    pub(crate) fn exit_code(&self) -> i32 {
        let screen = self.wait_for("EXIT=");
        screen
            .split("EXIT=")
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }

    /// Ends the session: the program in it gets SIGHUP, as when an SSH link drops.
    pub(crate) fn hang_up(&self) {
        self.tmux(&["kill-server"]);
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}
