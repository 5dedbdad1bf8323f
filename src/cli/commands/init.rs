//! `specproof init`: a project folder, a CI workflow and a pre-commit hook scaffolded.

use crate::cli::args::InitArgs;
use crate::cli::outcome::{usage_error, Outcome};
use crate::scaffold;

/// Runs `specproof init`.
pub fn run(args: &InitArgs) -> Outcome {
    if let Err(source) = std::fs::create_dir_all(&args.dir) {
        return usage_error(format!("cannot create {}: {source}", crate::project::layout::display(&args.dir)));
    }
    let (repo, relative) = scaffold::repository_of(&args.dir);
    let files = scaffold::files(&args.dir, &repo, &relative);
    if let Err(error) = scaffold::write(&files) {
        return usage_error(error.to_string());
    }
    let mut stdout = String::from("specproof init wrote:\n");
    // The workflow and hook go to the repository's root, which git names absolutely; shown
    // from the current folder when they are under it, as the user would type them.
    let here = std::env::current_dir().and_then(std::fs::canonicalize).ok();
    for file in &files {
        let shown = here.as_ref().and_then(|h| file.path.strip_prefix(h).ok()).unwrap_or(&file.path);
        stdout.push_str(&format!("  {}\n", crate::project::layout::display(shown)));
    }
    let dir = crate::project::layout::display(&args.dir);
    stdout.push_str(&format!(
        "\nNext:\n  specproof validate {dir}\n      the example validates clean (exit 0); replace it with your pipeline\n  git config core.hooksPath hooks\n      validate the models a commit changes before each commit\n  edit the workflow's install step, commit, and open a pull request\n"
    ));
    Outcome { stdout, stderr: String::new(), code: 0 }
}
