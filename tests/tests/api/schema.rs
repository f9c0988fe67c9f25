//! The checked-in SDL matches the code, and every type and field is described.

use serde_json::json;
use shouhu_tests::TestApp;

#[test]
fn schema_graphql_matches_the_code() {
    let checked_in =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql"))
            .expect("schema.graphql at the repository root");

    assert!(
        checked_in == shouhu::graphql::sdl(),
        "schema.graphql is stale: run `cargo run -q -- schema > schema.graphql`"
    );
}

#[tokio::test]
async fn every_type_field_argument_and_enum_value_has_a_description() {
    let app = TestApp::spawn().await;

    let response = app
        .gql(
            None,
            "{ __schema { types { name kind description fields { name description args { name description } } inputFields { name description } enumValues { name description } } } }",
            json!({}),
        )
        .await;

    let mut missing = Vec::new();
    for ty in response.data()["__schema"]["types"].as_array().unwrap() {
        let name = ty["name"].as_str().unwrap();
        if name.starts_with("__")
            || ty["kind"] == "SCALAR" && ["String", "Int", "Boolean", "ID", "Float"].contains(&name)
        {
            continue;
        }
        if ty["description"].as_str().unwrap_or("").is_empty() {
            missing.push(name.to_owned());
        }
        for (list, label) in [
            ("fields", "field"),
            ("inputFields", "input field"),
            ("enumValues", "value"),
        ] {
            for item in ty[list].as_array().into_iter().flatten() {
                if item["description"].as_str().unwrap_or("").is_empty() {
                    missing.push(format!(
                        "{name}.{} ({label})",
                        item["name"].as_str().unwrap()
                    ));
                }
                for arg in item["args"].as_array().into_iter().flatten() {
                    if arg["description"].as_str().unwrap_or("").is_empty() {
                        missing.push(format!(
                            "{name}.{}({})",
                            item["name"].as_str().unwrap(),
                            arg["name"].as_str().unwrap()
                        ));
                    }
                }
            }
        }
    }
    assert!(missing.is_empty(), "undescribed: {missing:#?}");
}
