//! Who holds a run's controls, as the engine journals it: a person's client attached, took the
//! controls over from another, or left. The engine's presence gate starts no step while nobody
//! holds them; these records say who held them when.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeatAction {
    /// Took the free controls.
    Attach,
    /// Took the controls from the person holding them, who was asked nothing.
    Takeover,
    /// Left them: on purpose (`d`), or the terminal or the link went away.
    Detach,
}

impl SeatAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Attach => "attach",
            Self::Takeover => "takeover",
            Self::Detach => "detach",
        }
    }
}

/// Where a person's client attached from: the connecting process's uid and pid as the kernel
/// gave them (`SO_PEERCRED`), the uid's user name, this host, and the terminal and
/// `SSH_CONNECTION` read from that process (journals before it hold what the client said).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seat {
    pub user: String,
    pub host: String,
    pub tty: Option<String>,
    pub ssh_connection: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
}

impl Seat {
    /// `alice@db-1 on /dev/pts/3 (from 10.0.0.5 52114)`, for screens and reports.
    pub fn describe(&self) -> String {
        let mut text = format!("{}@{}", self.user, self.host);
        if let Some(tty) = &self.tty {
            text.push_str(&format!(" on {tty}"));
        }
        if let Some(ssh) = &self.ssh_connection {
            // SSH_CONNECTION is "client-ip client-port server-ip server-port".
            let client: Vec<&str> = ssh.split_whitespace().take(2).collect();
            if !client.is_empty() {
                text.push_str(&format!(" (ssh from {})", client.join(" ")));
            }
        }
        text
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControllerChange {
    /// When it happened (RFC 3339): the entry is written when the engine next looks, which
    /// for a detach during a long step is that step's end.
    pub at: String,
    pub action: SeatAction,
    pub seat: Seat,
    /// A takeover: who held the controls until then.
    pub from: Option<Seat>,
    /// The person's principal and key, as their client said them (an attach or takeover):
    /// the entry is signed with that key, and their acts after it too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<crate::keys::person::PersonKey>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seat_names_user_host_terminal_and_the_ssh_client() {
        let seat = Seat {
            user: "alice".into(),
            host: "db-1".into(),
            tty: Some("/dev/pts/3".into()),
            ssh_connection: Some("10.0.0.5 52114 10.0.0.9 22".into()),
            ..Seat::default()
        };
        assert_eq!(
            seat.describe(),
            "alice@db-1 on /dev/pts/3 (ssh from 10.0.0.5 52114)"
        );
        let local = Seat {
            user: "bob".into(),
            host: "h".into(),
            ..Seat::default()
        };
        assert_eq!(local.describe(), "bob@h");
    }
}
