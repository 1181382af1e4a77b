//! The check of an answer's references: every corner (`T10`, `Turn 10`, `corner 10`) and lap (`lap 7`) it names
//! must be one the session has, or the reader is warned before acting on it.

use racecraft_protocol::chat::CitationFlag;

/// A corner or lap an answer names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// A corner's number.
    Corner(u32),
    /// A lap's number.
    Lap(u32),
}

/// Makes the reference a prefix stands for from its number.
type MakeReference = fn(u32) -> Reference;

/// Every reference in `text` with the words that make it, in order.
pub fn references(text: &str) -> Vec<(String, Reference)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        // A reference starts a word.
        let rest = &text[i..];
        let step = rest.chars().next().map_or(1, char::len_utf8);
        let starts_word = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if !starts_word {
            i += step;
            continue;
        }
        let prefixes: [(&str, MakeReference); 7] = [
            ("T", Reference::Corner),
            ("Turn ", Reference::Corner),
            ("turn ", Reference::Corner),
            ("Corner ", Reference::Corner),
            ("corner ", Reference::Corner),
            ("lap ", Reference::Lap),
            ("Lap ", Reference::Lap),
        ];
        let mut matched = None;
        for (prefix, make) in prefixes {
            if let Some(after) = rest.strip_prefix(prefix) {
                let digits = after.bytes().take_while(u8::is_ascii_digit).count();
                let end = prefix.len() + digits;
                let ends_word = rest.as_bytes().get(end).is_none_or(|b| !b.is_ascii_alphanumeric());
                if (1..=4).contains(&digits)
                    && ends_word
                    && let Ok(n) = after[..digits].parse::<u32>()
                {
                    matched = Some((end, make(n)));
                    break;
                }
            }
        }
        match matched {
            Some((end, reference)) => {
                found.push((rest[..end].to_string(), reference));
                i += end;
            }
            None => i += step,
        }
    }
    found
}

/// The references in `answer` that name a corner not in `corners` or a lap not in `laps`, each once.
pub fn check(answer: &str, corners: &[u32], laps: &[u32]) -> Vec<CitationFlag> {
    let mut flags: Vec<CitationFlag> = Vec::new();
    for (cited, reference) in references(answer) {
        let problem = match reference {
            Reference::Corner(n) if !corners.contains(&n) => {
                format!("there is no corner {n} in this session: the corners are {}", span(corners, "T"))
            }
            Reference::Lap(n) if !laps.contains(&n) => {
                format!("there is no lap {n} in this session: the laps are {}", span(laps, ""))
            }
            _ => continue,
        };
        if !flags.iter().any(|f| f.cited == cited) {
            flags.push(CitationFlag { cited, problem });
        }
    }
    flags
}

/// `T1–T11`, or `none`.
fn span(numbers: &[u32], prefix: &str) -> String {
    match (numbers.iter().min(), numbers.iter().max()) {
        (Some(lo), Some(hi)) if lo == hi => format!("{prefix}{lo}"),
        (Some(lo), Some(hi)) if (hi - lo) as usize + 1 == numbers.len() => format!("{prefix}{lo}–{prefix}{hi}"),
        (Some(_), Some(_)) => numbers.iter().map(|n| format!("{prefix}{n}")).collect::<Vec<_>>().join(", "),
        _ => "none".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corners_and_laps_are_found_as_words_only() {
        let found = references("At T3 and Turn 10 on lap 7 (not ST4, T5a or lapse 2); Lap 12, corner 2.");
        let refs: Vec<Reference> = found.iter().map(|(_, r)| *r).collect();
        assert_eq!(
            refs,
            vec![
                Reference::Corner(3),
                Reference::Corner(10),
                Reference::Lap(7),
                Reference::Lap(12),
                Reference::Corner(2)
            ]
        );
        assert_eq!(found[1].0, "Turn 10");
    }

    #[test]
    fn references_the_session_lacks_are_flagged_once() {
        let flags = check("Brake later at T14 and T2. T14 again, on lap 31 and lap 2.", &[1, 2, 3], &[1, 2]);
        assert_eq!(flags.len(), 2, "{flags:?}");
        assert_eq!(flags[0].cited, "T14");
        assert_eq!(flags[0].problem, "there is no corner 14 in this session: the corners are T1–T3");
        assert_eq!(flags[1].cited, "lap 31");
        assert!(check("T1, lap 2", &[1, 2, 3], &[1, 2]).is_empty());
        assert_eq!(span(&[1, 3], "T"), "T1, T3");
    }

    proptest::proptest! {
        /// Any text is scanned without a panic, and every reference found is in the text as written.
        #[test]
        fn any_text_is_scanned(text in "\\PC{0,300}") {
            for (cited, _) in references(&text) {
                proptest::prop_assert!(text.contains(&cited));
            }
            let _ = check(&text, &[1], &[1]);
        }
    }
}
