//! Renders the policy as a Markdown matrix for department reviewers (`docs/access-matrix.md`).

use std::fmt::Write;

use sea_orm::ActiveEnum;

use crate::policy::{Policy, role_columns};

/// The matrix as Markdown.
pub fn render(policy: &Policy) -> String {
    let roles = role_columns();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Access matrix\n\n\
         Generated from `api/policy.toml` by `shouhu policy matrix`; do not edit by hand (a test\n\
         fails when this file is stale).\n\n\
         `F` full value, `M` masked, `-` none (null and a `FORBIDDEN` error). On `Query`, `Subscription` and\n\
         `Mutation` the level gates the operation. A field rule never widens a row scope.\n\n\
         ## Row scopes\n\n| role | rows |\n| --- | --- |"
    );
    for role in &roles {
        let _ = writeln!(out, "| `{}` | {:?} |", role.to_value(), policy.scope(*role));
    }
    let _ = writeln!(
        out,
        "\n## Report rows\n\nEvery account sees the reports it submitted; besides those:\n\n| role | reports |\n| --- | --- |"
    );
    for role in &roles {
        let _ = writeln!(
            out,
            "| `{}` | {:?} |",
            role.to_value(),
            policy.report_rows(*role)
        );
    }
    let _ = writeln!(
        out,
        "\n## Record rules\n\n\
         Decisions about one record and the caller together, each a named predicate of the policy\n\
         (`api/src/policy/rules.rs`; the roles and unit kinds come from `[rules]`):\n\n| rule | who |\n| --- | --- |"
    );
    for (name, rule) in policy.record_rules() {
        let _ = writeln!(out, "| `{name}` | {rule} |");
    }
    let _ = writeln!(
        out,
        "\n## Filters and orders\n\n\
         A role filters and sorts a list only by fields it reads in full: `F` allowed, `-` refused\n\
         with `FORBIDDEN` naming the argument in `extensions.field`. `reads` names the fields.\n"
    );
    let header: Vec<String> = roles.iter().map(|r| r.to_value()).collect();
    let _ = writeln!(out, "| list | argument | reads | {} |", header.join(" | "));
    let _ = writeln!(out, "| --- | --- | --- |{}", " --- |".repeat(roles.len()));
    for right in policy.argument_rights() {
        let argument = match &right.order_value {
            Some(value) => format!("{}: {value}", right.path),
            None => right.path.clone(),
        };
        let reads: Vec<String> = right.reads.iter().map(ToString::to_string).collect();
        let levels: Vec<&str> = roles
            .iter()
            .map(|r| {
                if policy.reads_in_full(Some(*r), &right.reads) {
                    "F"
                } else {
                    "-"
                }
            })
            .collect();
        let _ = writeln!(
            out,
            "| {} | {argument} | {} | {} |",
            right.list,
            if reads.is_empty() {
                "(nothing)".to_owned()
            } else {
                reads.join(", ")
            },
            levels.join(" | ")
        );
    }
    for (type_name, rules) in policy.types() {
        let _ = writeln!(out, "\n## {type_name}\n");
        let header: Vec<String> = roles.iter().map(|r| r.to_value()).collect();
        let _ = writeln!(
            out,
            "| field | {} | anonymous | mask | audited |",
            header.join(" | ")
        );
        let _ = writeln!(
            out,
            "| --- |{} --- | --- | --- |",
            " --- |".repeat(roles.len())
        );
        for (field, rule) in rules {
            let levels: Vec<&str> = roles
                .iter()
                .map(|r| rule.level(Some(*r)).symbol())
                .collect();
            let _ = writeln!(
                out,
                "| {field} | {} | {} | {} | {} |",
                levels.join(" | "),
                rule.level(None).symbol(),
                rule.mask.map_or("", |m| m.name()),
                if rule.sensitive { "yes" } else { "" },
            );
        }
    }
    out
}
