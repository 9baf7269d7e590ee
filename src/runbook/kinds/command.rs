//! `kind = "command"`: a shell command (`run`, through `sh -c`) or an argument vector (`argv`).

use super::super::fields::TableReader;
use super::super::model::TemplateUse;
use super::super::names::check_env_name;
use super::super::source::Located;
use super::super::template::Template;

/// How a process is started; shared by `command`, `service` and `progressive` steps.
#[derive(Clone, Debug)]
pub struct ProcessSpec {
    pub program: Program,
    pub cwd: Option<Template>,
    pub env: Vec<(Located<String>, Template)>,
}

#[derive(Clone, Debug)]
pub enum Program {
    /// `run = "…"`, given to `sh -c`; placeholders are shell-quoted.
    Shell(Template),
    /// `argv = ["…", …]`, executed without a shell; each item is one argument.
    Argv(Vec<Template>),
}

impl ProcessSpec {
    /// Whether the process names `variable`: its `CUTOVER_<NAME>` or its placeholder appears
    /// in its command line, its `cwd` or its `env`. Only then does it get a secret's value.
    pub fn names(&self, variable: &str) -> bool {
        let exported = crate::runbook::template::env_name(variable);
        self.mentions(&exported)
            || self
                .templates_of_process()
                .any(|template| template.references().any(|(name, _)| name == variable))
    }

    /// Whether `word` appears in the command line, the `cwd`, or the `env` (names or values).
    pub fn mentions(&self, word: &str) -> bool {
        self.templates_of_process()
            .any(|template| template.source.contains(word))
            || self.env.iter().any(|(name, _)| name.value == word)
    }

    fn templates_of_process(&self) -> impl Iterator<Item = &Template> {
        let program: Vec<&Template> = match &self.program {
            Program::Shell(run) => vec![run],
            Program::Argv(argv) => argv.iter().collect(),
        };
        program
            .into_iter()
            .chain(&self.cwd)
            .chain(self.env.iter().map(|(_, value)| value))
    }

    pub fn parse(fields: &mut TableReader) -> Option<Self> {
        let run = fields.template("run");
        let has_argv = fields.has("argv");
        let argv = fields.template_list("argv");
        let program = match (run, has_argv) {
            (Some(run), false) => Program::Shell(run),
            (None, true) if !argv.is_empty() => Program::Argv(argv),
            (None, true) => {
                let span = fields.key_span("argv").unwrap_or_else(|| fields.anchor());
                fields
                    .diags
                    .error(span, "`argv` must hold at least the program to run");
                return None;
            }
            (Some(_), true) => {
                let span = fields.key_span("argv").unwrap_or_else(|| fields.anchor());
                fields
                    .diags
                    .error(span, "a step takes `run` or `argv`, not both")
                    .with_hint("keep `run` for a shell command line, `argv` to run a program without a shell");
                return None;
            }
            (None, false) => {
                if !fields.has("run") {
                    fields.missing(
                        "run",
                        Some("add `run = \"shell command\"` or `argv = [\"program\", \"arg\"]`"),
                    );
                }
                return None;
            }
        };
        let cwd = fields.template("cwd");
        let env = fields.template_map("env");
        for (name, _) in &env {
            check_env_name(fields.diags, name);
        }
        Some(Self { program, cwd, env })
    }

    /// The templates of the process, the command line marked as such.
    pub fn templates(&self) -> Vec<TemplateUse<'_>> {
        let mut uses: Vec<TemplateUse> = match &self.program {
            Program::Shell(run) => vec![TemplateUse::shell(run)],
            Program::Argv(argv) => argv.iter().map(TemplateUse::argv).collect(),
        };
        uses.extend(self.cwd.iter().map(TemplateUse::text));
        uses.extend(self.env.iter().map(|(_, value)| TemplateUse::text(value)));
        uses
    }
}

#[derive(Clone, Debug)]
pub struct CommandStep {
    pub process: ProcessSpec,
    /// Exit codes that count as success; `[0]` unless written.
    pub expect_exit: Vec<i32>,
    /// Variables set from the last lines of stdout: one name takes the last line, several
    /// take as many lines, in order.
    pub capture: Vec<Located<String>>,
    /// Run again until it passes: `poll_interval` apart, for at most `poll_timeout`.
    pub poll: Option<Poll>,
}

/// Waiting on a condition a command checks (a replica caught up, a file appeared): hours
/// are fine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Poll {
    pub interval: std::time::Duration,
    pub timeout: std::time::Duration,
}

impl CommandStep {
    pub fn parse(fields: &mut TableReader) -> Option<Self> {
        let process = ProcessSpec::parse(fields);
        let expect_exit = parse_expect_exit(fields);
        let capture = if fields.has("capture")
            && fields
                .raw("capture")
                .is_some_and(|v| matches!(v.get_ref(), toml::de::DeValue::Array(_)))
        {
            let names = fields.string_list("capture");
            if names.len() > crate::protocol::limits::MAX_CAPTURED_LINES {
                let span = fields
                    .key_span("capture")
                    .unwrap_or_else(|| fields.anchor());
                fields.diags.error(
                    span,
                    format!(
                        "`capture` names at most {} lines",
                        crate::protocol::limits::MAX_CAPTURED_LINES
                    ),
                );
            }
            names
        } else {
            fields.string("capture").into_iter().collect()
        };
        let interval = fields.duration("poll_interval");
        let timeout = fields.duration("poll_timeout");
        let poll = match (interval, timeout) {
            (Some(interval), Some(timeout)) => Some(Poll {
                interval: interval.value,
                timeout: timeout.value,
            }),
            (None, None) => None,
            (Some(given), None) | (None, Some(given)) => {
                fields
                    .diags
                    .error(given.span, "`poll_interval` and `poll_timeout` go together")
                    .with_hint("run until it passes, this often, for at most this long: `poll_interval = \"30s\"`, `poll_timeout = \"2h\"`");
                None
            }
        };
        Some(Self {
            process: process?,
            expect_exit: expect_exit?,
            capture,
            poll,
        })
    }

    pub fn templates(&self) -> Vec<TemplateUse<'_>> {
        self.process.templates()
    }
}

fn parse_expect_exit(fields: &mut TableReader) -> Option<Vec<i32>> {
    let Some(value) = fields.raw("expect_exit") else {
        return Some(vec![0]);
    };
    let items: Vec<_> = match value.get_ref() {
        toml::de::DeValue::Array(items) => items.iter().collect(),
        _ => vec![value],
    };
    let mut codes = Vec::new();
    let mut ok = true;
    for item in items {
        match fields.integer_of("expect_exit", item) {
            Some(code) if (0..=255).contains(&code.value) => codes.push(code.value as i32),
            Some(code) => {
                fields.diags.error(
                    code.span,
                    format!("exit codes are 0 to 255, not {}", code.value),
                );
                ok = false;
            }
            None => ok = false,
        }
    }
    if ok && codes.is_empty() {
        fields.diags.error(
            value.span(),
            "`expect_exit` must list at least one exit code",
        );
        ok = false;
    }
    ok.then_some(codes)
}
