//! eml
