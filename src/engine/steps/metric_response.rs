//! Reading a Prometheus instant-query answer (`/api/v1/query`) into what a gate judges: one
//! number, no data, or why there is no usable answer.
//!
//! Written by hand rather than with a client crate: the answer is a small JSON document, and
//! what matters here is the edge cases the crates smooth over — an empty vector, `"NaN"`,
//! `"+Inf"`, several series, a matrix — each of which must stay visible as itself.

use serde::Deserialize;

use crate::runbook::kinds::metric::Reduce;

/// What one query gave.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Reading {
    /// One number, as Prometheus wrote it (`"0.013"`, `"NaN"`), at its evaluation time.
    Value {
        text: String,
        value: f64,
        eval_time: f64,
    },
    /// No series matched: nothing was measured.
    NoData,
}

/// Why an answer holds no reading; the sample is an error.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub(crate) enum AnswerError {
    #[error("Prometheus refused the query ({error_type}): {error}")]
    Refused { error_type: String, error: String },
    #[error("the answer is not a Prometheus query result: {0}")]
    Malformed(String),
    #[error(
        "the query gives a range vector (matrix); a gate reads an instant vector — drop the `[…]` range or wrap it in rate()/avg_over_time()"
    )]
    Matrix,
    #[error("the query gives a string, not a number")]
    Text,
    #[error(
        "the query gives {0} series; say how to make them one with `reduce` (sum, max, min, avg), or aggregate in PromQL"
    )]
    SeveralSeries(usize),
    #[error("the value `{0}` is not a number")]
    NotANumber(String),
}

#[derive(Deserialize)]
struct Envelope {
    status: String,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(rename = "resultType")]
    result_type: String,
    result: serde_json::Value,
}

#[derive(Deserialize)]
struct Series {
    #[serde(default)]
    value: Option<(f64, String)>,
}

/// Parses an answer's body. Prometheus sends its errors as JSON with a 4xx/5xx status, so the
/// body is read whatever the status was.
pub(crate) fn read_answer(body: &[u8], reduce: Option<Reduce>) -> Result<Reading, AnswerError> {
    let envelope: Envelope = serde_json::from_slice(body).map_err(|err| {
        AnswerError::Malformed(format!("{err} (at the start: {})", start_of(body)))
    })?;
    if envelope.status != "success" {
        return Err(AnswerError::Refused {
            error_type: envelope
                .error_type
                .unwrap_or_else(|| envelope.status.clone()),
            error: envelope.error.unwrap_or_default(),
        });
    }
    let data = envelope
        .data
        .ok_or_else(|| AnswerError::Malformed("`data` is missing".into()))?;
    match data.result_type.as_str() {
        "scalar" => {
            let (eval_time, text): (f64, String) = serde_json::from_value(data.result)
                .map_err(|err| AnswerError::Malformed(format!("scalar: {err}")))?;
            number(text, eval_time)
        }
        "vector" => {
            let series: Vec<Series> = serde_json::from_value(data.result)
                .map_err(|err| AnswerError::Malformed(format!("vector: {err}")))?;
            let samples: Vec<(f64, String)> = series.into_iter().filter_map(|s| s.value).collect();
            match (samples.len(), reduce) {
                (0, _) => Ok(Reading::NoData),
                (1, _) => {
                    let (eval_time, text) = samples.into_iter().next().expect("one");
                    number(text, eval_time)
                }
                (many, None) => Err(AnswerError::SeveralSeries(many)),
                (_, Some(reduce)) => reduced(samples, reduce),
            }
        }
        "matrix" => Err(AnswerError::Matrix),
        "string" => Err(AnswerError::Text),
        other => Err(AnswerError::Malformed(format!(
            "unknown resultType `{other}`"
        ))),
    }
}

/// Prometheus writes numbers as strings: `"1.5"`, `"NaN"`, `"+Inf"`, `"-Inf"`.
fn number(text: String, eval_time: f64) -> Result<Reading, AnswerError> {
    let value = match text.as_str() {
        "NaN" => f64::NAN,
        "+Inf" | "Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        other => other
            .parse::<f64>()
            .map_err(|_| AnswerError::NotANumber(other.to_string()))?,
    };
    Ok(Reading::Value {
        text,
        value,
        eval_time,
    })
}

/// Several series made one by the runbook's `reduce`. A NaN among them makes the whole NaN:
/// a reduction never hides a missing measurement.
fn reduced(samples: Vec<(f64, String)>, reduce: Reduce) -> Result<Reading, AnswerError> {
    let eval_time = samples[0].0;
    let mut values = Vec::with_capacity(samples.len());
    for (_, text) in samples {
        match number(text, eval_time)? {
            Reading::Value { value, .. } => values.push(value),
            Reading::NoData => unreachable!("a number is never no data"),
        }
    }
    let value = if values.iter().any(|v| v.is_nan()) {
        f64::NAN
    } else {
        match reduce {
            Reduce::Sum => values.iter().sum(),
            Reduce::Max => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            Reduce::Min => values.iter().copied().fold(f64::INFINITY, f64::min),
            Reduce::Avg => values.iter().sum::<f64>() / values.len() as f64,
        }
    };
    Ok(Reading::Value {
        text: format_value(value),
        value,
        eval_time,
    })
}

