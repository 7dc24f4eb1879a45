//! File dialogs behind a small trait, so the window uses the real ones
//! ([`RfdDialogs`]: the XDG desktop portal, or zenity when no portal runs)
//! and tests script the answers ([`ScriptedDialogs`]) without opening any.

use std::collections::VecDeque;
use std::path::PathBuf;

/// The dialogs the window needs. `None` means the user cancelled.
pub trait FileDialogs {
    /// A mailbox or mail file to import.
    fn pick_file(&mut self) -> Option<PathBuf>;
    /// A folder: a source folder, a case folder, or where to save attachments.
    fn pick_folder(&mut self) -> Option<PathBuf>;
    /// Where to write a file (an export, an attachment).
    fn save_file(&mut self, default_name: &str) -> Option<PathBuf>;
    /// A file to read that is not mail (a list of search terms, an
    /// annotations file), the dialog titled `title`; by default the same
    /// question as [`FileDialogs::pick_file`].
    fn pick_text_file(&mut self, title: &str) -> Option<PathBuf> {
        let _ = title;
        self.pick_file()
    }
}

/// The real dialogs (rfd).
#[derive(Default)]
pub struct RfdDialogs;

impl FileDialogs for RfdDialogs {
    fn pick_file(&mut self) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_title("Open mailbox file")
            .add_filter(
                "Mail (mbox, mbox.gz, eml, emlx, zip, tar, tar.gz, pst, msg)",
                &[
                    "mbox", "gz", "eml", "emlx", "mbx", "txt", "zip", "tar", "tgz", "pst", "msg",
                ],
            )
            .add_filter("All files", &["*"])
            .pick_file()
    }

    fn pick_text_file(&mut self, title: &str) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_title(title)
            .add_filter("Text, CSV or annotations", &["txt", "csv", "jsonl", "json"])
            .add_filter("All files", &["*"])
            .pick_file()
    }

    fn pick_folder(&mut self) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_title("Choose a folder")
            .pick_folder()
    }

    fn save_file(&mut self, default_name: &str) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_title("Save as")
            .set_file_name(default_name)
            .save_file()
    }
}

/// One scripted answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The answer to "pick a file" (None: cancelled).
    File(Option<PathBuf>),
    /// The answer to "pick a folder" (None: cancelled).
    Folder(Option<PathBuf>),
    /// The answer to "save as" (None: cancelled).
    Save(Option<PathBuf>),
}

/// Dialogs answered from a queue (tests). A dialog with no answer queued,
/// or whose next answer is of another kind, is cancelled; every question
/// asked is recorded.
#[derive(Clone, Debug, Default)]
pub struct ScriptedDialogs {
    /// The answers still queued, next first.
    pub answers: VecDeque<Answer>,
    /// The dialogs opened, in order: "file", "folder", "save:<default name>".
    pub asked: Vec<String>,
}

impl ScriptedDialogs {
    /// Dialogs that give `answers` in order, then cancel.
    pub fn new(answers: impl IntoIterator<Item = Answer>) -> ScriptedDialogs {
        ScriptedDialogs {
            answers: answers.into_iter().collect(),
            asked: Vec::new(),
        }
    }

    fn next(&mut self, want: fn(&Answer) -> Option<Option<PathBuf>>) -> Option<PathBuf> {
        let answer = self.answers.front().and_then(want)?;
        self.answers.pop_front();
        answer
    }
}

impl FileDialogs for ScriptedDialogs {
    fn pick_file(&mut self) -> Option<PathBuf> {
        self.asked.push("file".into());
        self.next(|a| match a {
            Answer::File(p) => Some(p.clone()),
            _ => None,
        })
    }

    fn pick_folder(&mut self) -> Option<PathBuf> {
        self.asked.push("folder".into());
        self.next(|a| match a {
            Answer::Folder(p) => Some(p.clone()),
            _ => None,
        })
    }

    fn save_file(&mut self, default_name: &str) -> Option<PathBuf> {
        self.asked.push(format!("save:{default_name}"));
        self.next(|a| match a {
            Answer::Save(p) => Some(p.clone()),
            _ => None,
        })
    }
}
