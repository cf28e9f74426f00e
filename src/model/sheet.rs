//! Sheet ids: how `[[signatures]] sheet` names a printed signature sheet.
//!
//! The one place where sheet ids are written ([`SheetId`]'s `Display`) and read
//! (its `FromStr`): validation parses the records' ids, rendering gives every
//! sheet its id, the register matches the two, and the manifest lists them.

use std::fmt;
use std::str::FromStr;

/// The id of a signature sheet, or of one line of the all-staff sheet.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SheetId {
    /// `role/<role-id>/<person-id>`: top management assigns a role to one holder.
    Assignment {
        /// The role's id.
        role: String,
        /// The appointee's id.
        person: String,
    },
    /// `policy-approval`: top management approves the policy.
    PolicyApproval,
    /// `all-staff`: the acknowledgement sheet as a whole.
    AllStaff,
    /// `all-staff/<person-id>`: one person's line on the acknowledgement sheet.
    AllStaffLine {
        /// The person's id.
        person: String,
    },
    /// `board-resolution`: top management assigns the roles it assigns, at once.
    BoardResolution,
}

impl fmt::Display for SheetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SheetId::Assignment { role, person } => write!(f, "role/{role}/{person}"),
            SheetId::PolicyApproval => f.write_str("policy-approval"),
            SheetId::AllStaff => f.write_str("all-staff"),
            SheetId::AllStaffLine { person } => write!(f, "all-staff/{person}"),
            SheetId::BoardResolution => f.write_str("board-resolution"),
        }
    }
}

/// Why a text is not a sheet id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadSheetId;

impl fmt::Display for BadSheetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "expected `role/<role-id>/<person-id>`, `policy-approval`, `all-staff/<person-id>` or `board-resolution`",
        )
    }
}

impl FromStr for SheetId {
    type Err = BadSheetId;

    fn from_str(s: &str) -> Result<SheetId, BadSheetId> {
        let part = |p: &str| (!p.is_empty()).then(|| p.to_string());
        match s.split('/').collect::<Vec<_>>().as_slice() {
            ["role", r, p] => Ok(SheetId::Assignment {
                role: part(r).ok_or(BadSheetId)?,
                person: part(p).ok_or(BadSheetId)?,
            }),
            ["policy-approval"] => Ok(SheetId::PolicyApproval),
            ["all-staff"] => Ok(SheetId::AllStaff),
            ["board-resolution"] => Ok(SheetId::BoardResolution),
            ["all-staff", p] => Ok(SheetId::AllStaffLine {
                person: part(p).ok_or(BadSheetId)?,
            }),
            _ => Err(BadSheetId),
        }
    }
}

impl SheetId {
    /// The id of the printed sheet a record's sheet id is on: `all-staff` for a
    /// line of the acknowledgement, the id itself otherwise.
    pub fn printed(&self) -> SheetId {
        match self {
            SheetId::AllStaffLine { .. } => SheetId::AllStaff,
            other => other.clone(),
        }
    }

    /// The person a sheet id names (the appointee, or the line's signer).
    pub fn person(&self) -> Option<&str> {
        match self {
            SheetId::Assignment { person, .. } | SheetId::AllStaffLine { person } => Some(person),
            SheetId::PolicyApproval | SheetId::AllStaff | SheetId::BoardResolution => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for s in [
            "role/ceo/lena",
            "policy-approval",
            "all-staff",
            "all-staff/kwame",
            "board-resolution",
        ] {
            assert_eq!(s.parse::<SheetId>().unwrap().to_string(), s);
        }
    }

    #[test]
    fn refuses_malformed_ids() {
        for s in [
            "",
            "role/ceo",
            "role//lena",
            "role/a/b/c",
            "all-staff/",
            "policy",
            "x/y",
        ] {
            assert_eq!(s.parse::<SheetId>(), Err(BadSheetId), "{s:?}");
        }
    }
}
