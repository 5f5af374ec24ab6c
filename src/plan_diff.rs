//! The plan as an operator reads it: grouped by service, one coloured symbol per action,
//! field-level `before → after`, policy documents as a JSON diff of only the statements that
//! changed, the attribute that forces a replacement marked, secrets shown as `(sensitive)`, and
//! the one-line summary `Plan: 12 to add, 3 to change, 1 to replace, 0 to destroy.`
//!
//! Plain data in, text out (no [`crate::context::Context`]): the snapshot tests below build small
//! plans by hand and compare the text with `tests/snapshots/`.

use std::fmt::Write as _;

use bankinfra_engine::{Action, Plan, ResourceChange, Summary};
use bankinfra_model::FieldChange;
use serde_json::{Map, Value};

const GREEN: &str = "32";
const YELLOW: &str = "33";
const RED: &str = "31";
const MAGENTA: &str = "35";
const CYAN: &str = "36";
const BOLD: &str = "1";
const DIM: &str = "2";

/// Where a field's lines start under its resource's header.
const FIELD_INDENT: &str = "      ";
/// Where a policy diff's lines start under its field.
const DOCUMENT_INDENT: &str = "          ";

fn style(text: &str, code: &str, colour: bool) -> String {
    if colour { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
}

/// The colour of an action's symbol.
pub fn action_colour(action: Action) -> &'static str {
    match action {
        Action::Create => GREEN,
        Action::Update => YELLOW,
        Action::Replace => MAGENTA,
        Action::Delete => RED,
        Action::Adopt => CYAN,
        Action::NoOp => "0",
    }
}

fn verb(action: Action) -> &'static str {
    match action {
        Action::Create => "will be created",
        Action::Update => "will be updated in place",
        Action::Replace => "must be replaced",
        Action::Delete => "will be destroyed",
        Action::Adopt => "exists without ownership tags and will be adopted (needs --adopt)",
        Action::NoOp => "is up to date",
    }
}

fn legend(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update in place",
        Action::Replace => "replace (destroy, then create)",
        Action::Delete => "destroy",
        Action::Adopt => "adopt (tag and manage)",
        Action::NoOp => "no change",
    }
}

/// The one-line summary: `Plan: 12 to add, 3 to change, 1 to replace, 0 to destroy.`, with
/// `, 1 to adopt` before the full stop when something is adopted.
pub fn summary_line(summary: &Summary) -> String {
    let mut line = format!(
        "Plan: {} to add, {} to change, {} to replace, {} to destroy",
        summary.create, summary.update, summary.replace, summary.delete
    );
    if summary.adopt > 0 {
        let _ = write!(line, ", {} to adopt", summary.adopt);
    }
    line.push('.');
    line
}

/// The whole plan for `target` (one line naming where the run acts).
pub fn plan_text(target: &str, plan: &Plan, colour: bool) -> String {
    let mut out = String::new();
    let summary = plan.summary();
    if !summary.has_changes() {
        let _ = writeln!(out, "No changes. {} resources on {target} match the specs.", summary.no_op);
        return out;
    }
    let unchanged = match summary.no_op {
        0 => String::new(),
        1 => ", leaving 1 resource unchanged".to_string(),
        n => format!(", leaving {n} resources unchanged"),
    };
    let _ = writeln!(out, "bankinfra will perform these actions on {target}{unchanged}:");
    let changes: Vec<&ResourceChange> = plan.changes.iter().filter(|c| c.action != Action::NoOp).collect();
    let mut used: Vec<Action> = Vec::new();
    for action in [Action::Create, Action::Update, Action::Replace, Action::Delete, Action::Adopt] {
        if changes.iter().any(|c| c.action == action) {
            used.push(action);
        }
    }
    let symbols: Vec<String> =
        used.iter().map(|a| format!("{} {}", style(a.symbol(), action_colour(*a), colour), legend(*a))).collect();
    let _ = writeln!(out, "Symbols: {}\n", symbols.join(", "));
    // Services in the order the plan first touches them (dependencies first), resources in plan
    // order within each.
    let mut services: Vec<&'static str> = Vec::new();
    for change in &changes {
        let service = change.address.kind().service();
        if !services.contains(&service) {
            services.push(service);
        }
    }
    for service in services {
        let group: Vec<&ResourceChange> =
            changes.iter().copied().filter(|c| c.address.kind().service() == service).collect();
        let counts = group_counts(&group);
        let _ = writeln!(out, "{} {}", style(service, BOLD, colour), style(&format!("({counts})"), DIM, colour));
        for change in group {
            render_change(&mut out, plan, change, colour);
        }
    }
    let _ = writeln!(out, "{}", summary_line(&summary));
    out
}

