//! Writing an export safely: to a temporary name in the destination's
//! folder, hashed as it is written, renamed into place only when finished
//! ([`Exporter`]); an eml folder with its manifest; any file written
//! atomically ([`write_file_atomically`]).

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use sha2::Digest;

use super::*;
use crate::error::{Error, Result};
use crate::model::Sha256;

/// A writer that hashes and counts what passes through it.
struct Hashing<W> {
    inner: W,
    hasher: sha2::Sha256,
    bytes: u64,
}

impl<W: Write> Hashing<W> {
    fn new(inner: W) -> Self {
        Hashing {
            inner,
            hasher: sha2::Sha256::new(),
            bytes: 0,
        }
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// One row of an eml export's manifest.
struct ManifestRow {
    file: String,
    sha256: Sha256,
    bytes: u64,
    id: MessageKey,
}

enum Output {
    /// A single file written to `tmp`, renamed to `dest` by `finish`.
    File {
        dest: PathBuf,
        tmp: PathBuf,
        w: Option<Hashing<BufWriter<File>>>,
    },
    /// A caller's writer (stdout).
    Stream {
        w: Hashing<BufWriter<Box<dyn Write + Send>>>,
    },
    /// A folder written as `tmp`, renamed to `dest` by `finish`.
    Eml {
        dest: PathBuf,
        tmp: PathBuf,
        manifest: Vec<ManifestRow>,
        seen: HashSet<MessageKey>,
        bytes: u64,
    },
}

/// Writes one export. Create it with [`Exporter::create`] or
/// [`Exporter::to_writer`], [`write`](Exporter::write) each message, then
/// [`finish`](Exporter::finish). Dropped without `finish` (or after an
/// error), it removes its temporary output and leaves the destination
/// untouched.
pub struct Exporter {
    format: Format,
    out: Output,
    messages: u64,
    /// Set once the output is in place; the temporary is gone.
    done: bool,
}

/// Path used in errors about an export to a writer.
const STREAM_PATH: &str = "<output>";

fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg.into())
}

/// The folder a destination is in (`.` for a bare file name).
fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Creates a fresh temporary file or folder next to `dest`, named
/// `.<name>.<pid>-<n>.mailsift-tmp`; returns its path and, for a file, the
/// open file.
fn create_temp(dest: &Path, dir: bool) -> Result<(PathBuf, Option<File>)> {
    let name = dest
        .file_name()
        .ok_or_else(|| Error::io(dest, "starting export", invalid("not a file name")))?;
    let parent = parent_of(dest);
    let pid = std::process::id();
    for n in 0..1000u32 {
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".{pid}-{n}.mailsift-tmp"));
        let tmp = parent.join(tmp_name);
        let made = if dir {
            fs::create_dir(&tmp).map(|_| None)
        } else {
            OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
                .map(Some)
        };
        match made {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            // Named by the destination the user gave, not the temporary
            // name: `out/x.csv: creating export failed: No such file…`.
            Err(e) => return Err(Error::io(dest, "creating export", e)),
        }
    }
    Err(Error::io(
        dest,
        "creating temporary export",
        io::Error::new(
            io::ErrorKind::AlreadyExists,
            "too many leftover temporaries",
        ),
    ))
}

/// Checks that an eml export folder may be created at `dest`: missing, or
/// an empty folder.
fn check_eml_dest(dest: &Path) -> Result<()> {
    match fs::symlink_metadata(dest) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(dest, "checking export folder", e)),
        Ok(m) if m.is_dir() => {
            let mut entries =
                fs::read_dir(dest).map_err(|e| Error::io(dest, "checking export folder", e))?;
            if entries.next().is_some() {
                Err(Error::io(
                    dest,
                    "starting export",
                    io::Error::new(
                        io::ErrorKind::AlreadyExists,
                        "folder exists and is not empty",
                    ),
                ))
            } else {
                Ok(())
            }
        }
        Ok(_) => Err(Error::io(
            dest,
            "starting export",
            io::Error::new(io::ErrorKind::AlreadyExists, "exists and is not a folder"),
        )),
    }
}

/// Writes the file `dest` all at once: `write` gets a writer on a temporary
/// file next to `dest` (same naming as exports), which is synced and renamed
/// to `dest` when `write` succeeds, and removed when anything fails, so a
/// full disk or an error leaves neither a half-written file nor a
/// temporary one, and an existing `dest` is kept. For outputs that are not
/// one of the export [`Format`]s (the CLI's text listing).
pub fn write_file_atomically<E: From<Error>>(
    dest: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    if fs::metadata(dest).is_ok_and(|m| m.is_dir()) {
        return Err(Error::io(
            dest,
            "writing",
            invalid("is a folder; a file name is needed"),
        )
        .into());
    }
    let (tmp, file) = create_temp(dest, false)?;
    let file = file.expect("create_temp opens files");
    let mut w = BufWriter::with_capacity(1 << 16, file);
    let result = write(&mut w).and_then(|()| {
        let done = w
            .flush()
            .and_then(|()| w.get_ref().sync_all())
            .and_then(|()| fs::rename(&tmp, dest));
        done.map_err(|e| Error::io(dest, "writing", e).into())
    });
    if result.is_err() {
        drop(w);
        let _ = fs::remove_file(&tmp);
    } else {
        sync_dir(parent_of(dest));
    }
    result
}

