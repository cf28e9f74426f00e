//! The control ids of ISO/IEC 27001:2022 Annex A, and nothing else of it.
//!
//! Used by validation (a `[[controls]]` id must be one of them) and by the
//! documents that list controls in Annex A order. The standard's control texts
//! are copyrighted: rolecall ships the ids only, and names a control by the
//! title the model gives it.

/// The four themes of Annex A 2022 and how many controls each has:
/// organisational (A.5), people (A.6), physical (A.7), technological (A.8).
const THEMES: [(u32, u32); 4] = [(5, 37), (6, 8), (7, 14), (8, 34)];

/// How many controls Annex A 2022 has.
pub const COUNT: usize = 93;

/// The theme and number of an Annex A 2022 control id (`A.5.2` → `(5, 2)`), or
/// `None` for anything that is not one (`A.5.38`, `A.9.1`, `5.2`, `A.05.2`).
pub fn parse(id: &str) -> Option<(u32, u32)> {
    let (theme, number) = id.strip_prefix("A.")?.split_once('.')?;
    let digits =
        |s: &str| !s.is_empty() && !s.starts_with('0') && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(theme) || !digits(number) || theme.len() > 1 || number.len() > 2 {
        return None;
    }
    let (theme, number) = (theme.parse().ok()?, number.parse().ok()?);
    let &(_, count) = THEMES.iter().find(|(t, _)| *t == theme)?;
    (1..=count).contains(&number).then_some((theme, number))
}

/// Whether `id` is an Annex A 2022 control id.
pub fn is_control(id: &str) -> bool {
    parse(id).is_some()
}

/// Every Annex A 2022 control id, in order.
pub fn all() -> impl Iterator<Item = String> {
    THEMES
        .iter()
        .flat_map(|&(t, n)| (1..=n).map(move |i| format!("A.{t}.{i}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ninety_three_controls_in_four_themes() {
        let ids: Vec<String> = all().collect();
        assert_eq!(ids.len(), COUNT);
        assert_eq!(ids.first().map(String::as_str), Some("A.5.1"));
        assert_eq!(ids.last().map(String::as_str), Some("A.8.34"));
        assert!(ids.iter().all(|id| is_control(id)));
        for (last, next) in [
            ("A.5.37", "A.5.38"),
            ("A.6.8", "A.6.9"),
            ("A.7.14", "A.7.15"),
        ] {
            assert!(is_control(last) && !is_control(next), "{last} / {next}");
        }
    }

    #[test]
    fn other_ids_are_not_controls() {
        for bad in [
            "", "A.", "A.5", "A.5.0", "A.05.2", "A.5.02", "A.9.1", "A.4.1", "5.2", "a.5.2",
            "A.5.2.1", "A.8.35", " A.5.2", "A.5.2 ", "A.+5.2",
        ] {
            assert!(!is_control(bad), "{bad:?}");
        }
    }
}