fn group_counts(group: &[&ResourceChange]) -> String {
    let count = |a: Action| group.iter().filter(|c| c.action == a).count();
    [
        (Action::Create, "to add"),
        (Action::Update, "to change"),
        (Action::Replace, "to replace"),
        (Action::Delete, "to destroy"),
        (Action::Adopt, "to adopt"),
    ]
    .into_iter()
    .filter(|(a, _)| count(*a) > 0)
    .map(|(a, what)| format!("{} {what}", count(a)))
    .collect::<Vec<_>>()
    .join(", ")
}

fn render_change(out: &mut String, plan: &Plan, change: &ResourceChange, colour: bool) {
    let header = format!("{} {}", style(change.action.symbol(), action_colour(change.action), colour), change.address);
    let because = if change.replace_because.is_empty() {
        String::new()
    } else {
        format!(" ({} forces replacement)", change.replace_because.join(", "))
    };
    let _ = writeln!(out, "  {header} {}{because}", verb(change.action));
    if change.action == Action::Replace && change.address.kind().holds_data() {
        let _ = writeln!(
            out,
            "{FIELD_INDENT}{} the old one is deleted with its data; apply needs --allow-replace {}",
            style("! holds data:", RED, colour),
            change.address
        );
    }
    let attributes = plan.attributes(change);
    let width = attributes.iter().map(|c| c.path.chars().count()).max().unwrap_or(0);
    for field in attributes.iter() {
        render_field(out, change, field, width, colour);
    }
    out.push('\n');
}

fn render_field(out: &mut String, change: &ResourceChange, field: &FieldChange, width: usize, colour: bool) {
    let (before, after) = (field.before.as_ref(), field.after.as_ref());
    let mark = match (before, after) {
        (None, Some(_)) => "+",
        (Some(_), None) => "-",
        _ => "~",
    };
    let mark_colour = match mark {
        "+" => GREEN,
        "-" => RED,
        _ => YELLOW,
    };
    let in_place = matches!(change.action, Action::Update | Action::Replace | Action::Adopt);
    let document = in_place && (before.is_some_and(is_policy) || after.is_some_and(is_policy));
    let (text, lines) = if document {
        policy_diff(before, after)
    } else {
        let text = match (before, after) {
            (None, Some(a)) => display(&field.path, a),
            (Some(b), None) if !in_place => display(&field.path, b),
            (Some(b), None) => format!("{} → (absent)", display(&field.path, b)),
            (Some(b), Some(a)) => format!("{} → {}", display(&field.path, b), display(&field.path, a)),
            (None, None) => "(absent)".to_string(),
        };
        (text, Vec::new())
    };
    let top = field.path.split('.').next().unwrap_or_default();
    let forces = if change.action == Action::Replace && change.replace_because.iter().any(|r| r == top) {
        format!("  {}", style("# forces replacement", MAGENTA, colour))
    } else {
        String::new()
    };
    let path = format!("{:width$}", field.path);
    let _ = writeln!(out, "{FIELD_INDENT}{} {path} = {text}{forces}", style(mark, mark_colour, colour));
    for (mark, line) in lines {
        let painted = match mark {
            '+' => style(&format!("+ {line}"), GREEN, colour),
            '-' => style(&format!("- {line}"), RED, colour),
            '~' => style(&format!("~ {line}"), YELLOW, colour),
            _ => format!("  {line}"),
        };
        let _ = writeln!(out, "{DOCUMENT_INDENT}{painted}");
    }
}

// ------------------------------------------------------------------------------------------------
// Values
// ------------------------------------------------------------------------------------------------

/// Whether `v` is an IAM-style policy document (a key, bucket, queue, bus or trust policy, a
/// role's inline policy, an SCP).
fn is_policy(v: &Value) -> bool {
    match v {
        Value::Object(map) => map.contains_key("Statement"),
        Value::String(s) => {
            s.contains("\"Statement\"") && serde_json::from_str::<Value>(s).is_ok_and(|d| is_policy(&d))
        }
        _ => false,
    }
}

