//! XLSX and legacy XLS to text: each sheet (hidden ones too) under a
//! `=== name ===` heading, one line per row, cells separated by tabs,
//! numbers as Excel's General format shows them (15 significant digits),
//! date-formatted cells as dates.
//!
//! Both readers are small and streaming, written here rather than taken
//! from calamine: calamine builds every sheet as a dense range over the
//! bounding box of its cells (one cell at `A1` and one at `XFD1048576` ask
//! for 17 billion), reserves what an XLS `DIMENSIONS` record claims, and
//! pulls in zip's `deflate` feature, which switches the whole project's
//! flate2 to the zlib-rs backend (changing the bytes of every generated
//! archive). Here cells are kept only where they exist.
//! - XLSX: shared strings, styles (which number formats are dates), the
//!   workbook's sheet list and each sheet part, read through the bounded
//!   [`Archive`](crate::extract::zipped::Archive) and walked with quick-xml.
//! - XLS: the `Workbook` (or BIFF5 `Book`) stream of the OLE2 file (`cfb`
//!   crate), its BIFF records walked: shared strings across `CONTINUE`
//!   records, labels, numbers, RK values, formulas' cached results,
//!   booleans and errors; BIFF5 8-bit strings in the workbook's code page;
//!   a `FILEPASS` record is
//!   [`ExtractError::Encrypted`](crate::extract::ExtractError::Encrypted).
//!
//! Files: `cells.rs` (what both readers share: number and date display,
//! date formats, rows of cells under a sheet heading), `xlsx.rs`, `xls.rs`.

mod cells;
mod xls;
mod xlsx;

pub(crate) use xls::xls;
pub(crate) use xlsx::xlsx;
