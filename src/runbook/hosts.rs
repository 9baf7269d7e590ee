//! Hosts in the runbook: the `[hosts]` groups, where a step runs (`on`), how hosts go in
//! batches (`serial`) and how many of a batch may fail before the run stops (`max_fail`).
//! OpenSSH carries the work; these are only names as the operator's ssh config knows them.

use toml::de::{DeTable, DeValue};

use super::diagnostic::Diagnostics;
use super::fields::{TableReader, Value};
use super::source::{Located, Span};

/// `web = ["web-1", "web-2"]` under `[hosts]`.
#[derive(Clone, Debug)]
pub struct HostGroup {
    pub name: Located<String>,
    pub hosts: Vec<Located<String>>,
}

/// Where a step's command runs, as the runbook writes it.
#[derive(Clone, Debug)]
pub enum HostTarget {
    /// `on = "web"`: every host of a group.
    Group(Located<String>),
    /// `on = ["db-1", "db-2"]`.
    List(Vec<Located<String>>),
    /// `on = "{{ host }}"`: the current host of a `for_each` phase.
    Current(Span),
}

/// How many hosts go at once: a count or a share of all the hosts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchSize {
    Count(usize),
    Percent(u8),
}

impl BatchSize {
    /// The size for `total` hosts: a share rounds down, but is never less than one host.
    fn of(self, total: usize) -> usize {
        match self {
            Self::Count(count) => count.max(1),
            Self::Percent(percent) => (total * usize::from(percent) / 100).max(1),
        }
    }
}

impl std::fmt::Display for BatchSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Count(count) => write!(f, "{count}"),
            Self::Percent(percent) => write!(f, "{percent}%"),
        }
    }
}

/// `serial`: the sizes of the waves, the last repeated until every host has gone (Ansible's
/// meaning). Empty: every host at once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Serial(pub Vec<BatchSize>);

impl Serial {
    pub fn one_at_a_time() -> Self {
        Self(vec![BatchSize::Count(1)])
    }

    /// The hosts cut into waves, in order.
    pub fn batches<T: Clone>(&self, hosts: &[T]) -> Vec<Vec<T>> {
        let mut batches = Vec::new();
        let mut rest = hosts;
        let mut sizes = self.0.iter();
        let mut size = hosts.len().max(1);
        while !rest.is_empty() {
            if let Some(next) = sizes.next() {
                size = next.of(hosts.len());
            }
            let take = size.min(rest.len());
            batches.push(rest[..take].to_vec());
            rest = &rest[take..];
        }
        batches
    }
}

/// `max_fail`: how many hosts of one wave may fail while the run goes on. One more stops it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaxFail(pub BatchSize);

impl Default for MaxFail {
    fn default() -> Self {
        Self(BatchSize::Count(0))
    }
}

impl MaxFail {
    /// Failures allowed in a wave of `batch` hosts (a share rounds down: 10% of 5 is none).
    pub fn allowed(self, batch: usize) -> usize {
        match self.0 {
            BatchSize::Count(count) => count,
            BatchSize::Percent(percent) => batch * usize::from(percent) / 100,
        }
    }
}

impl std::fmt::Display for MaxFail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A name ssh will take as a destination: no option (`-…`), no space or shell character.
pub(crate) fn is_host_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 253
        && !text.starts_with('-')
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'@'))
}

fn check_host_name(diags: &mut Diagnostics, host: &Located<String>) {
    if !is_host_name(&host.value) {
        diags
            .error(
                host.span.clone(),
                format!("`{}` is not a host name cutover passes to ssh", host.value),
            )
            .with_hint(
                "use the name your ssh config knows (letters, digits, `.`, `-`, `_`, `user@`); \
                 give anything else an alias with `Host` in the ssh config",
            );
    }
}

/// The `[hosts]` table.
pub(crate) fn parse_host_groups(table: &DeTable, diags: &mut Diagnostics) -> Vec<HostGroup> {
    let mut groups = Vec::new();
    for (name, value) in table.iter() {
        let name = Located::new(name.get_ref().to_string(), name.span());
        if !super::names::is_var_name(&name.value) {
            diags.error(
                name.span.clone(),
                format!(
                    "host group `{}` must be lowercase: a-z, 0-9, `_` and `-`, starting with a letter",
                    name.value
                ),
            );
        }
        let DeValue::Array(items) = value.get_ref() else {
            diags
                .error(
                    value.span(),
                    format!("host group `{}` must be a list of host names", name.value),
                )
                .with_hint(format!("write `{} = [\"host-1\", \"host-2\"]`", name.value));
            continue;
        };
        let mut hosts: Vec<Located<String>> = Vec::new();
        for item in items.iter() {
            let DeValue::String(text) = item.get_ref() else {
                diags.error(item.span(), "each host must be a string");
                continue;
            };
            let host = Located::new(text.to_string(), item.span());
            check_host_name(diags, &host);
            if hosts.iter().any(|h| h.value == host.value) {
                diags.error(
                    host.span.clone(),
                    format!("`{}` is twice in group `{}`", host.value, name.value),
                );
                continue;
            }
            hosts.push(host);
        }
        groups.push(HostGroup { name, hosts });
    }
    groups
}

