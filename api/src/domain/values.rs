//! Domain values that can be invalid, as newtypes with parsing constructors: once parsed,
//! always valid.

use chrono::NaiveDate;
use entity::enums::Gender;

/// A resident ID number (公民身份号码, GB 11643-1999): six digits of the registering region,
/// the birth date as `YYYYMMDD`, a three-digit sequence whose parity is the gender (odd male),
/// and a check character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentId(String);

/// Why a resident ID number is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ResidentIdError {
    /// Not 17 digits and a check character.
    #[error("must be 17 digits followed by a digit or X")]
    Format,
    /// The birth date part is not a date.
    #[error("contains no valid birth date")]
    BirthDate,
    /// The check character does not match.
    #[error("check digit does not match")]
    Checksum,
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The check character for the first 17 digits (ISO 7064 MOD 11-2).
pub fn check_character(first17: &str) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += c.to_digit(10)? * w;
    }
    CHECK.get((sum % 11) as usize).copied()
}

impl ResidentId {
    /// Parses and checks a resident ID number; a lower-case `x` is accepted.
    pub fn parse(text: &str) -> Result<Self, ResidentIdError> {
        let text = text.trim().to_ascii_uppercase();
        if text.len() != 18 || !text.is_ascii() {
            return Err(ResidentIdError::Format);
        }
        let (first17, last) = text.split_at(17);
        if !first17.chars().all(|c| c.is_ascii_digit())
            || !last.chars().all(|c| c.is_ascii_digit() || c == 'X')
        {
            return Err(ResidentIdError::Format);
        }
        NaiveDate::parse_from_str(&first17[6..14], "%Y%m%d")
            .map_err(|_| ResidentIdError::BirthDate)?;
        if check_character(first17).map(String::from).as_deref() != Some(last) {
            return Err(ResidentIdError::Checksum);
        }
        Ok(Self(text))
    }

    /// Builds a valid number from its parts (for generated demo data).
    pub fn compose(region: &str, birth: NaiveDate, sequence: u16, gender: Gender) -> Option<Self> {
        let parity = match gender {
            Gender::Male => 1,
            Gender::Female => 0,
        };
        let sequence = (sequence % 500) * 2 + parity;
        let first17 = format!("{region:0>6.6}{}{sequence:03}", birth.format("%Y%m%d"));
        let check = check_character(&first17)?;
        Some(Self(format!("{first17}{check}")))
    }

    /// The birth date it encodes.
    pub fn birth_date(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").ok()
    }

    /// The gender it encodes.
    pub fn gender(&self) -> Gender {
        let odd = self.0[16..17]
            .parse::<u8>()
            .map(|d| d % 2 == 1)
            .unwrap_or(false);
        if odd { Gender::Male } else { Gender::Female }
    }

    /// The number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_example_is_valid() {
        // The worked example of GB 11643-1999.
        let id = ResidentId::parse("11010519491231002X").unwrap();
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31));
        assert_eq!(id.gender(), Gender::Female);
    }

    #[test]
    fn wrong_checksum_format_and_date_are_refused() {
        assert_eq!(
            ResidentId::parse("110105194912310021"),
            Err(ResidentIdError::Checksum)
        );
        assert_eq!(
            ResidentId::parse("11010519491231002"),
            Err(ResidentIdError::Format)
        );
        assert_eq!(
            ResidentId::parse("110105194913310020"),
            Err(ResidentIdError::BirthDate)
        );
    }

    #[test]
    fn composed_numbers_parse_back() {
        let birth = NaiveDate::from_ymd_opt(2015, 3, 9).unwrap();
        let id = ResidentId::compose("652701", birth, 17, Gender::Male).unwrap();
        let parsed = ResidentId::parse(id.as_str()).unwrap();
        assert_eq!(parsed.birth_date(), Some(birth));
        assert_eq!(parsed.gender(), Gender::Male);
    }
}