fn document(v: &Value) -> Value {
    match v {
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| v.clone()),
        other => other.clone(),
    }
}

/// The names that mark a field as a secret.
const SENSITIVE_NAMES: &[&str] = &["secret", "password", "token", "private_key"];

/// Whether the value at `path` is shown as `(sensitive)`: a segment of its path names a secret
/// (`secret`, `password`, `token`, `private_key`) and the value holds text. Numbers and booleans
/// at such paths are settings, never secrets (`generate_secret = true`,
/// `access_token_validity_minutes = 60`, `password_policy.minimum_length = 12`), and policy
/// documents are shown statement by statement wherever they sit.
fn sensitive(path: &str, value: &Value) -> bool {
    let named = path.split('.').any(|segment| {
        let segment = segment.to_ascii_lowercase();
        SENSITIVE_NAMES.iter().any(|name| segment.contains(name))
    });
    named && holds_text(value) && !is_policy(value)
}

fn holds_text(v: &Value) -> bool {
    match v {
        Value::String(_) => true,
        Value::Array(items) => items.iter().any(holds_text),
        Value::Object(map) => map.values().any(holds_text),
        _ => false,
    }
}

/// `value` with everything sensitive inside it (a map's entries, at any depth) replaced by
/// `(sensitive)`.
fn redact(path: &str, value: &Value) -> Value {
    match value {
        _ if sensitive(path, value) => Value::String("(sensitive)".into()),
        Value::Object(map) if !is_policy(value) => Value::Object(
            map.iter().map(|(k, v)| (k.clone(), redact(&format!("{path}.{k}"), v))).collect::<Map<String, Value>>(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|i| redact(path, i)).collect()),
        other => other.clone(),
    }
}

/// A compact one-line value: secrets hidden, policy documents summarised, long values cut.
fn display(path: &str, v: &Value) -> String {
    if sensitive(path, v) {
        return "(sensitive)".into();
    }
    if is_policy(v) {
        let n = document(v).get("Statement").map_or(1, |s| s.as_array().map_or(1, Vec::len));
        return format!("(policy document, {n} statement{})", if n == 1 { "" } else { "s" });
    }
    let s = redact(path, v).to_string();
    if s.chars().count() > 160 { format!("{}…", s.chars().take(160).collect::<String>()) } else { s }
}

// ------------------------------------------------------------------------------------------------
// Policy documents
// ------------------------------------------------------------------------------------------------

fn statements(doc: Option<&Value>) -> Vec<Value> {
    match doc.map(document).and_then(|d| d.get("Statement").cloned()) {
        Some(Value::Array(list)) => list,
        Some(one) => vec![one],
        None => Vec::new(),
    }
}

fn sid(statement: &Value) -> Option<&str> {
    statement.get("Sid").and_then(Value::as_str)
}

