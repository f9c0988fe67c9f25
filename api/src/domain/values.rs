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

/// A region's materialized path: its division codes from the prefecture down, joined by `/`
/// (`6527/652701/652701001`). A region contains itself and every region below it; every
/// jurisdiction check, in Rust ([`RegionPath::contains`]) or in SQL (`policy::scope::within`),
/// goes through this type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct RegionPath(String);

impl RegionPath {
    /// The path as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the region at `path` lies in this one (is it, or below it).
    pub fn contains(&self, path: &str) -> bool {
        path.strip_prefix(self.0.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }

    /// This region's path and those of every region above it, top down.
    pub fn ancestry(&self) -> Vec<String> {
        self.0
            .match_indices('/')
            .map(|(i, _)| self.0[..i].to_owned())
            .chain(std::iter::once(self.0.clone()))
            .collect()
    }

    /// The division codes, top down.
    pub fn codes(&self) -> Vec<&str> {
        self.0.split('/').collect()
    }
}

impl From<String> for RegionPath {
    fn from(path: String) -> Self {
        Self(path)
    }
}

impl From<RegionPath> for String {
    fn from(path: RegionPath) -> Self {
        path.0
    }
}

impl std::fmt::Display for RegionPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A mainland mobile number: 11 digits, `1` then `3` to `9`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

/// Why a phone number is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be an 11-digit mainland mobile number starting with 1")]
pub struct PhoneNumberError;

impl PhoneNumber {
    /// Parses a mobile number, surrounding spaces ignored.
    pub fn parse(text: &str) -> Result<Self, PhoneNumberError> {
        let text = text.trim();
        let bytes = text.as_bytes();
        let mobile = bytes.len() == 11
            && bytes.iter().all(u8::is_ascii_digit)
            && bytes[0] == b'1'
            && (b'3'..=b'9').contains(&bytes[1]);
        if mobile {
            Ok(Self(text.to_owned()))
        } else {
            Err(PhoneNumberError)
        }
    }
}

impl From<PhoneNumber> for String {
    fn from(number: PhoneNumber) -> Self {
        number.0
    }
}

impl From<ResidentId> for String {
    fn from(id: ResidentId) -> Self {
        id.0
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

    #[test]
    fn a_region_contains_itself_and_what_lies_below_not_its_namesakes() {
        let county = RegionPath::from("6527/652701".to_owned());
        assert!(county.contains("6527/652701"));
        assert!(county.contains("6527/652701/652701001"));
        assert!(!county.contains("6527/6527010"));
        assert!(!county.contains("6527"));
        assert!(!county.contains("6527/652702/652701"));
        assert_eq!(county.ancestry(), ["6527", "6527/652701"]);
        assert_eq!(county.codes(), ["6527", "652701"]);
    }

    #[test]
    fn mobile_numbers_are_eleven_digits_starting_13_to_19() {
        assert!(PhoneNumber::parse(" 13800138000 ").is_ok());
        assert!(PhoneNumber::parse("12800138000").is_err());
        assert!(PhoneNumber::parse("1380013800").is_err());
        assert!(PhoneNumber::parse("1380013800x").is_err());
        assert!(PhoneNumber::parse("１３８００１３８０００").is_err());
    }
}