/// Flushes a folder's entry list to disk, where the platform allows it.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

impl Exporter {
    /// Starts an export to `path`: a file for csv/json/mbox (an existing
    /// file is replaced, atomically, at `finish`; a folder is refused); a
    /// folder to create for eml, which must not exist or be empty.
    ///
    /// Output goes to a temporary name in the same folder and is renamed
    /// into place by [`finish`](Exporter::finish), so a failed or cancelled
    /// export leaves nothing half-written (the temporary is removed on error
    /// or drop).
    pub fn create(format: Format, path: &Path) -> Result<Exporter> {
        let dest = path.to_path_buf();
        let out = if format == Format::Eml {
            check_eml_dest(&dest)?;
            let (tmp, _) = create_temp(&dest, true)?;
            Output::Eml {
                dest,
                tmp,
                manifest: Vec::new(),
                seen: HashSet::new(),
                bytes: 0,
            }
        } else {
            if fs::metadata(&dest).is_ok_and(|m| m.is_dir()) {
                return Err(Error::io(
                    &dest,
                    "starting export",
                    invalid("is a folder; a file name is needed"),
                ));
            }
            let (tmp, file) = create_temp(&dest, false)?;
            let file = file.expect("create_temp opens files");
            Output::File {
                dest,
                tmp,
                w: Some(Hashing::new(BufWriter::with_capacity(1 << 16, file))),
            }
        };
        let mut ex = Exporter {
            format,
            out,
            messages: 0,
            done: false,
        };
        ex.start()?;
        Ok(ex)
    }

    /// Same for writing CSV or JSON to any writer (stdout); mbox and eml
    /// need a file or folder and are refused. The output is the same bytes
    /// a file export would hold (CSV with its BOM).
    pub fn to_writer(format: Format, w: Box<dyn Write + Send>) -> Result<Exporter> {
        if format.needs_raw() {
            return Err(Error::io(
                STREAM_PATH,
                "starting export",
                invalid(format!(
                    "{format} export needs a file or folder, not a stream"
                )),
            ));
        }
        let mut ex = Exporter {
            format,
            out: Output::Stream {
                w: Hashing::new(BufWriter::with_capacity(1 << 16, w)),
            },
            messages: 0,
            done: false,
        };
        ex.start()?;
        Ok(ex)
    }

    /// The format being written.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Path used in errors: the destination, or `<output>` for a writer.
    fn err_path(&self) -> PathBuf {
        match &self.out {
            Output::File { dest, .. } | Output::Eml { dest, .. } => dest.clone(),
            Output::Stream { .. } => PathBuf::from(STREAM_PATH),
        }
    }

