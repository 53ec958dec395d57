//! Mammut's answer to a write: `TaskResult`.

use serde::{Deserialize, Serialize};

use crate::error::ParseError;

/// Whether a Mammut write succeeded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum TaskStatus {
    /// It did.
    Success,
    /// It did not (Mammut says so with HTTP 200).
    Failed,
    /// A status this crate does not know.
    #[serde(untagged)]
    Other(String),
}

/// Whether an affected element is a vertex or an edge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ElementType {
    /// A vertex (`user`, `room`, …).
    Vertex,
    /// An edge (`chat-in`, `create`, …).
    Edge,
    /// A type this crate does not know.
    #[serde(untagged)]
    Other(String),
}

/// One element a Mammut write created or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AffectedElement {
    /// The element's numeric id.
    #[serde(rename = "affectedElementId")]
    pub id: i64,
    /// Its type name (`user`, `room`, `chat-in`).
    #[serde(rename = "affectedElementName")]
    pub name: String,
    /// Vertex or edge.
    #[serde(rename = "affectedElementType")]
    pub element_type: ElementType,
    /// The triggers that ran, when Mammut lists them.
    #[serde(
        rename = "taskIdList",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub task_ids: Option<Vec<String>>,
}

/// Mammut answered (even with HTTP 200) with a `TaskResult` whose status is not `Success`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("mammut: the task failed (status {status:?}){}", reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default())]
#[non_exhaustive]
pub struct TaskFailed {
    /// The status Mammut reported (`Failed`, or a status this crate does not know).
    pub status: String,
    /// Mammut's reason, when its answer gave one ([`TaskResult::reason`]).
    pub reason: Option<String>,
}

/// Mammut's answer to a write: a status and the elements it affected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TaskResult {
    /// `Success` or `Failed`.
    pub status: TaskStatus,
    /// What the write affected. One create can affect many elements (a new user also gets
    /// a room and edges).
    #[serde(rename = "taskResult", default)]
    pub task_result: Vec<AffectedElement>,
    /// Why the task failed, when the answer says: the first text among its `message`,
    /// `reason`, `error`, `errorMessage`, `detail` and `description` fields (Mammut
    /// documents no error shape), cut to 300 characters. Read by [`TaskResult::from_json`];
    /// not part of the JSON shape.
    #[serde(skip)]
    pub reason: Option<String>,
}

/// The fields a failed answer may explain itself in, in the order they are read.
const REASON_FIELDS: [&str; 6] = [
    "message",
    "reason",
    "error",
    "errorMessage",
    "detail",
    "description",
];
/// The longest reason kept, in characters.
const REASON_CHARS: usize = 300;

impl TaskResult {
    /// Parses Mammut's answer. An error names the field (`taskResult[0].affectedElementId`).
    ///
    /// # Errors
    ///
    /// - [`ParseError::Malformed`] when the body is not valid JSON, or not a `TaskResult` at its
    ///   top level (such as an object without `status`).
    /// - [`ParseError::InvalidField`] naming the path (`taskResult[0].affectedElementId`) when a
    ///   value inside has the wrong type.
    pub fn from_json(json: &[u8]) -> Result<Self, ParseError> {
        let mut de = serde_json::Deserializer::from_slice(json);
        let result: TaskResult = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if inner.is_syntax() || inner.is_eof() || path == "." {
                ParseError::malformed(format!("TaskResult is not valid JSON: {inner}"))
            } else {
                ParseError::invalid(path, inner.to_string())
            }
        })?;
        de.end()
            .map_err(|e| ParseError::malformed(format!("TaskResult is not valid JSON: {e}")))?;
        let mut result = result;
        result.reason = serde_json::from_slice::<serde_json::Value>(json)
            .ok()
            .and_then(|v| {
                REASON_FIELDS
                    .iter()
                    .find_map(|k| v.get(k).and_then(serde_json::Value::as_str).map(str::trim))
                    .filter(|r| !r.is_empty())
                    .map(|r| crate::error::excerpt(r, REASON_CHARS))
            });
        Ok(result)
    }

    /// True when the status is `Success`.
    pub fn is_success(&self) -> bool {
        self.status == TaskStatus::Success
    }

    /// The result when it succeeded; an error when Mammut reported anything else, even with
    /// HTTP 200.
    ///
    /// # Errors
    ///
    /// [`TaskFailed`], holding the status and Mammut's reason, when the status is `Failed` or anything other than
    /// `Success`.
    pub fn into_success(self) -> Result<Self, TaskFailed> {
        let status = match &self.status {
            TaskStatus::Success => return Ok(self),
            TaskStatus::Failed => "Failed".to_owned(),
            TaskStatus::Other(s) => s.clone(),
        };
        Err(TaskFailed {
            status,
            reason: self.reason,
        })
    }

    /// The id of the user vertex a create made: the first vertex named `user`. (A create can
    /// list several users, such as the system bot a new room is shared with; the new one
    /// comes first.)
    pub fn created_user_id(&self) -> Option<i64> {
        self.task_result
            .iter()
            .find(|e| e.element_type == ElementType::Vertex && e.name == "user")
            .map(|e| e.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_result_keeps_mammuts_reason() {
        let r = TaskResult::from_json(
            br#"{"status": "Failed", "taskResult": [], "error": {"code": 7}, "reason": "  the number is taken  "}"#,
        )
        .unwrap();
        assert_eq!(r.reason.as_deref(), Some("the number is taken"));
        let e = r.into_success().unwrap_err();
        assert_eq!(
            e.to_string(),
            "mammut: the task failed (status \"Failed\"): the number is taken"
        );
        let r = TaskResult::from_json(br#"{"status": "Failed", "message": ""}"#).unwrap();
        assert_eq!(r.reason, None);
        assert_eq!(
            r.into_success().unwrap_err().to_string(),
            "mammut: the task failed (status \"Failed\")"
        );
        let long = format!(r#"{{"status": "Nope", "message": "{}"}}"#, "x".repeat(1000));
        let e = TaskResult::from_json(long.as_bytes())
            .unwrap()
            .into_success()
            .unwrap_err();
        assert_eq!(
            (e.status.as_str(), e.reason.unwrap().chars().count()),
            ("Nope", 301)
        );
    }
}
