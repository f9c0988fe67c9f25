//! Masking functions: each keeps what a client of that kind of value needs and nothing more.

use async_graphql::{Name, Value};
use serde::Deserialize;

/// The kinds of masked value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mask {
    /// A name: the surname and `*` (张*).
    Name,
    /// A resident ID number: region prefix and last four (6527**********1234).
    IdNumber,
    /// A phone number: first three and last four (138****5678).
    Phone,
    /// A date of birth: the year only.
    BirthDate,
    /// An address: the village only.
    Address,
    /// Health: the category only (healthy, disabled, seriously ill).
    Health,
}

impl Mask {
    /// The name used in the policy file and the matrix.
    pub fn name(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::IdNumber => "id_number",
            Self::Phone => "phone",
            Self::BirthDate => "birth_date",
            Self::Address => "address",
            Self::Health => "health",
        }
    }

    /// Masks a resolved value; null stays null.
    pub fn apply(self, value: Value) -> Value {
        match (self, value) {
            (_, Value::Null) => Value::Null,
            (Self::Health, Value::Object(mut object)) => {
                for (key, field) in object.iter_mut() {
                    if key != &Name::new("status") && key != &Name::new("__typename") {
                        *field = Value::Null;
                    }
                }
                Value::Object(object)
            }
            (kind, Value::String(text)) => Value::String(kind.text(&text)),
            (_, _) => Value::Null,
        }
    }

    /// Masks text.
    pub fn text(self, text: &str) -> String {
        let chars: Vec<char> = text.chars().collect();
        match self {
            Self::Name => chars.first().map_or_else(String::new, |c| format!("{c}*")),
            Self::IdNumber => keep_ends(&chars, 4, 4),
            Self::Phone => keep_ends(&chars, 3, 4),
            Self::BirthDate => chars.iter().take(4).collect(),
            Self::Address => {
                let end = chars
                    .iter()
                    .position(|c| matches!(c, '村' | '社' | '居'))
                    .map(|i| {
                        if chars.get(i) == Some(&'社') {
                            i + 2
                        } else {
                            i + 1
                        }
                    });
                match end {
                    Some(end) => chars.iter().take(end.min(chars.len())).collect(),
                    None => "***".into(),
                }
            }
            Self::Health => String::new(),
        }
    }
}

fn keep_ends(chars: &[char], head: usize, tail: usize) -> String {
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let hidden = chars.len() - head - tail;
    chars[..head]
        .iter()
        .chain(std::iter::repeat_n(&'*', hidden))
        .chain(&chars[chars.len() - tail..])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_what_the_policy_promises() {
        assert_eq!(
            Mask::IdNumber.text("652701201503091234"),
            "6527**********1234"
        );
        assert_eq!(Mask::Phone.text("13812345678"), "138****5678");
        assert_eq!(Mask::Name.text("张小雨"), "张*");
        assert_eq!(Mask::BirthDate.text("2015-03-09"), "2015");
        assert_eq!(Mask::Address.text("红星村3组12号"), "红星村");
        assert_eq!(Mask::Address.text("幸福社区5栋"), "幸福社区");
        assert_eq!(Mask::Address.text("某路12号"), "***");
        assert_eq!(Mask::Phone.text("123"), "***");
    }

    #[test]
    fn health_keeps_the_category_only() {
        let value = Value::from_json(serde_json::json!({
            "status": "DISABLED", "disabilityCategory": "肢体残疾", "disabilityGrade": 3
        }))
        .unwrap();
        let masked = Mask::Health.apply(value).into_json().unwrap();
        assert_eq!(
            masked,
            serde_json::json!({ "status": "DISABLED", "disabilityCategory": null, "disabilityGrade": null })
        );
    }
}