/// A policy document change as one summary (`policy document: 1 statement changed, 1 added (3
/// unchanged)`) and the diff lines under it: the document-level keys that changed, then each
/// changed statement (paired by `Sid`) as a line diff of its JSON, then the removed and the added
/// statements whole. Unchanged statements are left out.
fn policy_diff(before: Option<&Value>, after: Option<&Value>) -> (String, Vec<(char, String)>) {
    let (b, a) = (statements(before), statements(after));
    let mut removed: Vec<&Value> = b.iter().filter(|s| !a.contains(s)).collect();
    let mut added: Vec<&Value> = a.iter().filter(|s| !b.contains(s)).collect();
    let unchanged = b.len() - removed.len();
    let mut pairs: Vec<(&Value, &Value)> = Vec::new();
    removed.retain(|r| {
        let Some(id) = sid(r) else { return true };
        match added.iter().position(|x| sid(x) == Some(id)) {
            Some(i) => {
                pairs.push((r, added.remove(i)));
                false
            }
            None => true,
        }
    });
    if removed.len() == 1 && added.len() == 1 && sid(removed[0]).is_none() && sid(added[0]).is_none() {
        pairs.push((removed.remove(0), added.remove(0)));
    }
    let mut lines: Vec<(char, String)> = Vec::new();
    let keys = |d: Option<&Value>| match d.map(document) {
        Some(Value::Object(mut map)) => {
            map.remove("Statement");
            map
        }
        _ => Map::new(),
    };
    let (kb, ka) = (keys(before), keys(after));
    let mut names: Vec<&String> = kb.keys().chain(ka.keys()).collect();
    names.sort();
    names.dedup();
    for name in names {
        match (kb.get(name), ka.get(name)) {
            (Some(x), Some(y)) if x != y => lines.push(('~', format!("\"{name}\": {x} → {y}"))),
            (Some(x), None) if before.is_some() && after.is_some() => lines.push(('-', format!("\"{name}\": {x}"))),
            (None, Some(y)) if before.is_some() && after.is_some() => lines.push(('+', format!("\"{name}\": {y}"))),
            _ => {}
        }
    }
    for (old, new) in &pairs {
        lines.extend(collapse(line_diff(&pretty(old), &pretty(new))));
    }
    for statement in &removed {
        lines.extend(pretty(statement).into_iter().map(|l| ('-', l)));
    }
    for statement in &added {
        lines.extend(pretty(statement).into_iter().map(|l| ('+', l)));
    }
    let mut parts: Vec<String> = Vec::new();
    let count = |n: usize, what: &str| format!("{n} statement{} {what}", if n == 1 { "" } else { "s" });
    if !pairs.is_empty() {
        parts.push(count(pairs.len(), "changed"));
    }
    if !removed.is_empty() {
        parts.push(count(removed.len(), "removed"));
    }
    if !added.is_empty() {
        parts.push(count(added.len(), "added"));
    }
    if parts.is_empty() {
        parts.push("statements unchanged".into());
    }
    let whole = match (before, after) {
        (None, Some(_)) => "new policy document",
        (Some(_), None) => "policy document removed",
        _ => "policy document",
    };
    let kept = if unchanged > 0 { format!(" ({unchanged} unchanged)") } else { String::new() };
    (format!("{whole}: {}{kept}", parts.join(", ")), lines)
}

/// Unchanged lines kept around each change in a changed statement.
const CONTEXT: usize = 3;

/// A changed statement's line diff with long unchanged runs cut to `…`: [`CONTEXT`] lines either
/// side of each change, the braces around the statement and its `Sid` stay.
fn collapse(lines: Vec<(char, String)>) -> Vec<(char, String)> {
    let changed: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].0 != ' ').collect();
    let keep = |i: usize| {
        i == 0
            || i + 1 == lines.len()
            || lines[i].1.trim_start().starts_with("\"Sid\"")
            || changed.iter().any(|&c| c.abs_diff(i) <= CONTEXT)
    };
    let mut out = Vec::new();
    let mut skipping = false;
    for (i, line) in lines.iter().enumerate() {
        if keep(i) {
            out.push(line.clone());
            skipping = false;
        } else if !skipping {
            let indent: String = line.1.chars().take_while(|c| *c == ' ').collect();
            out.push((' ', format!("{indent}…")));
            skipping = true;
        }
    }
    out
}

fn pretty(v: &Value) -> Vec<String> {
    serde_json::to_string_pretty(v).unwrap_or_default().lines().map(str::to_string).collect()
}

/// A line diff of `old` and `new` (longest common subsequence): `' '` kept, `'-'` removed,
/// `'+'` added.
fn line_diff(old: &[String], new: &[String]) -> Vec<(char, String)> {
    let (n, m) = (old.len(), new.len());
    let mut common = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            common[i][j] =
                if old[i] == new[j] { common[i + 1][j + 1] + 1 } else { common[i + 1][j].max(common[i][j + 1]) };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < n || j < m {
        if i < n && j < m && old[i] == new[j] {
            out.push((' ', old[i].clone()));
            i += 1;
            j += 1;
        } else if j < m && (i == n || common[i][j + 1] >= common[i + 1][j]) {
            out.push(('+', new[j].clone()));
            j += 1;
        } else {
            out.push(('-', old[i].clone()));
            i += 1;
        }
    }
    // Removals before additions within each changed run, as diffs read.
    let mut ordered = Vec::with_capacity(out.len());
    let mut run: Vec<(char, String)> = Vec::new();
    for line in out {
        if line.0 == ' ' {
            run.sort_by_key(|(mark, _)| *mark != '-');
            ordered.append(&mut run);
            ordered.push(line);
        } else {
            run.push(line);
        }
    }
    run.sort_by_key(|(mark, _)| *mark != '-');
    ordered.append(&mut run);
    ordered
}

