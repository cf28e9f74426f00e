//! `rolecall check` over the invalid fixtures: one per rule.