/// A number as Prometheus would write it.
pub(crate) fn format_value(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value == f64::INFINITY {
        "+Inf".into()
    } else if value == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        value.to_string()
    }
}

/// A number for a person to read in a reason: four significant decimals at most
/// (`0.3089`, not `0.30885873902633676`); the journal's `value` keeps Prometheus's own text.
pub(crate) fn short_value(value: f64) -> String {
    if !value.is_finite() || value == 0.0 {
        return format_value(value);
    }
    let magnitude = value.abs();
    if !(1e-4..1e9).contains(&magnitude) {
        return format!("{value:.3e}");
    }
    let decimals = (3 - magnitude.log10().floor() as i32).max(0) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

fn start_of(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(80)]);
    crate::terminal_text::plain(&text).replace(['\n', '\t'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(body: &str) -> Result<Reading, AnswerError> {
        read_answer(body.as_bytes(), None)
    }

    #[test]
    fn a_vector_of_one_series_is_its_value() {
        let reading = read(
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"version":"v2"},"value":[1700000000.5,"0.013"]}]}}"#,
        );
        assert_eq!(
            reading,
            Ok(Reading::Value {
                text: "0.013".into(),
                value: 0.013,
                eval_time: 1_700_000_000.5
            })
        );
    }

    #[test]
    fn an_empty_vector_is_no_data() {
        let reading = read(r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#);
        assert_eq!(reading, Ok(Reading::NoData));
    }

    #[test]
    fn a_scalar_is_its_value() {
        let reading = read(
            r#"{"status":"success","data":{"resultType":"scalar","result":[1700000000,"42"]}}"#,
        );
        assert!(matches!(reading, Ok(Reading::Value { value, .. }) if value == 42.0));
    }

    #[test]
    fn nan_and_infinities_stay_what_they_are() {
        for (text, check) in [
            ("NaN", f64::is_nan as fn(f64) -> bool),
            ("+Inf", |v: f64| v == f64::INFINITY),
            ("-Inf", |v: f64| v == f64::NEG_INFINITY),
        ] {
            let body = format!(
                r#"{{"status":"success","data":{{"resultType":"vector","result":[{{"metric":{{}},"value":[1,"{text}"]}}]}}}}"#
            );
            match read(&body) {
                Ok(Reading::Value {
                    value, text: kept, ..
                }) => {
                    assert!(check(value), "{text} read as {value}");
                    assert_eq!(kept, text);
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn reasons_show_short_numbers() {
        assert_eq!(short_value(0.30885873902633676), "0.3089");
        assert_eq!(short_value(0.0), "0");
        assert_eq!(short_value(12.5), "12.5");
        assert_eq!(short_value(1234.5678), "1235");
        assert_eq!(short_value(0.00001234), "1.234e-5");
        assert_eq!(short_value(f64::NAN), "NaN");
    }

    #[test]
    fn a_matrix_is_refused() {
        let reading = read(
            r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"],[2,"2"]]}]}}"#,
        );
        assert_eq!(reading, Err(AnswerError::Matrix));
    }

    #[test]
    fn an_error_answer_says_what_prometheus_said() {
        let reading =
            read(r#"{"status":"error","errorType":"bad_data","error":"parse error at char 5"}"#);
        assert_eq!(
            reading,
            Err(AnswerError::Refused {
                error_type: "bad_data".into(),
                error: "parse error at char 5".into()
            })
        );
    }

    #[test]
    fn html_or_garbage_is_malformed() {
        assert!(matches!(
            read("<html>502 Bad Gateway</html>"),
            Err(AnswerError::Malformed(_))
        ));
        assert!(matches!(
            read(r#"{"status":"success"}"#),
            Err(AnswerError::Malformed(_))
        ));
        assert!(matches!(
            read(
                r#"{"status":"success","data":{"resultType":"vector","result":[{"value":[1,"abc"]}]}}"#
            ),
            Err(AnswerError::NotANumber(_))
        ));
    }

    #[test]
    fn several_series_need_a_reduction() {
        let body = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"pod":"a"},"value":[5,"1"]},{"metric":{"pod":"b"},"value":[5,"3"]}]}}"#;
        assert_eq!(read(body), Err(AnswerError::SeveralSeries(2)));
        let value = |reduce| match read_answer(body.as_bytes(), Some(reduce)) {
            Ok(Reading::Value { value, .. }) => value,
            other => panic!("{other:?}"),
        };
        assert_eq!(value(Reduce::Sum), 4.0);
        assert_eq!(value(Reduce::Max), 3.0);
        assert_eq!(value(Reduce::Min), 1.0);
        assert_eq!(value(Reduce::Avg), 2.0);
    }

    #[test]
    fn a_reduction_never_hides_a_nan() {
        let body = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"pod":"a"},"value":[5,"1"]},{"metric":{"pod":"b"},"value":[5,"NaN"]}]}}"#;
        match read_answer(body.as_bytes(), Some(Reduce::Max)) {
            Ok(Reading::Value { value, text, .. }) => {
                assert!(value.is_nan());
                assert_eq!(text, "NaN");
            }
            other => panic!("{other:?}"),
        }
    }
}