#[cfg(test)]
mod tests {
    use bankinfra_engine::ResourceGraph;
    use bankinfra_model::{Address, policy};
    use serde_json::json;

    use super::*;
    use crate::snapshots::assert_snapshot;

    const TARGET: &str = "stage local (account 123456789012, ap-southeast-2, via https://127.0.0.1:5000)";

    fn field(path: &str, before: Option<Value>, after: Option<Value>) -> FieldChange {
        FieldChange { path: path.into(), before, after }
    }

    fn change(address: &str, action: Action, changes: Vec<FieldChange>, because: &[&str]) -> ResourceChange {
        ResourceChange {
            address: address.parse::<Address>().unwrap(),
            action,
            changes,
            replace_because: because.iter().map(|b| b.to_string()).collect(),
            live: None,
            planned: None,
        }
    }

    fn plan(changes: Vec<ResourceChange>) -> Plan {
        Plan::new(changes, ResourceGraph::build(Vec::new()).unwrap().into())
    }

    fn bucket_policy(statements: Value) -> Value {
        policy::normalize(&json!({"Version": "2012-10-17", "Statement": statements}))
    }

    fn deny_insecure() -> Value {
        json!({"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
               "Resource": ["arn:aws:s3:::bank-documents-local", "arn:aws:s3:::bank-documents-local/*"],
               "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
    }

    fn require_kms(key: &str) -> Value {
        json!({"Sid": "DenyUnencryptedPut", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
               "Resource": "arn:aws:s3:::bank-documents-local/*",
               "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": key}}})
    }

