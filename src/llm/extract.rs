//! The code in a model's reply: its fenced code blocks (```` ```sql ```` … ```` ``` ````).
//!
//! A reply is prose around code. Only fenced blocks count as code — text outside fences is never
//! guessed at, so a reply without one is "no code" (exit 2), not SQL made of an apology. Of
//! several blocks the longest one in an accepted language (or with no language tag) is taken:
//! models that show a fragment before the whole file put the whole file in the longest block.
//! Ties go to the first, so the choice is deterministic.

/// Language tags taken as model code for a target whose files have `extension` (`sql`, `sqlx`).
fn accepted(tag: &str, extension: &str) -> bool {
    let tag = tag.trim().to_ascii_lowercase();
    tag.is_empty()
        || tag == "sql"
        || tag == extension
        || matches!(tag.as_str(), "sqlx" | "jinja" | "jinja2" | "duckdb" | "bigquery" | "googlesql")
}

/// A fenced block: its language tag and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The tag after the opening fence, lowercased (empty when none).
    pub tag: String,
    /// The lines between the fences, ending with a newline.
    pub text: String,
}

/// Every fenced block of `reply`, in order. A fence is three or more backticks (or tildes) at
/// the start of a line (after spaces); the block ends at a line of at least as many of the same
/// character. An unclosed block runs to the end of the reply (a reply cut off by its length limit
/// still shows its code, and validation judges it).
pub fn blocks(reply: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<(char, usize, String, String)> = None;
    for line in reply.lines() {
        let trimmed = line.trim_start();
        let fence = trimmed.chars().next().filter(|c| *c == '`' || *c == '~');
        let run = fence.map_or(0, |c| trimmed.chars().take_while(|x| *x == c).count());
        match (&mut open, fence) {
            (Some((c, n, _, _)), Some(f)) if f == *c && run >= *n && trimmed[run..].trim().is_empty() => {
                if let Some((_, _, tag, text)) = open.take() {
                    out.push(Block { tag, text });
                }
            }
            (Some((_, _, _, text)), _) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, Some(f)) if run >= 3 => {
                let tag = trimmed[run..].split_whitespace().next().unwrap_or("").to_ascii_lowercase();
                open = Some((f, run, tag, String::new()));
            }
            (None, _) => {}
        }
    }
    if let Some((_, _, tag, text)) = open {
        out.push(Block { tag, text });
    }
    out
}

/// The model code in `reply` for a target whose files end in `extension`, or `None` when the
/// reply holds no fenced block in an accepted language with any code in it.
pub fn code_of(reply: &str, extension: &str) -> Option<String> {
    let mut best: Option<Block> = None;
    for block in blocks(reply).into_iter().filter(|b| accepted(&b.tag, extension) && !b.text.trim().is_empty()) {
        if best.as_ref().is_none_or(|b| block.text.trim().len() > b.text.trim().len()) {
            best = Some(block);
        }
    }
    best.map(|b| b.text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tagged_block_is_taken_without_the_prose() {
        let reply = "Here is the model:\n\n```sql\nSELECT 1 AS a\nFROM t\n```\n\nIt selects one.";
        assert_eq!(code_of(reply, "sql").as_deref(), Some("SELECT 1 AS a\nFROM t\n"));
    }

    #[test]
    fn an_untagged_block_and_a_sqlx_block_count() {
        assert_eq!(code_of("```\nSELECT 2\n```", "sql").as_deref(), Some("SELECT 2\n"));
        let sqlx = "```sqlx\nconfig { type: \"table\" }\nSELECT 3\n```";
        assert_eq!(code_of(sqlx, "sqlx").as_deref(), Some("config { type: \"table\" }\nSELECT 3\n"));
    }

    #[test]
    fn of_several_blocks_the_longest_code_block_wins_and_other_languages_do_not_count() {
        let reply = "The bug was:\n```sql\nSUM(x)\n```\nFixed file:\n```sql\nSELECT SUM(x) AS s\nFROM t\n```\n\
                     Run it with:\n```bash\ndbt run --select a_much_longer_command_line_than_the_sql_itself\n```\n";
        assert_eq!(code_of(reply, "sql").as_deref(), Some("SELECT SUM(x) AS s\nFROM t\n"));
    }

    #[test]
    fn no_fence_or_only_other_languages_or_empty_blocks_is_no_code() {
        assert_eq!(code_of("SELECT 1 -- no fence", "sql"), None);
        assert_eq!(code_of("```python\nprint(1)\n```", "sql"), None);
        assert_eq!(code_of("```sql\n\n```", "sql"), None);
        assert_eq!(code_of("", "sql"), None);
    }

    #[test]
    fn an_unclosed_block_runs_to_the_end_and_longer_fences_nest_shorter_ones() {
        assert_eq!(code_of("```sql\nSELECT 1\nFROM t", "sql").as_deref(), Some("SELECT 1\nFROM t\n"));
        let nested = "````sql\nSELECT '```' AS fence\n````\n";
        assert_eq!(code_of(nested, "sql").as_deref(), Some("SELECT '```' AS fence\n"));
        let tilde = "~~~sql\nSELECT 4\n~~~\n";
        assert_eq!(code_of(tilde, "sql").as_deref(), Some("SELECT 4\n"));
    }
}
