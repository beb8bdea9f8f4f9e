//! The search query language shared by organization and member search: `{operator: AND|OR,
//! operands: [{filter_name, filter_value}]}` plus cursor pagination (`limit` ≤ 1000).
//!
//! Filtering happens in memory over rows read in creation order: correct and simple for a
//! mock's data sizes. An unknown filter name is a 400, never silently ignored.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::catalog;
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Default, Deserialize)]
pub struct Query {
    #[serde(default)]
    operator: Option<String>,
    #[serde(default)]
    operands: Vec<Operand>,
}

#[derive(Debug, Deserialize)]
struct Operand {
    filter_name: String,
    filter_value: Value,
}

impl Query {
    pub fn mentions(&self, prefix: &str) -> bool {
        self.operands
            .iter()
            .any(|o| o.filter_name.starts_with(prefix))
    }

    /// Does an item pass? `eval(filter, value)` returns `None` for a filter it does not know.
    pub fn matches(&self, eval: impl Fn(&str, &Value) -> Option<bool>) -> ApiResult<bool> {
        let or = match self.operator.as_deref() {
            None | Some("AND") => false,
            Some("OR") => true,
            Some(other) => {
                return Err(ApiError::worded(
                    catalog::INVALID_SEARCH_QUERY,
                    format!("operator must be AND or OR, not {other}."),
                ));
            }
        };
        if self.operands.is_empty() {
            return Ok(true);
        }
        let mut result = !or;
        for op in &self.operands {
            let hit = eval(&op.filter_name, &op.filter_value)
                .ok_or_else(|| crate::routes::organizations::unknown_filter(&op.filter_name))?;
            result = if or { result || hit } else { result && hit };
        }
        Ok(result)
    }
}

/// `filter_value` is a list (or one value) of exact matches for `field`.
pub fn any_eq(filter_value: &Value, field: &Value) -> bool {
    match filter_value {
        Value::Array(items) => items.iter().any(|i| eq_ci(i, field)),
        single => eq_ci(single, field),
    }
}

fn eq_ci(a: &Value, b: &Value) -> bool {
    match (a.as_str(), b.as_str()) {
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => a == b,
    }
}

/// `filter_value` is a substring (case-insensitive) of `field`.
pub fn any_fuzzy(filter_value: &Value, field: &Value) -> bool {
    match (filter_value.as_str(), field.as_str()) {
        (Some(needle), Some(hay)) => hay
            .to_ascii_lowercase()
            .contains(&needle.to_ascii_lowercase()),
        _ => false,
    }
}

/// A list filter value shares an element with a list field.
pub fn list_overlaps(filter_value: &Value, field: &Value) -> bool {
    field
        .as_array()
        .is_some_and(|items| items.iter().any(|i| any_eq(filter_value, i)))
}

/// A single value equals the field.
pub fn field_eq(filter_value: &Value, field: &Value) -> bool {
    any_eq(filter_value, field)
}

#[derive(Debug, Serialize)]
pub struct ResultsMetadata {
    pub total: usize,
    pub next_cursor: Option<String>,
}

pub struct Page {
    offset: usize,
    limit: usize,
}

impl Page {
    pub fn parse(cursor: Option<&str>, limit: Option<i64>) -> ApiResult<Page> {
        let limit = match limit {
            None | Some(0) => 100,
            Some(l) if (1..=1000).contains(&l) => l as usize,
            Some(_) => {
                return Err(ApiError::of(catalog::INVALID_LIMIT));
            }
        };
        let offset = match cursor {
            None | Some("") => 0,
            Some(c) => c
                .strip_prefix("cursor-")
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| ApiError::of(catalog::INVALID_CURSOR))?,
        };
        Ok(Page { offset, limit })
    }

    pub fn slice<T>(&self, items: Vec<T>) -> (Vec<T>, ResultsMetadata) {
        let total = items.len();
        let end = (self.offset + self.limit).min(total);
        let next_cursor = (end < total).then(|| format!("cursor-{end}"));
        let page = items
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .collect();
        (page, ResultsMetadata { total, next_cursor })
    }
}