    /// One plan with every action, a policy edit, a forced replacement, a holding-data warning, a
    /// trust policy, an inline policy added, and fields that must never be shown.
    fn mixed_plan() -> Plan {
        let trust = |principal: &str| {
            policy::normalize(&json!({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": principal}}}]}))
        };
        let inline = policy::normalize(&json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["ssm:GetParameter", "ssm:GetParameters"], "Resource": "arn:aws:ssm:ap-southeast-2:123456789012:parameter/bank/local/*"}]}));
        plan(vec![
            change("vpc.main", Action::NoOp, vec![], &[]),
            change(
                "subnet.private-a",
                Action::Replace,
                vec![
                    field("cidr_block", Some(json!("10.0.1.0/24")), Some(json!("10.0.11.0/24"))),
                    field("tags.tier", Some(json!("app")), Some(json!("private"))),
                ],
                &["cidr_block"],
            ),
            change(
                "kms_key.pii",
                Action::Create,
                vec![
                    field("description", None, Some(json!("PII classification key"))),
                    field("enable_key_rotation", None, Some(json!(true))),
                    field("policy", None, Some(bucket_policy(json!([deny_insecure()])))),
                    field("tags", None, Some(json!({"classification": "pii", "api_token": "abc123"}))),
                ],
                &[],
            ),
            change(
                "s3_bucket.documents",
                Action::Update,
                vec![
                    field(
                        "policy",
                        Some(bucket_policy(json!([
                            deny_insecure(),
                            require_kms("arn:aws:kms:ap-southeast-2:123456789012:key/old")
                        ]))),
                        Some(bucket_policy(json!([
                            deny_insecure(),
                            require_kms("arn:aws:kms:ap-southeast-2:123456789012:key/new")
                        ]))),
                    ),
                    field("versioning", Some(json!(false)), Some(json!(true))),
                ],
                &[],
            ),
            change(
                "iam_role.ci-cd",
                Action::Update,
                vec![
                    field(
                        "assume_role_policy",
                        Some(trust("repo:bank/old:*")),
                        Some(trust("repo:bank/infra:ref:refs/heads/main")),
                    ),
                    field("inline_policies.read-outputs", None, Some(inline)),
                    field("max_session_duration", Some(json!(3600)), Some(json!(7200))),
                ],
                &[],
            ),
            change(
                "cognito_user_pool.staff",
                Action::Replace,
                vec![
                    field("custom_attributes", Some(json!(["staff_id"])), Some(json!(["staff_id", "team"]))),
                    field("password_policy.minimum_length", Some(json!(12)), Some(json!(14))),
                ],
                &["custom_attributes"],
            ),
            change(
                "cognito_user_pool_client.staff-back-office",
                Action::Update,
                vec![
                    field("access_token_validity_minutes", Some(json!(60)), Some(json!(30))),
                    field("client_secret", Some(json!("s3cr3t-old")), Some(json!("s3cr3t-new"))),
                    field("generate_secret", Some(json!(true)), Some(json!(true))),
                ],
                &[],
            ),
            change(
                "s3_bucket.iceberg",
                Action::Adopt,
                vec![field("tags.bankinfra:stack", None, Some(json!("mod-104")))],
                &[],
            ),
            change(
                "sqs_queue.old-dlq",
                Action::Delete,
                vec![
                    field("name", Some(json!("bank-old-dlq-local")), None),
                    field("message_retention_seconds", Some(json!(1209600)), None),
                ],
                &[],
            ),
        ])
    }

    #[test]
    fn a_mixed_plan_reads_like_the_snapshot() {
        assert_snapshot("plan_mixed.txt", &plan_text(TARGET, &mixed_plan(), false));
    }

    #[test]
    fn colours_mark_the_symbols_when_asked() {
        assert_snapshot("plan_mixed_colour.txt", &plan_text(TARGET, &mixed_plan(), true));
        assert!(!plan_text(TARGET, &mixed_plan(), false).contains('\x1b'));
    }

    #[test]
    fn no_changes_is_one_line() {
        let text = plan_text(TARGET, &plan(vec![change("vpc.main", Action::NoOp, vec![], &[])]), false);
        assert_eq!(text, format!("No changes. 1 resources on {TARGET} match the specs.\n"));
    }

    #[test]
    fn the_summary_line_has_the_familiar_form() {
        let summary = Summary { create: 12, update: 3, replace: 1, delete: 0, adopt: 0, no_op: 120 };
        assert_eq!(summary_line(&summary), "Plan: 12 to add, 3 to change, 1 to replace, 0 to destroy.");
        let summary = Summary { adopt: 1, ..summary };
        assert_eq!(summary_line(&summary), "Plan: 12 to add, 3 to change, 1 to replace, 0 to destroy, 1 to adopt.");
    }

    #[test]
    fn secrets_are_hidden_wherever_they_sit_and_settings_are_not() {
        let text = plan_text(TARGET, &mixed_plan(), false);
        for secret in ["abc123", "s3cr3t-old", "s3cr3t-new"] {
            assert!(!text.contains(secret), "{secret} shown:\n{text}");
        }
        assert!(text.contains("client_secret                 = (sensitive) → (sensitive)"), "{text}");
        assert!(text.contains("\"api_token\":\"(sensitive)\""), "{text}");
        assert!(text.contains("access_token_validity_minutes = 60 → 30"), "a number is a setting:\n{text}");
        assert!(text.contains("password_policy.minimum_length = 12 → 14"), "{text}");
        assert!(text.contains("token.actions.githubusercontent.com:sub"), "policies are shown:\n{text}");
    }

    #[test]
    fn only_the_changed_statements_of_a_policy_are_shown() {
        let text = plan_text(TARGET, &mixed_plan(), false);
        let bucket = text.split("~ s3_bucket.documents").nth(1).unwrap().split("\n\n").next().unwrap();
        assert!(bucket.contains("policy document: 1 statement changed (1 unchanged)"), "{bucket}");
        assert!(bucket.contains("-         \"arn:aws:kms:ap-southeast-2:123456789012:key/old\""), "{bucket}");
        assert!(!bucket.contains("DenyInsecureTransport"), "the unchanged statement is left out:\n{bucket}");
    }

    #[test]
    fn line_diffs_keep_context_and_put_removals_first() {
        let old: Vec<String> = ["{", "a", "b", "}"].map(String::from).to_vec();
        let new: Vec<String> = ["{", "a", "c", "}"].map(String::from).to_vec();
        let marks: String = line_diff(&old, &new).iter().map(|(m, l)| format!("{m}{l}|")).collect();
        assert_eq!(marks, " {| a|-b|+c| }|");
    }
}