/// `on` of a step.
pub(crate) fn parse_on(fields: &mut TableReader) -> Option<HostTarget> {
    let value = fields.raw("on")?;
    match value.get_ref() {
        DeValue::String(text) => {
            let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            if compact == "{{host}}" {
                Some(HostTarget::Current(value.span()))
            } else if text.contains("{{") {
                fields
                    .diags
                    .error(value.span(), "`on` takes a host group, a list of hosts, or `\"{{ host }}\"`")
                    .with_hint("inside a `for_each` phase, `on = \"{{ host }}\"` runs on the phase's current host");
                None
            } else {
                Some(HostTarget::Group(Located::new(
                    text.to_string(),
                    value.span(),
                )))
            }
        }
        DeValue::Array(_) => {
            let hosts = fields.string_list("on");
            for host in &hosts {
                check_host_name(fields.diags, host);
            }
            if hosts.is_empty() {
                fields.diags.error(value.span(), "`on` lists no host");
                return None;
            }
            Some(HostTarget::List(hosts))
        }
        _ => {
            fields.type_error("on", value, "a host group or a list of hosts");
            None
        }
    }
}

/// `serial`: a count, `"25%"`, or a list of waves such as `[1, "25%", "100%"]`.
pub(crate) fn parse_serial(fields: &mut TableReader) -> Option<Located<Serial>> {
    let value = fields.raw("serial")?;
    let sizes = match value.get_ref() {
        DeValue::Array(items) => items
            .iter()
            .map(|item| batch_size(fields, "serial", item, 1))
            .collect::<Option<Vec<_>>>()?,
        _ => vec![batch_size(fields, "serial", value, 1)?],
    };
    if sizes.is_empty() {
        fields.diags.error(value.span(), "`serial` lists no wave");
        return None;
    }
    Some(Located::new(Serial(sizes), value.span()))
}

/// `max_fail`: a count or a percentage of each wave.
pub(crate) fn parse_max_fail(fields: &mut TableReader) -> Option<Located<MaxFail>> {
    let value = fields.raw("max_fail")?;
    let size = batch_size(fields, "max_fail", value, 0)?;
    Some(Located::new(MaxFail(size), value.span()))
}

/// `serial` or `max_fail` (at `spans`) where no hosts are: an error each, `message` with
/// `{key}` for the key's name.
pub(crate) fn batches_without_hosts(
    fields: &mut TableReader,
    spans: [Option<Span>; 2],
    message: &str,
    hint: &str,
) {
    for (key, span) in ["serial", "max_fail"].into_iter().zip(spans) {
        if let Some(span) = span {
            fields
                .diags
                .error(span, message.replace("{key}", key))
                .with_hint(hint);
        }
    }
}

/// One size: an integer of at least `least`, or a string `"N%"` with N in least..=100.
fn batch_size(
    fields: &mut TableReader,
    key: &'static str,
    value: &Value<'_>,
    least: usize,
) -> Option<BatchSize> {
    match value.get_ref() {
        DeValue::Integer(_) => {
            let count = fields.integer_of(key, value)?;
            match usize::try_from(count.value) {
                Ok(count) if count >= least => Some(BatchSize::Count(count)),
                _ => {
                    fields.diags.error(
                        value.span(),
                        format!("`{key}` must be at least {least}, not {}", count.value),
                    );
                    None
                }
            }
        }
        DeValue::String(text) => {
            let percent = text
                .strip_suffix('%')
                .and_then(|number| number.trim().parse::<u8>().ok())
                .filter(|p| usize::from(*p) >= least && *p <= 100);
            if percent.is_none() {
                fields
                    .diags
                    .error(
                        value.span(),
                        format!(
                            "`{key}` must be a count or a percentage such as \"25%\", not `{text}`"
                        ),
                    )
                    .with_hint(format!("a percentage lies between {least}% and 100%"));
            }
            percent.map(BatchSize::Percent)
        }
        _ => {
            fields.type_error(key, value, "a count or a percentage such as \"25%\"");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(n: usize) -> Vec<usize> {
        (1..=n).collect()
    }

    #[test]
    fn serial_cuts_hosts_into_waves_repeating_the_last_size() {
        let all = Serial::default().batches(&hosts(5));
        assert_eq!(all, vec![vec![1, 2, 3, 4, 5]]);
        let twos = Serial(vec![BatchSize::Count(2)]).batches(&hosts(5));
        assert_eq!(twos, vec![vec![1, 2], vec![3, 4], vec![5]]);
        let waves = Serial(vec![
            BatchSize::Count(1),
            BatchSize::Percent(25),
            BatchSize::Percent(100),
        ])
        .batches(&hosts(9));
        assert_eq!(
            waves,
            vec![vec![1], vec![2, 3], vec![4, 5, 6, 7, 8, 9]],
            "25% of 9 rounds down to 2"
        );
        assert!(Serial::default().batches::<usize>(&[]).is_empty());
        assert_eq!(
            Serial(vec![BatchSize::Percent(10)]).batches(&hosts(3)),
            vec![vec![1], vec![2], vec![3]],
            "a share is never less than one host"
        );
    }

    #[test]
    fn max_fail_counts_per_wave_and_a_share_rounds_down() {
        assert_eq!(MaxFail::default().allowed(10), 0);
        assert_eq!(MaxFail(BatchSize::Count(2)).allowed(10), 2);
        assert_eq!(MaxFail(BatchSize::Percent(25)).allowed(10), 2);
        assert_eq!(MaxFail(BatchSize::Percent(10)).allowed(5), 0);
    }

    #[test]
    fn host_names_are_what_ssh_takes_as_a_destination() {
        for good in ["web-1", "db.internal", "deploy@10.0.0.7", "node_3"] {
            assert!(is_host_name(good), "{good}");
        }
        for bad in ["", "-oProxyCommand=x", "a b", "a;b", "$(id)", "a'b"] {
            assert!(!is_host_name(bad), "{bad}");
        }
    }
}