    /// Writes to the single output stream (not for eml).
    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        let path = self.err_path();
        let res = match &mut self.out {
            Output::File { w: Some(w), .. } => w.write_all(bytes),
            Output::Stream { w } => w.write_all(bytes),
            Output::File { w: None, .. } | Output::Eml { .. } => {
                unreachable!("put on an eml or finished export")
            }
        };
        res.map_err(|e| Error::io(path, "writing export", e))
    }

    /// Writes what comes before the first message (the CSV BOM and header).
    fn start(&mut self) -> Result<()> {
        if self.format == Format::Csv {
            let mut head = UTF8_BOM.to_string();
            head.push_str(&csv_line(CSV_HEADER));
            self.put(head.as_bytes())?;
        }
        Ok(())
    }

    /// Writes one message. mbox and eml exports need `item.raw`.
    pub fn write(&mut self, item: &ExportItem) -> Result<()> {
        let needs_raw = || {
            Error::io(
                self.err_path(),
                "exporting",
                invalid(format!(
                    "message {}: its source bytes are needed for a {} export",
                    item.message.key, self.format
                )),
            )
        };
        match self.format {
            Format::Csv => self.put(csv_row(item).as_bytes())?,
            Format::Json => {
                let mut line = serde_json::to_vec(&json_record(item))
                    .expect("a serde_json::Value always serialises");
                line.push(b'\n');
                self.put(&line)?;
            }
            Format::Mbox => {
                let raw = item.raw.ok_or_else(needs_raw)?;
                let mut entry = Vec::with_capacity(raw.len() + 128);
                mbox_entry(&mut entry, &from_line(item), raw);
                self.put(&entry)?;
            }
            Format::Eml => {
                let raw = item.raw.ok_or_else(needs_raw)?;
                let Output::Eml {
                    dest,
                    tmp,
                    manifest,
                    seen,
                    bytes,
                    ..
                } = &mut self.out
                else {
                    unreachable!("eml format has eml output")
                };
                let key = item.message.key;
                if !seen.insert(key) {
                    // The same message again: already in the folder.
                    return Ok(());
                }
                let file = format!("{}.eml", key.to_hex());
                let path = tmp.join(&file);
                // Errors name the file in the destination folder (where it
                // would have been), not in the temporary folder.
                let shown = dest.join(&file);
                let mut f = OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)
                    .map_err(|e| Error::io(&shown, "creating", e))?;
                f.write_all(raw)
                    .map_err(|e| Error::io(&shown, "writing export", e))?;
                *bytes += raw.len() as u64;
                manifest.push(ManifestRow {
                    file,
                    sha256: Sha256::of(raw),
                    bytes: raw.len() as u64,
                    id: key,
                });
            }
        }
        self.messages += 1;
        Ok(())
    }

    /// Completes the export: flushes and syncs the output and renames it
    /// into place (for eml, after writing `manifest.csv`). Returns how many
    /// messages were written and the SHA-256 of the output file (for eml:
    /// of the manifest).
    pub fn finish(mut self) -> Result<ExportSummary> {
        let path = self.err_path();
        let messages = self.messages;
        let summary = match &mut self.out {
            Output::Stream { w } => {
                w.flush()
                    .map_err(|e| Error::io(&path, "writing export", e))?;
                ExportSummary {
                    messages,
                    path: None,
                    sha256: Some(Sha256(w.hasher.clone().finalize().into())),
                    bytes: w.bytes,
                }
            }
            Output::File { dest, tmp, w } => {
                let mut hw = w.take().expect("finish runs once");
                hw.flush()
                    .map_err(|e| Error::io(&path, "writing export", e))?;
                hw.inner
                    .get_ref()
                    .sync_all()
                    .map_err(|e| Error::io(&*dest, "syncing export", e))?;
                let sha = Sha256(hw.hasher.clone().finalize().into());
                let bytes = hw.bytes;
                drop(hw);
                fs::rename(&*tmp, &*dest).map_err(|e| Error::io(&*dest, "renaming export", e))?;
                sync_dir(parent_of(dest));
                ExportSummary {
                    messages,
                    path: Some(dest.clone()),
                    sha256: Some(sha),
                    bytes,
                }
            }
            Output::Eml {
                dest,
                tmp,
                manifest,
                bytes,
                ..
            } => {
                let mut text = csv_line(&["file", "sha256", "bytes", "id"]);
                for row in manifest.iter() {
                    text.push_str(&csv_line(&[
                        row.file.clone(),
                        row.sha256.to_hex(),
                        row.bytes.to_string(),
                        row.id.to_hex(),
                    ]));
                }
                let mpath = tmp.join(EML_MANIFEST);
                let shown = dest.join(EML_MANIFEST);
                let mut f = OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&mpath)
                    .map_err(|e| Error::io(&shown, "creating", e))?;
                f.write_all(text.as_bytes())
                    .and_then(|_| f.sync_all())
                    .map_err(|e| Error::io(&shown, "writing export", e))?;
                drop(f);
                for row in manifest.iter() {
                    let p = tmp.join(&row.file);
                    File::open(&p)
                        .and_then(|f| f.sync_all())
                        .map_err(|e| Error::io(dest.join(&row.file), "syncing export", e))?;
                }
                sync_dir(tmp);
                // An empty folder in the way is replaced (checked again now).
                check_eml_dest(dest)?;
                match fs::remove_dir(&*dest) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(Error::io(&*dest, "replacing empty folder", e)),
                }
                fs::rename(&*tmp, &*dest).map_err(|e| Error::io(&*dest, "renaming export", e))?;
                sync_dir(parent_of(dest));
                ExportSummary {
                    messages,
                    path: Some(dest.clone()),
                    sha256: Some(Sha256::of(text.as_bytes())),
                    bytes: *bytes + text.len() as u64,
                }
            }
        };
        self.done = true;
        Ok(summary)
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        match &mut self.out {
            Output::File { tmp, w, .. } => {
                drop(w.take());
                let _ = fs::remove_file(&*tmp);
            }
            Output::Eml { tmp, .. } => {
                let _ = fs::remove_dir_all(&*tmp);
            }
            Output::Stream { w } => {
                let _ = w.flush();
            }
        }
    }
}
